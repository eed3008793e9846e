// The text job kinds recorded in projects:
//   text-zero-shot   templates + verbalizer on a text dataset with BERT / RoBERTa / GPT-2
//                    (runTextZeroShot): metrics, every prediction, the label words as the
//                    tokenizer sees them.
#include <nlohmann/json.hpp>

#include "common/text_split.h"
#include "jobs/clip_job_support.h"
#include "jobs/job_registry.h"
#include "promptdesk/project.h"
#include "promptdesk/text_models.h"

using nlohmann::json;

namespace pd::jobs {
namespace {

using namespace detail;

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

}  // namespace

void registerTextJobs() {
  registerJobKind(textZeroShotInfo(), [] { return std::make_unique<TextZeroShotKind>(); });
}

}  // namespace pd::jobs
