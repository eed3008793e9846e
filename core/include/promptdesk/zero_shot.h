#pragma once
// Zero-shot CLIP evaluation with hand-crafted prompts (torch-free public API).
//
// For every class c and template t the prompt render(t, promptName(c)) is encoded by the text
// tower; with several templates the class embedding is CLIP's ensemble (mean of the L2-normalised
// per-template embeddings, renormalised). Image features come from the feature cache (computed
// once per model, preprocessing and image content). Scores are logit_scale.exp() x cosine
// similarity; metrics come from promptdesk/metrics.h.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "promptdesk/dataset.h"
#include "promptdesk/jobs.h"
#include "promptdesk/metrics.h"

namespace pd {

struct ZeroShotSpec {
  std::string modelPath;
  std::string datasetSpec;
  DatasetOptions datasetOptions;
  std::string split = "test";
  // Prompts: explicit templates (each one CLIP template with {class}) and/or a named template
  // set from the built-in library (merged with `templateLibrary` when given):
  //   "DATASET"      that entry's default set (e.g. "FashionMNIST", "imagenet")
  //   "DATASET/SET"  a named set of that entry (e.g. "ImageNet/ensemble")
  //   "SET"          the set of that name of the entry matching the dataset's name
  // With neither, the single template "a photo of a {class}." is used.
  std::vector<std::string> templates;
  std::string templateSet;
  std::string templateLibrary;  // optional user library JSON (extends/overrides the built-ins)
  // Optional verbalizer JSON; its "aliases" give the name used in prompts for a class (on top of
  // the library entry's class_aliases when a template set was taken from that entry).
  std::string aliasesFile;
  int batchSize = 64;    // images (and prompts) per forward pass
  std::string cacheDir;  // feature cache; empty: dataDir()/feature-cache
  std::uint64_t cacheMaxBytes = 8ull << 30;
  std::int64_t limit = 0;  // only the first N items of the split (0: all)
  bool keepScores = true;  // keep per-item scores in the result (needed for items JSON)
  MetricsOptions metrics;
};

struct ZeroShotResult {
  Metrics metrics;
  std::vector<ScoredItem> items;         // scores = logits (logit_scale.exp() x cosine)
  std::vector<std::string> classNames;   // the dataset's class names (label order)
  std::vector<std::string> promptNames;  // the names that filled {class} (after aliases)
  std::vector<std::string> templates;    // the templates used
  std::string templateSet;               // "DATASET/SET" when a set was used, else ""
  std::string modelPath, modelHash, preprocess;
  std::string datasetSpec, datasetName, split;
  std::int64_t skippedItems = 0;  // dataset problems that skipped an item
  std::int64_t cacheHits = 0, cacheMisses = 0;
  float logitScale = 0;  // logit_scale.exp()
  double seconds = 0;    // whole job (dataset + model loading included)
  double modelSeconds = 0, imageSeconds = 0, textSeconds = 0, scoreSeconds = 0;
  double itemsPerSecond = 0;  // items / seconds

  // metricsToJson() + provenance: "model" {path, hash}, "dataset" {spec, name, split},
  // "templates", "template_set", "prompt_names", "app_version", "torch_version", "seconds",
  // "items_per_second", "timing", "cache" {hits, misses}, "logit_scale".
  std::string toJson(bool includeItems = true, int indent = 2) const;
  void writeJson(const std::string& path) const;  // atomically (temp file + rename)
};

// The templates and the set name a spec resolves to for a dataset named `datasetName` (and the
// library entry's class aliases, when a set came from one). Throws pd::Error for an unknown set,
// a non-CLIP set or an invalid template (with line:column).
struct ResolvedPrompts {
  std::vector<std::string> templates;
  std::string setName;
  std::vector<std::pair<std::string, std::string>> classAliases;
};
ResolvedPrompts resolveZeroShotPrompts(const ZeroShotSpec& spec, const std::string& datasetName);

// Runs the whole evaluation; `ctx` (may be null) receives progress and is checked for cancel
// once per batch. Throws pd::Error (or JobCancelled).
ZeroShotResult runZeroShot(const ZeroShotSpec& spec, JobContext* ctx = nullptr);

// The evaluation as a job for pd::JobRunner; result() is valid after a successful run.
class ZeroShotJob : public Job {
 public:
  explicit ZeroShotJob(ZeroShotSpec spec) : spec_(std::move(spec)) {}
  std::string name() const override { return "zero-shot"; }
  void run(JobContext& ctx) override { result_ = runZeroShot(spec_, &ctx); }
  const ZeroShotSpec& spec() const { return spec_; }
  const ZeroShotResult& result() const { return result_; }

 private:
  ZeroShotSpec spec_;
  ZeroShotResult result_;
};

// ---- Comparing two evaluations on the same items (McNemar) ----------------------------------
struct PredictionRecord {
  std::string id;
  int label = 0;
  int pred = 0;
};

struct ZeroShotComparison {
  std::int64_t n = 0;
  std::int64_t correctA = 0, correctB = 0;
  double accuracyA = 0, accuracyB = 0;
  std::int64_t bothRight = 0, bothWrong = 0;
  McNemarResult mcnemar;  // b: A right, B wrong; c: A wrong, B right
};

// Items are matched by id (order may differ). Throws pd::Error naming the id for an item missing
// from one side, a duplicate id, or a label that differs between the two.
ZeroShotComparison compareZeroShot(const std::vector<PredictionRecord>& a,
                                   const std::vector<PredictionRecord>& b, double alpha = 0.05);
ZeroShotComparison compareZeroShot(const ZeroShotResult& a, const ZeroShotResult& b,
                                   double alpha = 0.05);
// The items [{id, label, pred}] of a results JSON file; throws pd::Error naming file and item.
std::vector<PredictionRecord> readPredictions(const std::string& resultsJsonPath);
std::string comparisonToJson(const ZeroShotComparison& c, int indent = 2);

}  // namespace pd
