#include <algorithm>
// Helpers shared by the CLIP job kinds (see clip_job_support.h).
#include "jobs/clip_job_support.h"

#include "common/options.h"

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>

#include "common/text_split.h"
#include "promptdesk/clip.h"
#include "promptdesk/error.h"
#include "promptdesk/hash.h"
#include "promptdesk/models.h"

namespace fs = std::filesystem;

namespace pd::jobs::detail {
namespace {

// ---- model / dataset records (hashed once per process and file state) -----------------------
struct FileKey {
  std::string path;
  std::uintmax_t size = 0;
  std::int64_t mtime = 0;
  bool operator<(const FileKey& o) const {
    return std::tie(path, size, mtime) < std::tie(o.path, o.size, o.mtime);
  }
};
FileKey fileKey(const std::string& path) {
  std::error_code ec;
  FileKey k{path, 0, 0};
  if (fs::is_regular_file(path, ec)) k.size = fs::file_size(path, ec);
  auto t = fs::last_write_time(path, ec);
  if (!ec) k.mtime = static_cast<std::int64_t>(t.time_since_epoch().count());
  return k;
}

std::mutex& cacheMutex() {
  static std::mutex m;
  return m;
}

}  // namespace


bool isTextMethodInfo(const MethodInfo& m) {
  for (const auto& f : m.families)
    if (f == "bert" || f == "roberta" || f == "gpt2") return true;
  return false;
}

namespace {
bool onSide(const MethodInfo& m, bool text) {
  if (text) return isTextMethodInfo(m);
  for (const auto& f : m.families)
    if (f == "clip") return true;
  return false;
}
}  // namespace

void methodOptionsOf(Schema& s, bool text) {
  std::vector<std::string> seen;
  for (const auto& o : s.k.options) seen.push_back(o.name);  // the kind's own come first
  for (const MethodInfo& m : registeredMethods()) {
    if (!onSide(m, text)) continue;
    for (const OptionSpec& o : m.options) {
      if (std::find(seen.begin(), seen.end(), o.name) != seen.end()) continue;
      seen.push_back(o.name);
      std::string users;
      for (const MethodInfo& u : registeredMethods())
        if (onSide(u, text) && options::find(u.options, o.name))
          users += (users.empty() ? "" : ", ") + u.name;
      OptionSpec x = o;
      x.defaultJson = "null";
      x.help = o.help + " [" + users + "; empty: the method's default, " + o.defaultJson + "]";
      x.choices = o.choices;
      s.k.options.push_back(std::move(x));
    }
  }
}

bool isMethodOptionOf(const std::string& key, bool text) {
  for (const MethodInfo& m : registeredMethods())
    if (onSide(m, text) && options::find(m.options, key)) return true;
  return false;
}

std::vector<std::string> methodChoicesOf(bool text) {
  std::vector<std::string> out;
  for (const MethodInfo& m : registeredMethods()) {
    if (!onSide(m, text)) continue;
    out.push_back(m.name);
    for (const auto& p : m.presets) out.push_back(p.name);
  }
  return out;
}

json methodOverrides(const MethodInfo& m, const json& spec) {
  json o = json::object();
  for (const OptionSpec& x : m.options) {
    if (!spec.contains(x.name) || spec[x.name].is_null()) continue;
    // A kind-level choice shared with a method (text "head": "" = the method's default) is no
    // override when empty.
    if (x.type == "choice" && spec[x.name] == "" &&
        std::find(x.choices.begin(), x.choices.end(), "") == x.choices.end())
      continue;
    o[x.name] = spec[x.name];
  }
  return o;
}

DatasetOptions datasetOptions(const json& s) {
  DatasetOptions o;
  o.imageRoot = s.value("image_root", "");
  o.classNamesFile = s.value("class_names", "");
  o.labelNames = splitTrimmed(s.value("label_names", ""), ",", " \t\r");
  return o;
}

std::string absPath(const std::string& p) {
  std::error_code ec;
  auto a = fs::absolute(p, ec);
  return ec ? p : a.lexically_normal().string();
}

// The dataset's file or folder (the part after "kind:" when the spec names a kind).
std::string datasetPath(const std::string& spec) {
  auto colon = spec.find(':');
  if (colon != std::string::npos && colon > 1 && spec.find('/') > colon &&
      !fs::exists(spec))
    return spec.substr(colon + 1);
  // An installed dataset by name (sentiment-imdb, ...): its folder.
  std::error_code ec;
  if (!fs::exists(spec, ec) && spec.find('/') == std::string::npos) {
    const std::string installed = resolveInstalledDataset(spec);
    if (!installed.empty()) return installed;
  }
  return spec;
}

ModelRecord modelRecord(const std::string& path) {
  static std::map<FileKey, ModelRecord> cache;
  const FileKey key = fileKey(path);
  {
    std::lock_guard<std::mutex> lock(cacheMutex());
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  const ModelDescription a = describeModel(path);
  ModelRecord m;
  m.path = path;
  m.format = a.format;
  std::error_code ec;
  // A folder's record hash is its manifest hash, what Project::checkModel compares against.
  m.contentHash = fs::is_directory(path, ec) ? sha256Path(path) : a.contentHash;
  m.architectureJson = a.architectureJson;
  std::lock_guard<std::mutex> lock(cacheMutex());
  cache[key] = m;
  return m;
}

std::string datasetHash(const std::string& path) {
  static std::map<FileKey, std::string> cache;
  const FileKey key = fileKey(path);
  {
    std::lock_guard<std::mutex> lock(cacheMutex());
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  std::string h = sha256Path(path);
  std::lock_guard<std::mutex> lock(cacheMutex());
  cache[key] = h;
  return h;
}

void recordInputs(Project& p, RunSink& sink, const json& s, const std::string& datasetName,
                  const std::vector<std::string>& classNames, const std::string& splitHash) {
  RunRecord info = p.run(sink.runId());
  if (sink.resuming()) {
    if (info.modelId > 0) {
      ModelRecord m = p.model(info.modelId);
      if (p.checkModel(info.modelId) != FileCheck::Ok)
        throw Error("the model recorded for this run is missing or changed (SHA-256 " +
                        m.contentHash.substr(0, 12) + "...); relocate it first",
                    m.path);
    }
    if (info.datasetId > 0) p.requireDatasetUnchanged(info.datasetId);
  }
  const std::string modelPath = absPath(s["model"].get<std::string>());
  ModelRecord m = modelRecord(modelPath);
  info.modelId = p.addModel(m);
  const std::string dsPath = absPath(datasetPath(s["dataset"].get<std::string>()));
  DatasetRecord d;
  d.name = datasetName;
  d.path = dsPath;
  json dspec{{"spec", s["dataset"]}};
  for (const char* k : {"image_root", "class_names", "label_names"})
    if (!s.value(k, "").empty()) dspec[k] = s[k];
  d.specJson = dspec.dump();
  d.contentHash = datasetHash(dsPath);
  d.classNames = classNames;
  info.datasetId = p.addDataset(d);
  info.splitHash = splitHash;
  p.updateRunInfo(info);
}

std::vector<Prediction> toPredictions(const std::vector<ScoredItem>& items) {
  std::vector<Prediction> out;
  out.reserve(items.size());
  for (const auto& it : items) {
    Prediction pr;
    pr.itemId = it.id;
    pr.label = it.label;
    pr.pred = argmax(it.scores);
    pr.scores = it.scores;
    out.push_back(std::move(pr));
  }
  return out;
}

void recordZeroShotRun(Project& p, RunSink& sink, const json& spec, const ZeroShotResult& r,
                       const std::vector<FinalMetric>& extraRows) {
  std::vector<std::string> ids;
  for (const auto& it : r.items) ids.push_back(it.id);
  recordInputs(p, sink, spec, r.datasetName, r.classNames, itemListHash(ids));
  RunRecord info = p.run(sink.runId());
  if (info.templateName.empty())
    info.templateName = !r.templateSet.empty()   ? r.templateSet
                        : r.templates.size() == 1 ? r.templates.front()
                                                  : std::to_string(r.templates.size()) +
                                                        " templates";
  p.updateRunInfo(info);
  p.addPredictions(sink.runId(), toPredictions(r.items));
  auto rows = metricRows(r.metrics);
  rows.push_back({"seconds", r.seconds});
  rows.push_back({"items_per_second", r.itemsPerSecond});
  rows.insert(rows.end(), extraRows.begin(), extraRows.end());
  p.setFinalMetrics(sink.runId(), rows);
}

std::vector<FinalMetric> metricRows(const Metrics& m) {
  return {{"accuracy", m.accuracy}, {"top5", m.top5},       {"macro_f1", m.macroF1},
          {"ece", m.ece},           {"ci_low", m.ciLow},    {"ci_high", m.ciHigh},
          {"test_items", double(m.n)}};
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace pd::jobs::detail
