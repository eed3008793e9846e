// The results JSON of an evaluation (metrics + per-item scores).
#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "promptdesk/error.h"
#include "promptdesk/metrics.h"

namespace pd {

std::string metricsToJson(const Metrics& m, const std::vector<ScoredItem>& items,
                          const std::vector<std::string>& classNames, bool includeItems,
                          int indent) {
  using ojson = nlohmann::ordered_json;
  if (!classNames.empty() && static_cast<int>(classNames.size()) != m.numClasses)
    throw Error(std::to_string(classNames.size()) + " class names for " +
                    std::to_string(m.numClasses) + " classes",
                "metrics json");
  auto name = [&](int c) { return classNames.empty() ? std::to_string(c) : classNames[c]; };
  ojson j;
  j["n"] = m.n;
  j["num_classes"] = m.numClasses;
  j["accuracy"] = m.accuracy;
  j["top5"] = m.top5;
  j["macro_f1"] = m.macroF1;
  j["ece"] = m.ece;
  j["ece_bins"] = static_cast<int>(m.reliability.size());
  j["accuracy_ci95"] = {m.ciLow, m.ciHigh};
  ojson classes = ojson::array();
  for (int c = 0; c < m.numClasses; ++c) classes.push_back(name(c));
  j["classes"] = classes;
  ojson per = ojson::array();
  for (int c = 0; c < static_cast<int>(m.perClass.size()); ++c) {
    const ClassMetrics& pc = m.perClass[c];
    per.push_back({{"class", name(c)},
                   {"index", c},
                   {"support", pc.support},
                   {"correct", pc.correct},
                   {"accuracy", pc.accuracy},
                   {"precision", pc.precision},
                   {"f1", pc.f1}});
  }
  j["per_class"] = per;
  j["confusion"] = m.confusion;
  ojson rel = ojson::array();
  for (const ReliabilityBin& b : m.reliability)
    rel.push_back({{"lower", b.lower},
                   {"upper", b.upper},
                   {"count", b.count},
                   {"confidence", b.meanConfidence},
                   {"accuracy", b.accuracy}});
  j["reliability"] = rel;
  if (includeItems) {
    ojson arr = ojson::array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      const ScoredItem& it = items[i];
      arr.push_back({{"id", it.id.empty() ? std::to_string(i) : it.id},
                     {"label", it.label},
                     {"pred", i < m.predictions.size() ? m.predictions[i] : argmax(it.scores)},
                     {"scores", it.scores}});
    }
    j["items"] = arr;
  }
  return j.dump(indent);
}

void writeMetricsJson(const std::string& path, const Metrics& metrics,
                      const std::vector<ScoredItem>& items,
                      const std::vector<std::string>& classNames) {
  const std::string text = metricsToJson(metrics, items, classNames) + "\n";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error("cannot write the results file", path);
  out << text;
  if (!out) throw Error("write failed", path);
}

}  // namespace pd
