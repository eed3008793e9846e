// The text job kinds recorded in projects:
//   text-zero-shot   templates + verbalizer on a text dataset with BERT / RoBERTa / GPT-2
//                    (runTextZeroShot): metrics, every prediction, the label words as the
//                    tokenizer sees them.
//   text-fewshot     one few-shot run of a text method (Prompt Tuning, P-Tuning, Prefix-Tuning,
//                    P-Tuning v2, adapters, BitFit, partial-k, linear, full, LM-BFF) under
//                    LM-BFF's protocol (runTextFewShot): loss curve, dev accuracy at every
//                    evaluation, checkpoints (resumable), test metrics and predictions, the
//                    learned tensors and the PEFT adapter folder as artifacts.
//   text-fewshot-experiment  methods x K x seeds as text-fewshot cells (+ the hand-crafted
//                    zero-shot reference as a text-zero-shot cell).
#include <nlohmann/json.hpp>

#include "common/text_split.h"
#include "jobs/clip_job_support.h"
#include "jobs/job_registry.h"
#include "promptdesk/project.h"
#include "common/options.h"
#include "promptdesk/error.h"
#include "promptdesk/grid.h"
#include "promptdesk/hash.h"
#include "promptdesk/text_methods.h"
#include "promptdesk/text_models.h"

#include <filesystem>
#include <fstream>

using nlohmann::json;

namespace pd::jobs {
namespace {

using namespace detail;

// The `head` option's values: "" (each method's default) and every registered head.
std::vector<std::string> headChoices() {
  std::vector<std::string> c{""};
  for (const auto& k : textHeadChoices()) c.push_back(k);
  return c;
}

JobKindInfo textZeroShotInfo() {
  Schema s;
  s.k.kind = "text-zero-shot";
  s.k.title = "Zero-shot text classification (templates and label words)";
  s.k.description =
      "Classifies a text dataset with a masked LM (cloze: the label words' scores at the mask, "
      "OpenPrompt's ManualVerbalizer) or a causal LM (the label word's log-likelihood after the "
      "prompt); several templates are an ensemble; optional contextual calibration. Records "
      "accuracy with a bootstrap 95% CI, macro-F1, ECE and every prediction.";
  s.required("model", "path", "text model: a Hugging Face folder (BERT, RoBERTa, GPT-2)");
  s.required("dataset", "string",
             "dataset SPEC: an installed name (sentiment-imdb, ...), a path or kind:path");
  s.opt("label_names", "string", "\"\"", "names (or 0=name,...) for the label values");
  s.opt("class_names", "string", "\"\"", "file of class names (one per label value)");
  s.opt("text_column", "string", "\"\"", "CSV/TSV/JSONL: the text column (empty: detected)");
  s.opt("text2_column", "string", "\"\"", "CSV/TSV/JSONL: the second text column (pairs)");
  s.opt("label_column", "string", "\"\"", "CSV/TSV/JSONL: the label column (empty: detected)");
  s.opt("test_limit", "int", "0", "evaluate on the first N items only (0: all)", 0, 1e12);
  s.opt("split", "string", "\"test\"", "the split to evaluate");
  s.opt("tokenizer", "string", "\"\"",
        "tokenizer folder, gpt2 or bert-base-uncased (empty: the model folder's, else the "
        "family's installed vocabulary)");
  s.opt("templates", "string", "\"\"",
        "templates, one per line (or separated by |): {text} ... {mask} (masked LM) or a prefix "
        "(causal LM); empty: '{text} It was {mask}.' / '{text} It was'");
  s.opt("verbalizer", "string", "\"\"", "verbalizer JSON (label words per class)");
  s.opt("label_words", "string", "\"\"",
        "label words per class, 'class=word|word' separated by ';' (empty: the class names)");
  s.opt("scoring", "choice", "\"auto\"", "auto, cloze, sum, mean or next-token")
      .choices = {"auto", "cloze", "sum", "mean", "next-token"};
  s.opt("calibrate", "bool", "false", "contextual calibration on a content-free input");
  s.opt("content_free", "string", "\"N/A\"", "the content-free input for calibration");
  s.opt("batch_size", "int", "32", "prompts per forward pass", 1, 4096);
  s.naming("");
  s.opt("method", "string", "\"zeroshot\"", "method name recorded with the run");
  return s.k;
}

class TextZeroShotKind : public JobKind {
 public:
  JobKindInfo info() const override { return textZeroShotInfo(); }
  void run(const std::string& specJson, JobContext& ctx, RunSink& sink) override {
    json s = json::parse(specJson);
    Project& p = sink.project();
    TextZeroShotSpec z;
    z.modelPath = absPath(s["model"]);
    z.tokenizer = s["tokenizer"];
    z.datasetSpec = s["dataset"];
    z.datasetOptions = datasetOptions(s);
    z.datasetOptions.textColumn = s["text_column"];
    z.datasetOptions.text2Column = s["text2_column"];
    z.datasetOptions.labelColumn = s["label_column"];
    z.split = s["split"];
    z.templates = splitTrimmed(s["templates"].get<std::string>(), "\n|", " \t\r");
    z.verbalizerFile = s["verbalizer"];
    z.labelWords = splitTrimmed(s["label_words"].get<std::string>(), ";\n", " \t\r");
    z.scoring = s["scoring"];
    z.calibrate = s["calibrate"];
    z.contentFree = s["content_free"];
    z.batchSize = s["batch_size"];
    z.limit = s["test_limit"];
    TextZeroShotResult t = runTextZeroShot(z, &ctx);
    const ZeroShotResult& r = t.result;
    recordZeroShotRun(p, sink, s, r,
                      {{"truncated_items", static_cast<double>(t.truncatedItems)}});
    std::string note = "scoring: " + t.scoring + ", tokenizer: " + t.tokenizer + "\ntemplates:\n";
    for (const auto& x : r.templates) note += x + "\n";
    note += "label words:\n";
    for (const auto& w : t.labelWords) {
      note += "  " + w.className + ": " + w.word + " ->";
      for (const auto& piece : w.pieces) note += " " + piece;
      note += "\n";
    }
    p.addNote(sink.runId(), note);
  }
};

// ---- text-fewshot ---------------------------------------------------------------------------
void textInputs(Schema& s) {
  s.required("model", "path", "text model: a Hugging Face folder (BERT, RoBERTa, GPT-2)");
  s.required("dataset", "string",
             "dataset SPEC: an installed name (sentiment-imdb, ...), a path or kind:path");
  s.opt("label_names", "string", "\"\"", "names (or 0=name,...) for the label values");
  s.opt("class_names", "string", "\"\"", "file of class names (one per label value)");
  s.opt("text_column", "string", "\"\"", "CSV/TSV/JSONL: the text column (empty: detected)");
  s.opt("text2_column", "string", "\"\"", "CSV/TSV/JSONL: the second text column (pairs)");
  s.opt("label_column", "string", "\"\"", "CSV/TSV/JSONL: the label column (empty: detected)");
  s.opt("test_limit", "int", "0", "evaluate on the first N test items only (0: all)", 0, 1e12);
  s.opt("tokenizer", "string", "\"\"",
        "tokenizer folder, gpt2 or bert-base-uncased (empty: the model folder's, else the "
        "family's installed vocabulary)");
  s.opt("verbalizer", "string", "\"\"", "verbalizer JSON (label words per class)");
  s.opt("label_words", "string", "\"\"",
        "label words per class, 'class=word|word' separated by ';' (empty: the class names)");
}

JobKindInfo textFewShotInfo() {
  Schema s;
  s.k.kind = "text-fewshot";
  s.k.title = "Few-shot text run (Prompt/P-/Prefix-Tuning, P-Tuning v2, adapters, BitFit, ...)";
  s.k.description =
      "One few-shot run of a text method under LM-BFF's protocol: K items per class for train and "
      "K for dev from the train split, AdamW with linear decay, dev accuracy every eval_every "
      "steps (the best step is kept), test on the test split. Records the loss curve, dev "
      "accuracy, checkpoints (resumable), test metrics, predictions, the learned tensors and the "
      "PEFT adapter folder.";
  textInputs(s);
  s.opt("template", "string", "\"\"",
        "the template: {text} ... {mask} (masked LM) or a prefix (causal LM); {soft:N} places "
        "soft tokens; empty: '{text} It was {mask}.' / '{text} It was'");
  s.opt("head", "choice", "\"\"",
        "how classes are read (empty: the method's default): verbalizer (label words at the "
        "mask), classifier (pooled [CLS]), ...")
      .choices = headChoices();
  const auto choices = methodChoicesOf(true);
  s.opt("method", "choice", choices.empty() ? "\"\"" : json(choices.front()).dump(),
        "text method or preset (promptdesk-cli methods)")
      .choices = choices;
  s.opt("shots", "int", "16", "K: training (and dev) items per class", 1, 100000);
  s.opt("seed", "int", "13", "few-shot sample and training seed (LM-BFF: 13, 21, 42, 87, 100)", 0,
        2147483647);
  methodOptionsOf(s, true);
  s.opt("experiment", "string", "\"\"",
        "experiment the run belongs to (groups runs in charts and reports)");
  s.opt("label", "string", "\"\"", "name shown for the method in charts and reports (empty: method)");
  return s.k;
}

TextFewShotSpec textSpecFromJson(const json& s, const std::string& outDir) {
  TextFewShotSpec f;
  f.modelPath = absPath(s["model"]);
  f.tokenizer = s["tokenizer"];
  f.datasetSpec = s["dataset"];
  f.datasetOptions = datasetOptions(s);
  f.datasetOptions.textColumn = s["text_column"];
  f.datasetOptions.text2Column = s["text2_column"];
  f.datasetOptions.labelColumn = s["label_column"];
  f.templateText = s["template"];
  f.verbalizerFile = s["verbalizer"];
  f.labelWords = splitTrimmed(s["label_words"].get<std::string>(), ";\n", " \t\r");
  f.head = s["head"];
  f.method = s["method"];
  const ResolvedMethod rm = resolveMethod(f.method, "{}", "text-fewshot.method");
  f.optionsJson = methodOverrides(*rm.method, s).dump();
  f.shots = s["shots"];
  f.seed = s["seed"].get<std::uint64_t>();
  f.testLimit = s["test_limit"];
  f.outDir = outDir;
  return f;
}

class TextFewShotKind : public JobKind {
 public:
  JobKindInfo info() const override { return textFewShotInfo(); }
  // Options of other methods are cleared (not part of this run, nor of its hash); the method's
  // own are checked against its declaration.
  std::string finish(const std::string& spec) const override {
    json s = json::parse(spec);
    const ResolvedMethod rm = resolveMethod(s["method"], "{}", "text-fewshot.method");
    for (const OptionSpec& o : info().options)
      // "head" is also the kind's own option (the task's head), never cleared.
      if (o.name != "head" && isMethodOptionOf(o.name, true) &&
          !options::find(rm.method->options, o.name))
        s[o.name] = nullptr;
    resolveMethod(s["method"], methodOverrides(*rm.method, s).dump(), "text-fewshot");
    return s.dump();
  }
  void run(const std::string& specJson, JobContext& ctx, RunSink& sink) override {
    json s = json::parse(specJson);
    Project& p = sink.project();
    ScratchDir scratch(sink.runId());
    TextFewShotSpec f = textSpecFromJson(s, scratch.path);
    if (sink.resuming()) {
      std::int64_t step = 0;
      std::string bytes = sink.lastCheckpoint(&step);
      if (!bytes.empty()) {
        std::ofstream(scratch.path + "/checkpoint.safetensors", std::ios::binary) << bytes;
        f.resume = true;
        p.truncateSeries(sink.runId(), step);
      } else {
        p.truncateSeries(sink.runId(), 0);
      }
    }
    std::vector<MetricPoint> pending;
    f.onStep = [&](const TextTrainStep& st) {
      pending.push_back({st.step, 0, "train_loss", st.loss});
      pending.push_back({st.step, 0, "lr", st.lr});
      if (st.devAccuracy >= 0) pending.push_back({st.step, 0, "dev_accuracy", st.devAccuracy});
    };
    f.onCheckpoint = [&](int step, const std::string& file) {
      if (!pending.empty()) p.addSeries(sink.runId(), pending);
      pending.clear();
      sink.checkpoint(step, readFile(file));
    };
    TextFewShotResult r = runTextFewShot(f, &ctx);
    if (!pending.empty()) p.addSeries(sink.runId(), pending);
    std::vector<std::string> ids = r.trainIds;
    ids.insert(ids.end(), r.valIds.begin(), r.valIds.end());
    recordInputs(p, sink, s, r.datasetName, r.classNames, itemListHash(ids));
    SplitRecord sp;
    sp.datasetId = p.run(sink.runId()).datasetId;
    sp.name = "lmbff-k" + std::to_string(r.shots) + "-seed-" + std::to_string(r.seed);
    sp.shots = r.shots;
    sp.seed = static_cast<std::int64_t>(r.seed);
    sp.itemIds = ids;
    p.addSplit(sp);
    if (!r.testItems.empty()) p.addPredictions(sink.runId(), toPredictions(r.testItems));
    auto rows = r.testItems.empty() ? std::vector<FinalMetric>{} : metricRows(r.testMetrics);
    rows.push_back({"dev_accuracy", r.devAccuracy});
    rows.push_back({"final_loss", r.finalLoss});
    rows.push_back({"steps", double(r.steps)});
    rows.push_back({"best_step", double(r.bestStep)});
    rows.push_back({"trained_parameters", double(r.trained)});
    rows.push_back({"trained_percent", r.trainedPercent});
    rows.push_back({"train_seconds", r.trainSeconds});
    p.setFinalMetrics(sink.runId(), rows);
    ArtifactRecord a;
    a.runId = sink.runId();
    a.kind = "prompt";
    a.name = s["method"].get<std::string>() + "-learned";
    a.format = "safetensors";
    a.step = r.bestStep;
    p.addArtifact(a, readFile(r.learnedFile));
    p.addNote(sink.runId(), "result: " + r.resultJson);
  }
};

// ---- text-fewshot-experiment ----------------------------------------------------------------
JobKindInfo textExperimentInfo() {
  Schema s;
  s.k.kind = "text-fewshot-experiment";
  s.k.title = "Few-shot text experiment (LM-BFF's grid)";
  s.k.description =
      "Methods x K x seeds, each cell a text-fewshot run in the same experiment, plus the "
      "hand-crafted zero-shot reference (a text-zero-shot run of the same template and label "
      "words). Options set here apply to every method that declares them. Cells already finished "
      "in the project are skipped, interrupted ones resumed.";
  s.k.grid = true;
  textInputs(s);
  s.opt("template", "string", "\"\"", "the template (as text-fewshot)");
  s.opt("head", "choice", "\"\"", "head for every method (empty: each method's default)").choices =
      headChoices();
  std::string names;
  for (const auto& c : methodChoicesOf(true)) names += (names.empty() ? "" : ", ") + c;
  s.opt("methods", "string", "\"prompt-tuning,p-tuning,prefix-tuning,adapter,bitfit,lm-bff\"",
        "comma list of text methods and presets: " + names);
  s.opt("shots", "string", "\"4,8,16,32\"", "comma list of K (items per class for train and dev)");
  s.opt("seeds", "string", "\"13,21,42,87,100\"", "comma list of seeds (LM-BFF's five)");
  s.opt("zero_shot", "bool", "true", "also run the hand-crafted zero-shot reference");
  methodOptionsOf(s, true);
  s.opt("experiment", "string", "\"fewshot-text\"", "experiment name");
  return s.k;
}

class TextExperimentKind : public JobKind {
 public:
  JobKindInfo info() const override { return textExperimentInfo(); }
  void run(const std::string&, JobContext&, RunSink&) override {
    throw Error("an experiment runs as its cells (expandJobSpec / ProjectJob::newRuns)",
                "text-fewshot-experiment");
  }
  std::vector<std::string> expand(const std::string& specJson) const override {
    json s = json::parse(specJson);
    json base = s;
    for (const char* k : {"methods", "seeds", "shots", "zero_shot"}) base.erase(k);
    for (const OptionSpec& o : textExperimentInfo().options)
      if (isMethodOptionOf(o.name, true)) base.erase(o.name);
    base["kind"] = "text-fewshot";
    base["label"] = "";
    std::vector<std::string> out;
    if (s["zero_shot"].get<bool>()) {
      json z = json::object();
      z["kind"] = "text-zero-shot";
      for (const char* k : {"model", "dataset", "label_names", "class_names", "text_column",
                            "text2_column", "label_column", "test_limit", "tokenizer",
                            "verbalizer", "label_words", "experiment"})
        z[k] = s[k];
      z["templates"] = s["template"];
      z["method"] = "zeroshot";
      z["label"] = "hand-crafted";
      out.push_back(z.dump());
    }
    for (const GridCell& cell :
         fewShotGrid(s["methods"], s["shots"], s["seeds"], "text-fewshot-experiment")) {
      if (!isTextMethod(cell.method))
        throw Error("'" + cell.method + "' is not a text method (text methods: " +
                        [] {
                          std::string n;
                          for (const auto& c : methodChoicesOf(true)) n += (n.empty() ? "" : ", ") + c;
                          return n;
                        }() + ")",
                    "text-fewshot-experiment.methods");
      const ResolvedMethod rm = resolveMethod(cell.method, "{}", "text-fewshot-experiment.methods");
      json c = base;
      c["method"] = cell.method;
      c["shots"] = cell.shots;
      c["seed"] = cell.seed;
      json o = methodOverrides(*rm.method, s);
      for (auto it = o.begin(); it != o.end(); ++it) c[it.key()] = it.value();
      out.push_back(c.dump());
    }
    return out;
  }
};

}  // namespace

void registerTextJobs() {
  registerJobKind(textZeroShotInfo(), [] { return std::make_unique<TextZeroShotKind>(); });
  registerJobKind(textFewShotInfo(), [] { return std::make_unique<TextFewShotKind>(); });
  registerJobKind(textExperimentInfo(), [] { return std::make_unique<TextExperimentKind>(); });
}

}  // namespace pd::jobs
