#include "project/project_adapters.h"

#include <algorithm>
#include <fstream>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "promptdesk/error.h"
#include "promptdesk/metrics.h"
#include "promptdesk/options.h"

namespace pd::ui {

namespace {
// The report's row of a run (as collectReport groups them): "method" or "method / template".
std::string reportRowOf(const ::pd::RunRecord& r) {
  const std::string m = r.method.empty() ? r.kind : r.method;
  return r.templateName.empty() ? m : m + " / " + r.templateName;
}

// The trained parameters recorded by a row's runs (text methods), as the legend shows them.
std::string trainedDetail(const ::pd::ReportData& report, const std::string& row) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo, pct = std::nan("");
  bool samePct = true;
  for (const ::pd::ReportRun& r : report.runs) {
    if (reportRowOf(r.run) != row) continue;
    auto n = r.metrics.find("trained_parameters");
    if (n == r.metrics.end()) continue;
    lo = std::min(lo, n->second);
    hi = std::max(hi, n->second);
    auto p = r.metrics.find("trained_percent");
    const double v = p == r.metrics.end() ? std::nan("") : p->second;
    if (std::isnan(pct))
      pct = v;
    else if (std::fabs(pct - v) > 1e-9)
      samePct = false;
  }
  if (lo > hi) return {};
  if (lo == hi) return trainedParametersText(lo, samePct ? pct : std::nan(""));
  return trainedParametersText(lo, std::nan("")) + "–" + trainedParametersText(hi, std::nan(""));
}

bool looksLikeZeroShot(const std::string& row) {
  std::string lower;
  for (char c : row) lower += char(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("zero-shot") != std::string::npos ||
         lower.find("zero_shot") != std::string::npos ||
         lower.find("zeroshot") != std::string::npos;
}
}  // namespace

OptionSchema schemaFromRegistry(const std::vector<::pd::OptionSpec>& options) {
  OptionSchema out;
  for (const ::pd::OptionSpec& o : options) {
    OptionSpec s;
    s.name = o.name;
    s.help = o.help;
    s.required = o.required;
    s.core = o;
    s.defaultValue = optionDefaultText(o);
    if (o.type == "int")
      s.type = OptionType::Int;
    else if (o.type == "float")
      s.type = OptionType::Double;
    else if (o.type == "bool")
      s.type = OptionType::Bool;
    else if (o.type == "choice")
      s.type = OptionType::Choice;
    else
      s.type = OptionType::String;  // "string", "path"
    if (o.type == "path") s.required = s.required || false;
    if (o.min) s.min = *o.min;
    if (o.max) s.max = *o.max;
    s.choices = o.choices;
    s.optional = o.defaultJson == "null" && !o.required;
    if (s.optional && (s.type == OptionType::Bool || s.type == OptionType::Choice)) {
      // "the method's default": an empty first choice that leaves the option out of the spec
      if (s.type == OptionType::Bool) s.choices = {"true", "false"};
      s.type = OptionType::Choice;
      s.choices.insert(s.choices.begin(), "");
      s.defaultValue = "";
    }
    if (s.type == OptionType::Bool && s.defaultValue.empty()) s.defaultValue = "false";
    if (s.type == OptionType::Choice && s.defaultValue.empty() && !s.choices.empty())
      s.defaultValue = s.choices.front();
    out.push_back(std::move(s));
  }
  return out;
}

std::string specJsonFrom(const std::string& kind, const OptionSchema& schema,
                         const OptionValues& values) {
  // The core parses the text under the declarations the form was made from.
  std::vector<::pd::OptionSpec> options;
  OptionValues given;
  for (const OptionSpec& s : schema) {
    ::pd::OptionSpec o = s.core;
    if (o.name.empty()) {  // a form field made in the UI: its own type
      o.name = s.name;
      o.type = s.type == OptionType::Int      ? "int"
               : s.type == OptionType::Double ? "float"
               : s.type == OptionType::Bool   ? "bool"
               : s.type == OptionType::Choice ? "choice"
                                              : "string";
      o.required = s.required;
      o.choices = s.choices;
    }
    options.push_back(std::move(o));
    if (auto it = values.find(s.name); it != values.end()) given.insert(*it);
  }
  return jobSpecFromText(kind, options, given, kind);
}

ResultsTableData resultsFromProject(const ::pd::Project& project) {
  ResultsTableData d;
  d.textColumns = {"Experiment", "Method", "Template", "State"};
  d.numberColumns = {"Run", "Shots", "Seed"};
  const std::vector<::pd::RunRecord> runs = project.runs();
  std::vector<std::vector<::pd::FinalMetric>> finals;
  std::set<std::string> names;
  for (const auto& r : runs) {
    finals.push_back(project.finalMetrics(r.id));
    for (const auto& m : finals.back()) names.insert(m.name);
  }
  for (const auto& n : names) d.numberColumns.push_back(n);
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    ResultsTableData::Row row;
    row.text = {r.experiment, r.method, r.templateName, ::pd::toString(r.state)};
    row.numbers = {double(r.id), double(r.shots), double(r.seed)};
    for (const auto& n : names) {
      double v = std::nan("");
      for (const auto& m : finals[i])
        if (m.name == n) v = m.value;
      row.numbers.push_back(v);
    }
    d.rows.push_back(std::move(row));
  }
  return d;
}

charts::TrainingCurvesData curvesFromRun(const ::pd::Project& project, std::int64_t runId) {
  charts::TrainingCurvesData d;
  const ::pd::RunRecord r = project.run(runId);
  d.title = "Run " + std::to_string(runId) + (r.method.empty() ? "" : " — " + r.method);
  if (r.shots > 0)
    d.title += " (" + std::to_string(r.shots) + (r.shots == 1 ? " shot" : " shots") + ", seed " +
               std::to_string(r.seed) + ")";
  std::map<std::string, charts::Curve> curves;
  const auto points = project.series(runId);
  // Steps when they are distinct (per-step series: text runs record epoch 0 throughout, CLIP
  // runs the global step with its epoch); epochs for series recorded once per epoch only.
  std::set<std::int64_t> steps;
  std::set<int> epochValues;
  bool epochs = !points.empty();
  for (const auto& p : points) {
    steps.insert(p.step);
    epochValues.insert(p.epoch);
    epochs = epochs && p.epoch >= 0;
  }
  const bool byEpoch = epochs && steps.size() <= 1 && epochValues.size() > 1;
  d.xLabel = byEpoch ? "Epoch" : "Step";
  for (const auto& p : points) {
    charts::Curve& c = curves[p.name];
    c.name = p.name;
    c.rightAxis = p.name.find("acc") != std::string::npos;
    c.x.push_back(byEpoch ? double(p.epoch) : double(p.step));
    c.y.push_back(p.value);
  }
  for (auto& kv : curves) {
    // Points in x order (a resumed run may have appended its repeated steps later).
    std::vector<size_t> order(kv.second.x.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return kv.second.x[a] < kv.second.x[b]; });
    charts::Curve sorted = kv.second;
    for (size_t i = 0; i < order.size(); ++i) {
      sorted.x[i] = kv.second.x[order[i]];
      sorted.y[i] = kv.second.y[order[i]];
    }
    if (sorted.rightAxis) d.y2Label = "Accuracy";
    d.curves.push_back(std::move(sorted));
  }
  return d;
}

std::string trainedParametersText(double count, double percent) {
  std::string digits = std::to_string(static_cast<long long>(std::llround(count)));
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') grouped += ',';
    grouped += digits[i];
  }
  std::string out = grouped + (std::llround(count) == 1 ? " param" : " params");
  if (!std::isnan(percent)) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), percent >= 1 ? "%.2f" : percent >= 0.01 ? "%.3f" : "%.2g",
                  percent);
    out += std::string(" (") + buf + "%)";
  }
  return out;
}

charts::FewShotData fewShotFromReport(const ::pd::ReportData& report) {
  charts::FewShotData d;
  d.dataset = report.experiment.empty() ? report.title : report.experiment;
  bool percent = true;
  for (const auto& kv : report.cells)
    if (kv.second.n > 0 && (kv.second.mean < 0 || kv.second.mean > 1)) percent = false;
  const double scale = percent ? 100.0 : 1.0;
  d.yLabel = report.metric + (percent ? " (%)" : "");
  // The star: a hand-crafted zero-shot row (the one named "hand-crafted" when there are several).
  auto pointsOf = [&](const std::string& row) {
    std::vector<charts::SeriesPoint> pts;
    for (int shots : report.shots) {
      auto it = report.cells.find({row, shots});
      if (it == report.cells.end() || it->second.n == 0) continue;
      pts.push_back({double(shots), it->second.mean * scale, it->second.std * scale});
    }
    return pts;
  };
  auto onlyZeroShots = [](const std::vector<charts::SeriesPoint>& pts) {
    return !pts.empty() && std::all_of(pts.begin(), pts.end(),
                                       [](const charts::SeriesPoint& p) { return p.x == 0; });
  };
  // Preference: "hand-crafted", then a "plain" prompt, then any other zero-shot row (in order).
  auto starScore = [](const std::string& row) {
    return row.find("hand-crafted") != std::string::npos ? 3
           : row.find("plain") != std::string::npos     ? 2
                                                         : 1;
  };
  std::string star;
  for (const std::string& row : report.rows) {
    const auto pts = pointsOf(row);
    if (pts.empty() || !(looksLikeZeroShot(row) || onlyZeroShots(pts))) continue;
    if (star.empty() || starScore(row) > starScore(star)) star = row;
  }
  for (const std::string& row : report.rows) {
    const std::vector<charts::SeriesPoint> pts = pointsOf(row);
    if (pts.empty()) continue;
    if (row == star) {
      double sum = 0;
      for (const auto& p : pts) sum += p.mean;
      d.zeroShot = sum / double(pts.size());
      d.zeroShotLabel = row;
      continue;
    }
    charts::MethodSeries m;
    m.name = row;
    m.detail = trainedDetail(report, row);
    // Other prompts evaluated at 0 shots only (a tuned prompt, an ensemble) keep their point at
    // 0 shots; learned methods are drawn over their shots.
    const bool zeroOnly = onlyZeroShots(pts);
    for (const auto& p : pts)
      if (p.x > 0 || zeroOnly) m.points.push_back(p);
    if (!m.points.empty()) d.methods.push_back(std::move(m));
  }
  return d;
}

charts::FewShotData fewShotFromProject(const ::pd::Project& project,
                                       const std::string& experiment, const std::string& metric) {
  ::pd::ReportOptions o;
  o.experiment = experiment;
  o.metric = metric;
  const ::pd::ReportData report = ::pd::collectReport(project, o);
  charts::FewShotData d = fewShotFromReport(report);
  if (!std::isnan(d.zeroShot)) return d;
  // A text experiment without its own zero-shot cell: the project's hand-crafted reference on
  // the same model and dataset, if there is one.
  std::set<std::pair<std::int64_t, std::int64_t>> inputs;
  bool text = false;
  for (const ::pd::ReportRun& r : report.runs) {
    if (r.run.kind != "text-fewshot") continue;
    text = true;
    inputs.insert({r.run.modelId, r.run.datasetId});
  }
  if (!text || inputs.size() != 1 || inputs.begin()->first <= 0 || inputs.begin()->second <= 0)
    return d;
  ::pd::RunFilter f;
  f.finishedOnly = true;
  const ::pd::RunRecord* best = nullptr;
  const std::vector<::pd::RunRecord> runs = project.runs(f);
  double value = std::nan("");
  for (const ::pd::RunRecord& r : runs) {
    if (r.kind != "text-zero-shot" || r.state != ::pd::JobState::Succeeded ||
        std::make_pair(r.modelId, r.datasetId) != *inputs.begin())
      continue;
    double v = std::nan("");
    for (const ::pd::FinalMetric& m : project.finalMetrics(r.id))
      if (m.name == metric) v = m.value;
    if (std::isnan(v)) continue;
    if (!best || r.id > best->id) best = &r, value = v;
  }
  if (!best) return d;
  const bool percent = d.yLabel.size() >= 4 && d.yLabel.compare(d.yLabel.size() - 4, 4, " (%)") == 0;
  d.zeroShot = percent ? 100.0 * value : value;
  d.zeroShotLabel = "hand-crafted zero-shot (run #" + std::to_string(best->id) + ")";
  return d;
}

std::string runDisplayName(const ::pd::RunRecord& r) {
  std::string method = r.method.empty() ? r.kind : r.method;
  std::string out = "#" + std::to_string(r.id) + " " + method;
  if (!r.templateName.empty() && r.shots == 0)
    out += " “" +
           (r.templateName.size() > 24 ? r.templateName.substr(0, 22) + "…" : r.templateName) +
           "”";
  if (r.shots > 0)
    out += " (" + std::to_string(r.shots) + (r.shots == 1 ? " shot" : " shots") + ", seed " +
           std::to_string(r.seed) + ")";
  return out;
}

ComparisonData comparisonFromProject(const ::pd::Project& project, std::int64_t runA,
                                     std::int64_t runB, std::size_t maxItems) {
  const ::pd::RunRecord ra = project.run(runA), rb = project.run(runB);
  const std::vector<::pd::Prediction> pa = project.predictions(runA);
  const std::vector<::pd::Prediction> pb = project.predictions(runB);
  if (pa.empty())
    throw ::pd::Error("run has no stored predictions to compare", "run " + std::to_string(runA));
  if (pb.empty())
    throw ::pd::Error("run has no stored predictions to compare", "run " + std::to_string(runB));
  ComparisonData d;
  d.nameA = runDisplayName(ra);
  d.nameB = runDisplayName(rb);
  std::vector<std::string> classes;
  std::string root;
  if (ra.datasetId > 0) {
    const ::pd::DatasetRecord ds = project.dataset(ra.datasetId);
    classes = ds.classNames;
    d.dataset = ds.name;
    root = ds.path;
  }
  std::int64_t maxLabel = -1;
  for (const auto* preds : {&pa, &pb})
    for (const auto& p : *preds) maxLabel = std::max({maxLabel, p.label, p.pred});
  while (std::int64_t(classes.size()) <= maxLabel) classes.push_back(std::to_string(classes.size()));
  const int nc = int(classes.size());
  auto className = [&](std::int64_t i) {
    return i >= 0 && i < nc ? classes[size_t(i)] : std::to_string(i);
  };

  // Metrics of each run over its own predictions.
  auto metricsOf = [&](const std::vector<::pd::Prediction>& preds, double* acc, double* lo,
                       double* hi, double* f1, double* f1lo, double* f1hi,
                       charts::ConfusionData* conf) {
    std::vector<bool> correct;
    std::vector<std::pair<int, int>> lp;
    std::vector<std::vector<std::int64_t>> cm(static_cast<size_t>(nc),
                                              std::vector<std::int64_t>(static_cast<size_t>(nc)));
    for (const auto& p : preds) {
      if (p.label < 0 || p.pred < 0) continue;
      correct.push_back(p.label == p.pred);
      lp.emplace_back(int(p.label), int(p.pred));
      cm[size_t(p.label)][size_t(p.pred)]++;
    }
    double sum = 0;
    for (bool c : correct) sum += c ? 1 : 0;
    *acc = correct.empty() ? 0 : 100.0 * sum / double(correct.size());
    const auto ci = ::pd::bootstrapAccuracyCI(correct, 1000, 0.95);
    *lo = 100.0 * ci.first;
    *hi = 100.0 * ci.second;
    *f1 = 100.0 * ::pd::macroF1(cm);
    const auto fci = ::pd::bootstrapMacroF1CI(lp, nc);
    *f1lo = 100.0 * fci.first;
    *f1hi = 100.0 * fci.second;
    conf->classNames = classes;
    conf->counts.assign(size_t(nc), std::vector<double>(size_t(nc)));
    for (int i = 0; i < nc; ++i)
      for (int j = 0; j < nc; ++j) conf->counts[size_t(i)][size_t(j)] = double(cm[size_t(i)][size_t(j)]);
  };
  MetricCI acc, f1;
  acc.name = "Top-1 accuracy (%)";
  f1.name = "Macro-F1 (%)";
  metricsOf(pa, &acc.a, &acc.aLow, &acc.aHigh, &f1.a, &f1.aLow, &f1.aHigh, &d.confusionA);
  metricsOf(pb, &acc.b, &acc.bLow, &acc.bHigh, &f1.b, &f1.bLow, &f1.bHigh, &d.confusionB);
  d.confusionA.title = "Confusion: " + d.nameA;
  d.confusionB.title = "Confusion: " + d.nameB;

  // Pair by item id.
  std::unordered_map<std::string, size_t> indexB;
  indexB.reserve(pb.size());
  for (size_t i = 0; i < pb.size(); ++i) indexB.emplace(pb[i].itemId, i);
  std::vector<bool> ca, cb;
  std::vector<std::int64_t> supp(static_cast<size_t>(nc)), okA(static_cast<size_t>(nc)),
      okB(static_cast<size_t>(nc));
  for (const auto& a : pa) {
    auto it = indexB.find(a.itemId);
    if (it == indexB.end() || a.label < 0 || a.label >= nc) continue;
    const ::pd::Prediction& b = pb[it->second];
    ca.push_back(a.pred == a.label);
    cb.push_back(b.pred == b.label);
    supp[size_t(a.label)]++;
    okA[size_t(a.label)] += a.pred == a.label;
    okB[size_t(a.label)] += b.pred == b.label;
    if (a.pred != b.pred && d.disagreements.size() < maxItems) {
      DisagreementItem item;
      item.id = a.itemId;
      item.trueLabel = className(a.label);
      item.predA = className(a.pred);
      item.predB = className(b.pred);
      d.disagreements.push_back(std::move(item));
    }
  }
  if (ca.empty())
    throw ::pd::Error("the two runs share no test item (different datasets or splits?)",
                      "runs " + std::to_string(runA) + " and " + std::to_string(runB));
  d.metrics = {acc, f1};
  MetricCI paired;
  paired.name = "Top-1 on the " + std::to_string(ca.size()) + " paired items (%)";
  double sa = 0, sb = 0;
  for (size_t i = 0; i < ca.size(); ++i) {
    sa += ca[i];
    sb += cb[i];
  }
  paired.a = 100.0 * sa / double(ca.size());
  paired.b = 100.0 * sb / double(cb.size());
  const auto cia = ::pd::bootstrapAccuracyCI(ca), cib = ::pd::bootstrapAccuracyCI(cb);
  paired.aLow = 100 * cia.first;
  paired.aHigh = 100 * cia.second;
  paired.bLow = 100 * cib.first;
  paired.bHigh = 100 * cib.second;
  if (ca.size() != pa.size() || cb.size() != pb.size()) d.metrics.push_back(paired);
  const ::pd::McNemarResult m = ::pd::mcnemar(ca, cb);
  d.test.name = m.exact ? "McNemar (exact)" : "McNemar (χ², continuity-corrected)";
  d.test.statistic = m.statistic;
  d.test.pValue = m.pValue;
  d.test.onlyACorrect = int(m.b);
  d.test.onlyBCorrect = int(m.c);
  d.classDiff.classNames = classes;
  for (int c = 0; c < nc; ++c)
    d.classDiff.diff.push_back(supp[size_t(c)] ? 100.0 * double(okB[size_t(c)] - okA[size_t(c)]) /
                                                     double(supp[size_t(c)])
                                               : 0.0);
  // Image files: thumbnails straight from the path (ids of folder datasets are relative paths).
  if (!root.empty())
    for (auto& item : d.disagreements) {
      const std::string candidate = root + "/" + item.id;
      std::ifstream probe(candidate);
      if (probe.good()) item.imagePath = candidate;
    }
  return d;
}

}  // namespace pd::ui
