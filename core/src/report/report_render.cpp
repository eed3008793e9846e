// Report renderers: self-contained HTML, tidy CSV, Markdown.
#include <map>
#include <set>
#include <sstream>

#include "promptdesk/report.h"
#include "report/svg_writer.h"

namespace pd {
namespace {

using report::SvgWriter;

bool percentMetric(const ReportData& d) {
  if (d.metric.find("loss") != std::string::npos) return false;
  for (auto& [k, c] : d.cells)
    if (c.mean < 0 || c.mean > 1) return false;
  return true;
}

std::string cellText(const ReportData& d, const ReportCell& c) {
  bool pc = percentMetric(d);
  return formatMetric(c.mean, pc) + " ± " + formatMetric(c.std, pc);
}

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) {
    if (c == '"') o += '"';
    o += c;
  }
  return o + "\"";
}

std::string mdEscape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '|' || c == '*' || c == '_') o += '\\';
    o += c;
  }
  return o;
}

std::string num(double v) {
  std::ostringstream o;
  o.precision(10);
  o << v;
  return o.str();
}

std::string shortHash(const std::string& h) { return h.empty() ? "-" : h.substr(0, 12); }

// Distinct spec configurations (by hash), in first-use order.
std::vector<const ReportRun*> distinctSpecs(const ReportData& d) {
  std::set<std::string> seen;
  std::vector<const ReportRun*> out;
  for (auto& r : d.runs)
    if (seen.insert(r.specHash).second) out.push_back(&r);
  return out;
}

}  // namespace

std::string reportCsv(const ReportData& d) {
  std::ostringstream o;
  o << "experiment,method,template,shots,seed,metric,value\n";
  for (const ReportRun& r : d.runs)
    for (auto& [name, v] : r.metrics)
      o << csvField(r.run.experiment) << "," << csvField(r.run.method) << ","
        << csvField(r.run.templateName) << "," << r.run.shots << "," << r.run.seed << ","
        << csvField(name) << "," << num(v) << "\n";
  return o.str();
}

std::string reportHtml(const ReportData& d) {
  auto e = SvgWriter::escape;
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << e(d.title)
    << "</title>\n<style>body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#222}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
       "text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}"
       "pre{background:#f7f7f7;padding:8px;overflow-x:auto}.sig{color:#b00}"
       "code{font-size:90%}</style></head><body>\n";
  o << "<h1>" << e(d.title) << "</h1>\n";
  o << "<table id=\"provenance\"><tr><th class=\"l\">Project</th><td class=\"l\">"
    << e(d.projectPath) << "</td></tr><tr><th class=\"l\">Experiment</th><td class=\"l\">"
    << e(d.experiment.empty() ? "(all)" : d.experiment)
    << "</td></tr><tr><th class=\"l\">Generated</th><td class=\"l\">" << e(d.generatedAt)
    << " on " << e(d.host) << "</td></tr><tr><th class=\"l\">PromptDesk</th><td class=\"l\">"
    << e(d.appVersion) << "</td></tr><tr><th class=\"l\">Runs</th><td class=\"l\">"
    << d.runs.size() << " succeeded";
  if (d.skippedRuns) o << ", " << d.skippedRuns << " not succeeded (left out)";
  o << "</td></tr></table>\n";

  o << "<h2>Comparison: " << e(d.metric) << " (mean ± std over seeds)</h2>\n";
  o << "<table id=\"comparison\"><tr><th class=\"l\">method</th>";
  for (int k : d.shots) o << "<th>" << k << " shots</th>";
  o << "</tr>\n";
  for (const std::string& row : d.rows) {
    o << "<tr><td class=\"l\">" << e(row) << "</td>";
    for (int k : d.shots) {
      auto it = d.cells.find({row, k});
      if (it == d.cells.end()) {
        o << "<td>-</td>";
        continue;
      }
      const ReportCell& c = it->second;
      o << "<td data-row=\"" << e(row) << "\" data-shots=\"" << k << "\" data-mean=\""
        << num(c.mean) << "\" data-std=\"" << num(c.std) << "\" data-n=\"" << c.n << "\"";
      if (c.pValue >= 0) o << " data-p=\"" << num(c.pValue) << "\"";
      o << ">" << (c.best ? "<b>" : "") << cellText(d, c) << (c.best ? "</b>" : "");
      if (c.significant) o << "<span class=\"sig\">&dagger;</span>";
      o << "</td>";
    }
    o << "</tr>\n";
  }
  o << "</table>\n<p>Bold: best mean per column. &dagger;: differs from the column's best "
       "(paired McNemar test on per-item predictions paired by seed and item, p &lt; "
    << d.alpha << ").</p>\n";
  o << "<h2>Charts</h2>\n<div>" << reportFewShotSvg(d) << "</div>\n<div>" << reportBarSvg(d)
    << "</div>\n";

  o << "<h2>Runs</h2>\n<table id=\"runs\"><tr><th>run</th><th class=\"l\">method</th>"
       "<th class=\"l\">template</th><th>shots</th><th>seed</th>";
  for (auto& m : d.metricNames) o << "<th>" << e(m) << "</th>";
  o << "<th class=\"l\">spec</th><th class=\"l\">split</th><th class=\"l\">dataset</th>"
       "<th class=\"l\">model</th><th class=\"l\">host</th><th class=\"l\">started</th></tr>\n";
  for (const ReportRun& r : d.runs) {
    o << "<tr data-run=\"" << r.run.id << "\"><td>" << r.run.id << "</td><td class=\"l\">"
      << e(r.run.method) << "</td><td class=\"l\">" << e(r.run.templateName) << "</td><td>"
      << r.run.shots << "</td><td>" << r.run.seed << "</td>";
    for (auto& m : d.metricNames) {
      auto it = r.metrics.find(m);
      o << "<td>" << (it == r.metrics.end() ? "-" : num(it->second)) << "</td>";
    }
    o << "<td class=\"l\"><code>" << shortHash(r.specHash) << "</code></td><td class=\"l\"><code>"
      << shortHash(r.run.splitHash) << "</code></td><td class=\"l\">" << e(r.datasetName)
      << " <code>" << shortHash(r.datasetHash) << "</code></td><td class=\"l\"><code>"
      << shortHash(r.modelHash) << "</code></td><td class=\"l\">" << e(r.run.host)
      << "</td><td class=\"l\">" << e(r.run.startedAt) << "</td></tr>\n";
  }
  o << "</table>\n<h2>Configurations</h2>\n";
  for (const ReportRun* r : distinctSpecs(d))
    o << "<h3>spec <code>" << e(r->specHash) << "</code></h3>\n<pre>" << e(r->specJson)
      << "</pre>\n";
  o << "<h2>Provenance</h2>\n<table id=\"hashes\"><tr><th class=\"l\">run</th>"
       "<th class=\"l\">spec SHA-256</th><th class=\"l\">split SHA-256</th>"
       "<th class=\"l\">dataset SHA-256</th><th class=\"l\">model SHA-256</th>"
       "<th class=\"l\">app version</th></tr>\n";
  for (const ReportRun& r : d.runs)
    o << "<tr><td class=\"l\">" << r.run.id << "</td><td class=\"l\"><code>" << e(r.specHash)
      << "</code></td><td class=\"l\"><code>" << e(r.run.splitHash)
      << "</code></td><td class=\"l\"><code>" << e(r.datasetHash)
      << "</code></td><td class=\"l\"><code>" << e(r.modelHash) << "</code></td><td class=\"l\">"
      << e(r.run.appVersion) << "</td></tr>\n";
  o << "</table>\n</body></html>\n";
  return o.str();
}

std::string reportMarkdown(const ReportData& d) {
  std::ostringstream o;
  o << "# " << mdEscape(d.title) << "\n\n";
  o << "- Project: `" << d.projectPath << "`\n- Experiment: "
    << mdEscape(d.experiment.empty() ? "(all)" : d.experiment) << "\n- Generated: "
    << d.generatedAt << " on " << d.host << " (PromptDesk " << d.appVersion << ")\n- Runs: "
    << d.runs.size() << " succeeded";
  if (d.skippedRuns) o << ", " << d.skippedRuns << " not succeeded (left out)";
  o << "\n\n## Comparison: " << mdEscape(d.metric) << " (mean ± std over seeds)\n\n| method |";
  for (int k : d.shots) o << " " << k << " shots |";
  o << "\n|---|";
  for (std::size_t i = 0; i < d.shots.size(); ++i) o << "---:|";
  o << "\n";
  for (const std::string& row : d.rows) {
    o << "| " << mdEscape(row) << " |";
    for (int k : d.shots) {
      auto it = d.cells.find({row, k});
      if (it == d.cells.end()) {
        o << " - |";
        continue;
      }
      const ReportCell& c = it->second;
      o << " " << (c.best ? "**" : "") << cellText(d, c) << (c.best ? "**" : "")
        << (c.significant ? " †" : "") << " |";
    }
    o << "\n";
  }
  o << "\nBold: best per column. †: differs from the column's best (paired McNemar, p < "
    << d.alpha << ").\n\n## Runs\n\n| run | method | template | shots | seed |";
  for (auto& m : d.metricNames) o << " " << mdEscape(m) << " |";
  o << " spec | split | dataset |\n|---|---|---|---:|---:|";
  for (std::size_t i = 0; i < d.metricNames.size(); ++i) o << "---:|";
  o << "---|---|---|\n";
  for (const ReportRun& r : d.runs) {
    o << "| " << r.run.id << " | " << mdEscape(r.run.method) << " | "
      << mdEscape(r.run.templateName) << " | " << r.run.shots << " | " << r.run.seed << " |";
    for (auto& m : d.metricNames) {
      auto it = r.metrics.find(m);
      o << " " << (it == r.metrics.end() ? "-" : num(it->second)) << " |";
    }
    o << " `" << shortHash(r.specHash) << "` | `" << shortHash(r.run.splitHash) << "` | "
      << mdEscape(r.datasetName) << " `" << shortHash(r.datasetHash) << "` |\n";
  }
  o << "\n## Configurations\n\n";
  for (const ReportRun* r : distinctSpecs(d))
    o << "- `" << r->specHash << "`\n\n```json\n" << r->specJson << "\n```\n\n";
  return o.str();
}

}  // namespace pd
