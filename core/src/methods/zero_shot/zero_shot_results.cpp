// Zero-shot results: the results JSON with provenance, and McNemar comparison of two results.
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "promptdesk/error.h"
#include "promptdesk/version.h"
#include "promptdesk/zero_shot.h"

namespace pd {

std::string ZeroShotResult::toJson(bool includeItems, int indent) const {
  nlohmann::ordered_json j =
      nlohmann::ordered_json::parse(metricsToJson(metrics, items, classNames, includeItems, -1));
  j["model"] = {{"path", modelPath}, {"hash", modelHash}, {"preprocess", preprocess}};
  j["dataset"] = {{"spec", datasetSpec},
                  {"name", datasetName},
                  {"split", split},
                  {"skipped_items", skippedItems}};
  j["templates"] = templates;
  j["template_set"] = templateSet;
  j["prompt_names"] = promptNames;
  j["logit_scale"] = logitScale;
  j["app_version"] = version();
  j["torch_version"] = torchVersion();
  j["seconds"] = seconds;
  j["items_per_second"] = itemsPerSecond;
  j["timing"] = {{"model", modelSeconds},
                 {"text", textSeconds},
                 {"image", imageSeconds},
                 {"score", scoreSeconds}};
  j["cache"] = {{"hits", cacheHits}, {"misses", cacheMisses}};
  return j.dump(indent);
}

void ZeroShotResult::writeJson(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write the results file", path);
    out << toJson() << "\n";
    if (!out) throw Error("write failed", path);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error("cannot rename the results file into place", path);
  }
}

ZeroShotComparison compareZeroShot(const std::vector<PredictionRecord>& a,
                                   const std::vector<PredictionRecord>& b, double alpha) {
  if (a.empty()) throw Error("no items", "compare: A");
  std::map<std::string, const PredictionRecord*> byId;
  for (const auto& r : b)
    if (!byId.emplace(r.id, &r).second) throw Error("duplicate item id", "compare: B: " + r.id);
  if (a.size() != b.size())
    throw Error("A has " + std::to_string(a.size()) + " items, B has " + std::to_string(b.size()),
                "compare");
  ZeroShotComparison c;
  std::vector<bool> ra, rb;
  std::map<std::string, bool> seen;
  for (const auto& x : a) {
    if (!seen.emplace(x.id, true).second) throw Error("duplicate item id", "compare: A: " + x.id);
    auto it = byId.find(x.id);
    if (it == byId.end()) throw Error("item missing from B", "compare: " + x.id);
    const PredictionRecord& y = *it->second;
    if (x.label != y.label)
      throw Error("label " + std::to_string(x.label) + " in A but " + std::to_string(y.label) +
                      " in B (not the same items?)",
                  "compare: " + x.id);
    const bool okA = x.pred == x.label, okB = y.pred == y.label;
    ra.push_back(okA);
    rb.push_back(okB);
    c.correctA += okA;
    c.correctB += okB;
    c.bothRight += okA && okB;
    c.bothWrong += !okA && !okB;
  }
  c.n = static_cast<std::int64_t>(a.size());
  c.accuracyA = static_cast<double>(c.correctA) / c.n;
  c.accuracyB = static_cast<double>(c.correctB) / c.n;
  c.mcnemar = mcnemar(ra, rb, alpha);
  return c;
}

namespace {
std::vector<PredictionRecord> recordsOf(const ZeroShotResult& r) {
  if (r.metrics.predictions.size() != r.items.size())
    throw Error("result has no predictions for its items", "compare");
  std::vector<PredictionRecord> out;
  for (std::size_t i = 0; i < r.items.size(); ++i)
    out.push_back({r.items[i].id, r.items[i].label, r.metrics.predictions[i]});
  return out;
}
}  // namespace

ZeroShotComparison compareZeroShot(const ZeroShotResult& a, const ZeroShotResult& b, double alpha) {
  return compareZeroShot(recordsOf(a), recordsOf(b), alpha);
}

std::vector<PredictionRecord> readPredictions(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open the results file", path);
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw Error("not a JSON object", path);
  if (!j.contains("items") || !j["items"].is_array())
    throw Error("no 'items' array (was it written with items?)", path);
  std::vector<PredictionRecord> out;
  const auto& items = j["items"];
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& it = items[i];
    const std::string where = path + ": items[" + std::to_string(i) + "]";
    if (!it.is_object() || !it.contains("id") || !it["id"].is_string() || !it.contains("label") ||
        !it["label"].is_number_integer() || !it.contains("pred") || !it["pred"].is_number_integer())
      throw Error("needs string 'id' and integer 'label' and 'pred'", where);
    out.push_back({it["id"].get<std::string>(), it["label"].get<int>(), it["pred"].get<int>()});
  }
  return out;
}

std::string comparisonToJson(const ZeroShotComparison& c, int indent) {
  nlohmann::ordered_json j;
  j["n"] = c.n;
  j["accuracy_a"] = c.accuracyA;
  j["accuracy_b"] = c.accuracyB;
  j["both_right"] = c.bothRight;
  j["both_wrong"] = c.bothWrong;
  j["a_right_b_wrong"] = c.mcnemar.b;
  j["a_wrong_b_right"] = c.mcnemar.c;
  j["test"] = c.mcnemar.exact ? "exact-binomial" : "chi-square-cc";
  j["statistic"] = c.mcnemar.statistic;
  j["p_value"] = c.mcnemar.pValue;
  j["significant"] = c.mcnemar.significant;
  return j.dump(indent);
}

}  // namespace pd
