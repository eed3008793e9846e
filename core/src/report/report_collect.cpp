// collectReport: the comparison table (mean ± std over seeds, best per column, McNemar tests).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <unordered_map>

#include "promptdesk/error.h"
#include "promptdesk/report.h"
#include "promptdesk/version.h"

namespace pd {

double mcnemarPValue(std::int64_t b, std::int64_t c) {
  std::int64_t n = b + c;
  if (n == 0) return 1.0;
  if (n < 25) {
    // Exact: two-sided binomial(n, 0.5) tail at min(b, c), in log space.
    std::int64_t k = std::min(b, c);
    double sum = 0.0;
    for (std::int64_t i = 0; i <= k; ++i)
      sum += std::exp(std::lgamma(double(n) + 1) - std::lgamma(double(i) + 1) -
                      std::lgamma(double(n - i) + 1) - double(n) * std::log(2.0));
    return std::min(1.0, 2.0 * sum);
  }
  double d = std::fabs(double(b - c)) - 1.0;
  double chi2 = d * d / double(n);
  return std::erfc(std::sqrt(chi2 / 2.0));
}

std::string formatMetric(double v, bool percent) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), percent ? "%.2f" : "%.4f", percent ? v * 100.0 : v);
  return buf;
}

void writeFileAtomically(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write the report", path);
    out << content;
    out.flush();
    if (!out) throw Error("write failed (disk full?)", path);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error("cannot move the report into place: " + ec.message(), path);
}

namespace {
std::string rowKey(const RunRecord& r) {
  std::string m = r.method.empty() ? r.kind : r.method;
  return r.templateName.empty() ? m : m + " / " + r.templateName;
}
}  // namespace

ReportData collectReport(const Project& p, const ReportOptions& o) {
  ReportData d;
  d.experiment = o.experiment;
  d.metric = o.metric;
  d.alpha = o.alpha;
  d.projectPath = p.path();
  d.title = o.title.empty() ? "PromptDesk report" + (o.experiment.empty() ? std::string()
                                                                         : ": " + o.experiment)
                            : o.title;
  d.appVersion = pd::version();
  d.generatedAt = nowIso8601();
  d.host = hostName();
  RunFilter f;
  f.experiment = o.experiment;
  f.runIds = o.runIds;
  std::set<std::string> metricNames;
  std::map<std::int64_t, ModelRecord> models;
  std::map<std::int64_t, DatasetRecord> datasets;
  for (const RunRecord& r : p.runs(f)) {
    if (r.state != JobState::Succeeded) {
      ++d.skippedRuns;
      continue;
    }
    ReportRun rr;
    rr.run = r;
    JobSpecRecord spec = p.jobSpec(r.specId);
    rr.specJson = spec.json;
    rr.specHash = spec.hash;
    for (const FinalMetric& m : p.finalMetrics(r.id)) {
      rr.metrics[m.name] = m.value;
      metricNames.insert(m.name);
    }
    if (r.modelId > 0) {
      if (!models.count(r.modelId)) models[r.modelId] = p.model(r.modelId);
      rr.modelPath = models[r.modelId].path;
      rr.modelHash = models[r.modelId].contentHash;
    }
    if (r.datasetId > 0) {
      if (!datasets.count(r.datasetId)) datasets[r.datasetId] = p.dataset(r.datasetId);
      rr.datasetName = datasets[r.datasetId].name;
      rr.datasetHash = datasets[r.datasetId].contentHash;
    }
    d.runs.push_back(std::move(rr));
  }
  d.metricNames.assign(metricNames.begin(), metricNames.end());

  // Group the chosen metric by (row, shots).
  std::map<std::pair<std::string, int>, std::vector<const ReportRun*>> groups;
  std::set<std::string> rows;
  std::set<int> shots;
  for (const ReportRun& r : d.runs) {
    if (!r.metrics.count(o.metric)) continue;
    groups[{rowKey(r.run), r.run.shots}].push_back(&r);
    rows.insert(rowKey(r.run));
    shots.insert(r.run.shots);
  }
  d.rows.assign(rows.begin(), rows.end());
  d.shots.assign(shots.begin(), shots.end());
  for (auto& [key, runs] : groups) {
    ReportCell c;
    c.n = static_cast<int>(runs.size());
    for (auto* r : runs) c.mean += r->metrics.at(o.metric);
    c.mean /= c.n;
    if (c.n > 1) {
      double ss = 0;
      for (auto* r : runs) ss += std::pow(r->metrics.at(o.metric) - c.mean, 2);
      c.std = std::sqrt(ss / (c.n - 1));
    }
    d.cells[key] = c;
  }
  bool lowerIsBetter = o.metric.find("loss") != std::string::npos ||
                       o.metric.find("error") != std::string::npos;
  // Correctness per (seed, item) for McNemar, loaded lazily per row and shots.
  auto correctness = [&](const std::string& row, int k) {
    std::unordered_map<std::string, bool> m;
    for (auto* r : groups[{row, k}])
      for (const Prediction& pr : p.predictions(r->run.id))
        m[std::to_string(r->run.seed) + "\x1f" + pr.itemId] = pr.label == pr.pred;
    return m;
  };
  for (int k : d.shots) {
    const std::string* best = nullptr;
    for (const std::string& row : d.rows) {
      auto it = d.cells.find({row, k});
      if (it == d.cells.end()) continue;
      if (!best || (lowerIsBetter ? it->second.mean < d.cells[{*best, k}].mean
                                  : it->second.mean > d.cells[{*best, k}].mean))
        best = &row;
    }
    if (!best) continue;
    d.cells[{*best, k}].best = true;
    auto bestCorrect = correctness(*best, k);
    if (bestCorrect.empty()) continue;
    for (const std::string& row : d.rows) {
      if (&row == best || !d.cells.count({row, k})) continue;
      auto other = correctness(row, k);
      std::int64_t b = 0, c = 0, paired = 0;
      for (auto& [item, ok] : other) {
        auto bi = bestCorrect.find(item);
        if (bi == bestCorrect.end()) continue;
        ++paired;
        if (bi->second && !ok) ++b;
        if (!bi->second && ok) ++c;
      }
      ReportCell& cell = d.cells[{row, k}];
      cell.pairedItems = paired;
      if (paired == 0) continue;
      cell.pValue = mcnemarPValue(b, c);
      cell.significant = cell.pValue < o.alpha;
    }
  }
  return d;
}

}  // namespace pd
