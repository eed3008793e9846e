#include "project/project_adapters.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

namespace pd::ui {

namespace {
std::string jsonString(const std::string& s) {
  std::ostringstream o;
  o << '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        o << "\\\"";
        break;
      case '\\':
        o << "\\\\";
        break;
      case '\n':
        o << "\\n";
        break;
      case '\r':
        o << "\\r";
        break;
      case '\t':
        o << "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o << buf;
        } else {
          o << c;
        }
    }
  }
  o << '"';
  return o.str();
}

// The default's JSON text as the text a user would type ("\"end\"" -> "end", "null" -> "").
std::string defaultText(const std::string& json) {
  if (json == "null") return {};
  if (json.size() >= 2 && json.front() == '"' && json.back() == '"') {
    std::string out;
    for (size_t i = 1; i + 1 < json.size(); ++i) {
      if (json[i] == '\\' && i + 2 < json.size()) {
        const char n = json[++i];
        out += n == 'n' ? '\n' : n == 't' ? '\t' : n;
      } else {
        out += json[i];
      }
    }
    return out;
  }
  return json;
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
    s.defaultValue = defaultText(o.defaultJson);
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
    if (s.type == OptionType::Bool && s.defaultValue.empty()) s.defaultValue = "false";
    if (s.type == OptionType::Choice && s.defaultValue.empty() && !s.choices.empty())
      s.defaultValue = s.choices.front();
    out.push_back(std::move(s));
  }
  return out;
}

std::string specJsonFrom(const std::string& kind, const OptionSchema& schema,
                         const OptionValues& values) {
  std::ostringstream o;
  o << "{\"kind\":" << jsonString(kind);
  for (const OptionSpec& s : schema) {
    auto it = values.find(s.name);
    if (it == values.end()) continue;
    const std::string& v = it->second;
    if ((s.type == OptionType::String) && v.empty() && !s.required) continue;
    if ((s.type == OptionType::Int || s.type == OptionType::Double) && v.empty()) continue;
    o << ',' << jsonString(s.name) << ':';
    switch (s.type) {
      case OptionType::Int:
        o << std::stoll(v);
        break;
      case OptionType::Double: {
        std::ostringstream num;
        num.precision(17);
        num << std::stod(v);
        o << num.str();
        break;
      }
      case OptionType::Bool:
        o << (v == "true" ? "true" : "false");
        break;
      default:
        o << jsonString(v);
    }
  }
  o << '}';
  return o.str();
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
  std::map<std::string, charts::Curve> curves;
  bool epochs = true;
  const auto points = project.series(runId);
  for (const auto& p : points) epochs = epochs && p.epoch >= 0;
  d.xLabel = epochs && !points.empty() ? "Epoch" : "Step";
  for (const auto& p : points) {
    charts::Curve& c = curves[p.name];
    c.name = p.name;
    c.rightAxis = p.name.find("acc") != std::string::npos;
    c.x.push_back(epochs ? double(p.epoch) : double(p.step));
    c.y.push_back(p.value);
  }
  for (auto& kv : curves) {
    if (kv.second.rightAxis) d.y2Label = "Accuracy";
    d.curves.push_back(std::move(kv.second));
  }
  return d;
}

charts::FewShotData fewShotFromReport(const ::pd::ReportData& report) {
  charts::FewShotData d;
  d.dataset = report.experiment.empty() ? report.title : report.experiment;
  bool percent = true;
  for (const auto& kv : report.cells)
    if (kv.second.n > 0 && (kv.second.mean < 0 || kv.second.mean > 1)) percent = false;
  const double scale = percent ? 100.0 : 1.0;
  d.yLabel = report.metric + (percent ? " (%)" : "");
  for (const std::string& row : report.rows) {
    std::vector<charts::SeriesPoint> pts;
    for (int shots : report.shots) {
      auto it = report.cells.find({row, shots});
      if (it == report.cells.end() || it->second.n == 0) continue;
      pts.push_back({double(shots), it->second.mean * scale, it->second.std * scale});
    }
    if (pts.empty()) continue;
    const bool onlyZero =
        std::all_of(pts.begin(), pts.end(), [](const charts::SeriesPoint& p) { return p.x == 0; });
    if ((looksLikeZeroShot(row) || onlyZero) && std::isnan(d.zeroShot)) {
      double sum = 0;
      for (const auto& p : pts) sum += p.mean;
      d.zeroShot = sum / double(pts.size());
      d.zeroShotLabel = row;
      continue;
    }
    charts::MethodSeries m;
    m.name = row;
    for (const auto& p : pts)
      if (p.x > 0) m.points.push_back(p);
    d.methods.push_back(std::move(m));
  }
  return d;
}

}  // namespace pd::ui
