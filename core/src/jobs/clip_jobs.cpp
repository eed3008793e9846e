// The CLIP job kinds recorded in projects (the GUI's run dialogs and `promptdesk-cli run` /
// `--project` use them):
//   clip-zero-shot           hand-crafted prompts on a dataset split (runZeroShot)
//   clip-fewshot             one few-shot run: zero-shot / ensemble / linear probe / CoOp variants /
//                            CoCoOp (runFewShot), with loss series, checkpoints and resume
//   clip-fewshot-experiment  a grid (methods x shots x seeds) that runs as clip-fewshot cells
// Each run records the model and dataset (path, format, SHA-256, architecture / classes), the
// few-shot split, final metrics, per-item predictions and the learned prompt.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/options.h"
#include "common/text_split.h"
#include "jobs/clip_job_support.h"
#include "jobs/job_registry.h"
#include "promptdesk/clip.h"
#include "promptdesk/coop.h"
#include "promptdesk/error.h"
#include "promptdesk/grid.h"
#include "promptdesk/hash.h"
#include "promptdesk/methods.h"
#include "promptdesk/models.h"
#include "promptdesk/project.h"
#include "promptdesk/zero_shot.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace pd::jobs {
namespace {

using namespace detail;

// ---- clip-zero-shot -------------------------------------------------------------------------
JobKindInfo zeroShotInfo() {
  Schema s;
  s.k.kind = "clip-zero-shot";
  s.k.title = "Zero-shot CLIP (hand-crafted prompts)";
  s.k.description =
      "Classifies a dataset split with CLIP and hand-crafted prompts: one template, several "
      "(CLIP's ensemble: mean of normalised text embeddings) or a template set from the library. "
      "Records accuracy with a bootstrap 95% CI, macro-F1, ECE and every prediction.";
  s.modelAndDataset();
  s.opt("split", "string", "\"test\"", "the split to evaluate");
  s.opt("templates", "string", "\"\"",
        "templates, one per line (or separated by |), with {class}; empty: 'a photo of a "
        "{class}.' unless a template set is given");
  s.opt("template_set", "string", "\"\"",
        "a template set from the library: DATASET, DATASET/SET or SET (e.g. ImageNet/ensemble)");
  s.opt("library", "string", "\"\"", "a user template library JSON (extends the built-in one)");
  s.opt("aliases", "string", "\"\"", "verbalizer JSON whose aliases name the classes in prompts");
  s.opt("batch_size", "int", "64", "images and prompts per forward pass", 1, 4096);
  s.naming("");
  s.opt("method", "string", "\"zeroshot\"", "method name recorded with the run");
  return s.k;
}

class ZeroShotKind : public JobKind {
 public:
  JobKindInfo info() const override { return zeroShotInfo(); }
  void run(const std::string& specJson, JobContext& ctx, RunSink& sink) override {
    json s = json::parse(specJson);
    Project& p = sink.project();
    ZeroShotSpec z;
    z.modelPath = absPath(s["model"]);
    z.datasetSpec = s["dataset"];
    z.datasetOptions = datasetOptions(s);
    z.split = s["split"];
    z.templates = splitTrimmed(s["templates"].get<std::string>(), "\n|", " \t\r");
    z.templateSet = s["template_set"];
    z.templateLibrary = s["library"];
    z.aliasesFile = s["aliases"];
    z.batchSize = s["batch_size"];
    z.cacheDir = s["cache"];
    z.limit = s["test_limit"];
    ZeroShotResult r = runZeroShot(z, &ctx);
    recordZeroShotRun(p, sink, s, r);
    p.addNote(sink.runId(), "templates:\n" + [&] {
      std::string t;
      for (const auto& x : r.templates) t += x + "\n";
      return t;
    }());
  }
};

// ---- clip-fewshot ---------------------------------------------------------------------------
// A few-shot spec names a registered method or preset ("method") and may set any option that
// method declares, at the top level of the spec. The schema lists every registered method's
// options once, with a null default: "the method's (or preset's) own default".
void methodOptions(Schema& s) { methodOptionsOf(s, false); }
bool isMethodOption(const std::string& key) { return isMethodOptionOf(key, false); }

// Specs written before methods declared their options (they hold "batch", and 0 / "variant" /
// false / "" meant "the variant's default"): today's keys, with the sentinels left out.
json upgradeLegacyKnobs(json s) {
  if (!s.is_object() || !s.contains("batch")) return s;
  auto drop = [&](const char* key, const json& sentinel) {
    if (s.contains(key) && s[key] == sentinel) s.erase(key);
  };
  const json batch = s["batch"];
  s.erase("batch");
  if (batch.is_number_integer() && batch.get<long long>() > 0) s["batch_size"] = batch;
  drop("n_ctx", 0);
  drop("lr", 0);
  drop("lr", 0.0);
  drop("position", "variant");
  drop("csc", false);
  drop("ctx_init", "");
  drop("epochs", 0);
  drop("epochs_scale", 1);
  drop("epochs_scale", 1.0);
  drop("views", 0);
  drop("reference_mode", false);
  drop("templates", "");
  // A legacy cell carried every knob of its experiment, also those its method does not have.
  if (s.contains("method") && s["method"].is_string()) {
    const ResolvedMethod rm = resolveMethod(s["method"], "{}", "method");
    for (const char* k : {"n_ctx", "lr", "position", "csc", "ctx_init", "epochs", "epochs_scale",
                          "views", "reference_mode", "templates", "batch_size"})
      if (s.contains(k) && !options::find(rm.method->options, k)) s.erase(k);
  }
  return s;
}

// The method's overrides of a normalized spec: its non-null keys the method declares.
json overridesFor(const MethodInfo& m, const json& spec) {
  json o = json::object();
  for (const OptionSpec& x : m.options)
    if (spec.contains(x.name) && !spec[x.name].is_null()) o[x.name] = spec[x.name];
  return o;
}

JobKindInfo fewShotInfo() {
  Schema s;
  s.k.kind = "clip-fewshot";
  s.k.title = "Few-shot run (CoOp, CoCoOp, linear probe, zero-shot)";
  s.k.description =
      "One few-shot run of a registered method on a dataset: CoOp (unified/CSC, end/middle/front, "
      "init from words), CoCoOp, the linear probe on cached features, or hand-crafted zero-shot / "
      "ensemble as the 0-shot reference. Records the loss curve, checkpoints each epoch "
      "(resumable), accuracy, predictions and the learned prompt.";
  s.modelAndDataset();
  s.opt("method", "choice", "\"coop\"", "method or preset (promptdesk-cli methods)").choices =
      methodChoicesOf(false);
  s.opt("shots", "int", "16", "training images per class (0 for zero-shot)", 0, 10000);
  s.opt("seed", "int", "1", "few-shot sample and training seed", 0, 2147483647);
  methodOptions(s);
  s.naming("");
  return s.k;
}

}  // namespace
FewShotRunSpec fewShotSpecFromJson(const json& s, const std::string& outDir) {
  FewShotRunSpec f;
  f.modelPath = absPath(s["model"]);
  f.datasetSpec = s["dataset"];
  f.datasetOptions = datasetOptions(s);
  f.cacheDir = s["cache"];
  f.testLimit = s["test_limit"];
  f.method = s["method"];
  const ResolvedMethod rm = resolveMethod(f.method, "{}", "clip-fewshot.method");
  f.optionsJson = overridesFor(*rm.method, s).dump();
  f.shots = rm.method->usesTrainingData ? std::max(1, s["shots"].get<int>()) : 1;
  f.seed = s["seed"].get<std::uint64_t>();
  f.outDir = outDir;
  return f;
}
namespace {

class FewShotKind : public JobKind {
 public:
  JobKindInfo info() const override { return fewShotInfo(); }
  std::string upgrade(const std::string& spec) const override {
    return upgradeLegacyKnobs(json::parse(spec)).dump();
  }
  // Options of other methods are cleared (the form shows every method's options; a field the
  // chosen method does not have is not part of its run, nor of the spec's hash); the method's own
  // are checked against its declaration.
  std::string finish(const std::string& spec) const override {
    json s = json::parse(spec);
    const ResolvedMethod rm = resolveMethod(s["method"], "{}", "clip-fewshot.method");
    for (const OptionSpec& o : info().options)
      if (isMethodOption(o.name) && !options::find(rm.method->options, o.name))
        s[o.name] = nullptr;
    resolveMethod(s["method"], overridesFor(*rm.method, s).dump(), "clip-fewshot");
    return s.dump();
  }
  void run(const std::string& specJson, JobContext& ctx, RunSink& sink) override {
    json s = json::parse(specJson);
    Project& p = sink.project();
    ScratchDir scratch(sink.runId());
    FewShotRunSpec f = fewShotSpecFromJson(s, scratch.path);
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
    // Per-step points are buffered and written once per epoch (one transaction each).
    std::vector<MetricPoint> pending;
    f.hooks.onStep = [&](const FewShotStep& st) {
      pending.push_back({st.globalStep, st.epoch, "train_loss", st.loss});
      pending.push_back({st.globalStep, st.epoch, "train_accuracy", st.accuracy});
      pending.push_back({st.globalStep, st.epoch, "lr", st.lr});
    };
    f.hooks.onCheckpoint = [&](int epoch, int globalStep, const std::string& file) {
      if (!pending.empty()) p.addSeries(sink.runId(), pending);
      pending.clear();
      (void)epoch;
      sink.checkpoint(globalStep, readFile(file));
    };
    FewShotRunResult r = runFewShot(f, &ctx);
    const bool trains = resolveMethod(f.method).method->usesTrainingData;
    std::vector<std::string> ids = r.trainIds;
    ids.insert(ids.end(), r.valIds.begin(), r.valIds.end());
    recordInputs(p, sink, s, r.datasetName, r.classNames,
                 trains ? itemListHash(ids) : std::string());
    if (trains) {
      SplitRecord sp;
      sp.datasetId = p.run(sink.runId()).datasetId;
      sp.name = "shots-" + std::to_string(r.shots) + "-seed-" + std::to_string(r.seed);
      sp.shots = r.shots;
      sp.seed = static_cast<std::int64_t>(r.seed);
      sp.itemIds = ids;
      p.addSplit(sp);
    }
    if (!r.testItems.empty()) p.addPredictions(sink.runId(), toPredictions(r.testItems));
    auto rows = r.testItems.empty() ? std::vector<FinalMetric>{} : metricRows(r.testMetrics);
    if (r.valAccuracy >= 0) rows.push_back({"val_accuracy", r.valAccuracy});
    if (r.finalLoss >= 0) rows.push_back({"final_loss", r.finalLoss});
    rows.push_back({"epochs", double(r.epochs)});
    rows.push_back({"train_seconds", r.trainSeconds});
    p.setFinalMetrics(sink.runId(), rows);
    if (!r.promptFile.empty()) {
      ArtifactRecord a;
      a.runId = sink.runId();
      a.kind = "prompt";
      a.name = s["method"].get<std::string>() + "-prompt";
      a.format = "safetensors";
      a.step = r.steps;
      p.addArtifact(a, readFile(r.promptFile));
    }
    p.addNote(sink.runId(), "result: " + r.resultJson);
  }
};

// ---- clip-fewshot-experiment ----------------------------------------------------------------
JobKindInfo experimentInfo() {
  Schema s;
  s.k.kind = "clip-fewshot-experiment";
  s.k.title = "Few-shot experiment (CoOp's figure)";
  s.k.description =
      "Methods x shots x seeds, each cell a clip-fewshot run in the same experiment; zero-shot "
      "methods run once (drawn at 0 shots). Options set here apply to every method that declares "
      "them. Cells already finished in the project are skipped, interrupted ones resumed.";
  s.k.grid = true;
  s.modelAndDataset();
  std::string names;
  for (const auto& c : methodChoicesOf(false)) names += (names.empty() ? "" : ", ") + c;
  s.opt("methods", "string", "\"zeroshot,ensemble,linear-probe,coop,coop-csc,cocoop\"",
        "comma list of methods and presets: " + names);
  s.opt("shots", "string", "\"1,2,4,8,16\"", "comma list of shots per class");
  s.opt("seeds", "string", "\"1,2,3\"", "comma list of seeds");
  methodOptions(s);
  s.opt("ensemble_templates", "string", "\"\"",
        "templates of the 'ensemble' preset (empty: CLIP's 7-template ensemble)");
  s.opt("experiment", "string", "\"fewshot\"", "experiment name");
  return s.k;
}

class ExperimentKind : public JobKind {
 public:
  JobKindInfo info() const override { return experimentInfo(); }
  std::string upgrade(const std::string& spec) const override {
    return upgradeLegacyKnobs(json::parse(spec)).dump();
  }
  void run(const std::string&, JobContext&, RunSink&) override {
    throw Error("an experiment runs as its cells (expandJobSpec / ProjectJob::newRuns)",
                "clip-fewshot-experiment");
  }
  std::vector<std::string> expand(const std::string& specJson) const override {
    json s = json::parse(specJson);
    json base = s;
    for (const char* k : {"methods", "seeds", "ensemble_templates"}) base.erase(k);
    for (const OptionSpec& o : experimentInfo().options)
      if (isMethodOption(o.name)) base.erase(o.name);
    base["kind"] = "clip-fewshot";
    base["label"] = "";
    base["template"] = "";
    std::vector<std::string> out;
    for (const GridCell& cell : fewShotGrid(s["methods"], s["shots"], s["seeds"],
                                            "clip-fewshot-experiment")) {
      const ResolvedMethod rm = resolveMethod(cell.method, "{}", "clip-fewshot-experiment.methods");
      json c = base;
      c["method"] = cell.method;
      c["shots"] = cell.shots;
      c["seed"] = cell.seed;
      json o = overridesFor(*rm.method, s);
      for (auto it = o.begin(); it != o.end(); ++it) c[it.key()] = it.value();
      if (cell.method == "ensemble") {
        c.erase("templates");
        if (!s["ensemble_templates"].get<std::string>().empty())
          c["templates"] = s["ensemble_templates"];
      }
      out.push_back(c.dump());
    }
    return out;
  }
};

}  // namespace

}  // namespace pd::jobs

namespace pd {
FewShotRunSpec fewShotRunSpecFromJob(const std::string& specJson) {
  const json s = json::parse(normalizeJobSpec(specJson));
  if (s["kind"] != "clip-fewshot")
    throw Error("expected a clip-fewshot spec, not " + s["kind"].dump(), "kind");
  return jobs::fewShotSpecFromJson(s, "");
}
}  // namespace pd

namespace pd::jobs {

void registerClipJobs() {
  registerJobKind(zeroShotInfo(), [] { return std::make_unique<ZeroShotKind>(); });
  registerJobKind(fewShotInfo(), [] { return std::make_unique<FewShotKind>(); });
  registerJobKind(experimentInfo(), [] { return std::make_unique<ExperimentKind>(); });
}

}  // namespace pd::jobs
