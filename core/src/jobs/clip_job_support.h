#pragma once
// What the CLIP job kinds (clip_jobs.cpp) share: the schema builder, dataset/path helpers, the
// model and dataset records a run links to (hashed once per process and file state), prediction
// and metric rows, and a per-run scratch folder. Internal to the core.
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jobs/job_registry.h"
#include "promptdesk/dataset.h"
#include "promptdesk/methods.h"
#include "promptdesk/metrics.h"
#include "promptdesk/project.h"
#include "promptdesk/zero_shot.h"

namespace pd::jobs::detail {

using nlohmann::json;

// ---- schema helpers -------------------------------------------------------------------------
struct Schema {
  JobKindInfo k;
  OptionSpec& opt(std::string name, std::string type, std::string def, std::string help,
                  std::optional<double> mn = {}, std::optional<double> mx = {}) {
    return k.addOption(std::move(name), std::move(type), std::move(def), std::move(help), mn, mx);
  }
  void required(std::string name, std::string type, std::string help) {
    opt(std::move(name), std::move(type), "null", std::move(help)).required = true;
  }
  // model + dataset and the dataset's helper options (as the CLI's --dataset options).
  void modelAndDataset() {
    required("model", "path", "CLIP checkpoint: OpenAI .pt, .safetensors or a Hugging Face folder");
    required("dataset", "string",
             "dataset SPEC: a path (layout detected) or kind:path (folder, coop-split, idx, ...)");
    opt("image_root", "string", "\"\"", "coop-split: folder the split's image paths start from");
    opt("class_names", "string", "\"\"", "file of '<folder-or-label> <class name>' lines");
    opt("label_names", "string", "\"\"", "comma-separated names for labels 0, 1, ...");
    opt("cache", "string", "\"\"", "feature cache folder (empty: the data folder's)");
    opt("test_limit", "int", "0", "evaluate on the first N test items only (0: all)", 0, 1e12);
  }
  void naming(const std::string& defaultExperiment) {
    opt("experiment", "string", json(defaultExperiment).dump(),
        "experiment the run belongs to (groups runs in charts and reports)");
    opt("label", "string", "\"\"", "name shown for the method in charts and reports (empty: method)");
    opt("template", "string", "\"\"", "name of the prompt/template shown in reports");
  }
};

// The registered methods of one side: CLIP methods (text = false) or text-model methods
// (families bert / roberta / gpt2). Their option schema (every option once, null default: "the
// method's own default"), whether a key is one of their options, their names and presets.
bool isTextMethodInfo(const MethodInfo& m);
void methodOptionsOf(Schema& s, bool text);
bool isMethodOptionOf(const std::string& key, bool text);
std::vector<std::string> methodChoicesOf(bool text);
// The method's overrides of a normalized spec: its non-null keys the method declares.
json methodOverrides(const MethodInfo& m, const json& spec);

DatasetOptions datasetOptions(const json& spec);
std::string absPath(const std::string& p);
// The path part of a dataset SPEC ("kind:path" or a path).
std::string datasetPath(const std::string& spec);
// The record of a model file (format, SHA-256, architecture), cached per file state.
ModelRecord modelRecord(const std::string& path);
std::string datasetHash(const std::string& path);
// Records model and dataset in the project and links them to the run. On resume, refuses a
// model or dataset whose content changed since the run started.
void recordInputs(Project& p, RunSink& sink, const json& s, const std::string& datasetName,
                  const std::vector<std::string>& classNames, const std::string& splitHash);
std::vector<Prediction> toPredictions(const std::vector<ScoredItem>& items);
// What a zero-shot run records (CLIP and text): inputs, the template name shown in reports, every
// prediction, the metrics (+ seconds, items/s and `extraRows`).
void recordZeroShotRun(Project& p, RunSink& sink, const json& spec, const ZeroShotResult& r,
                       const std::vector<FinalMetric>& extraRows = {});
std::vector<FinalMetric> metricRows(const Metrics& m);
std::string readFile(const std::string& path);

// A private scratch folder for one run's files (removed at the end, whatever happens).
struct ScratchDir {
  std::string path;
  explicit ScratchDir(std::int64_t runId) {
    std::random_device rd;
    std::ostringstream name;
    name << "promptdesk-run-" << ::getpid() << "-" << runId << "-" << std::hex << rd();
    path = (std::filesystem::temp_directory_path() / name.str()).string();
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};


}  // namespace pd::jobs::detail
