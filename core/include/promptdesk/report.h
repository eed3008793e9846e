#pragma once
// Comparison reports over a selection of runs (or one experiment) of a project: HTML (one
// self-contained file with inline SVG charts), tidy CSV and Markdown. The PDF writer lives in
// ui/report_pdf.h (it needs Qt) and renders the same ReportData.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "promptdesk/project.h"

namespace pd {

struct ReportOptions {
  std::string experiment;            // empty: all runs (or runIds)
  std::vector<std::int64_t> runIds;  // empty: all runs of the experiment
  std::string metric = "accuracy";   // the metric of the comparison table and charts
  std::string title;                 // default: "PromptDesk report: <experiment>"
  double alpha = 0.05;               // significance level of the paired tests
};

struct ReportRun {
  RunRecord run;
  std::string specJson, specHash;
  std::map<std::string, double> metrics;  // final metrics
  std::string modelPath, modelHash, datasetName, datasetHash;
};

// One cell of the comparison table: a method (row) at a number of shots (column), over seeds.
struct ReportCell {
  int n = 0;  // seeds
  double mean = 0.0, std = 0.0;  // sample std (n - 1); 0 when n == 1
  bool best = false;             // best mean in its column
  bool significant = false;      // differs from the column's best (paired McNemar, p < alpha)
  double pValue = -1.0;          // < 0: not tested (best cell, or no paired predictions)
  std::int64_t pairedItems = 0;  // items paired by (seed, item id) for the test
};

struct ReportData {
  std::string title, experiment, metric, projectPath;
  std::string appVersion, generatedAt, host;
  double alpha = 0.05;
  std::vector<ReportRun> runs;      // succeeded runs in the selection, by id
  std::int64_t skippedRuns = 0;     // selected runs that did not succeed (not in the tables)
  std::vector<std::string> rows;    // "method" or "method / template"
  std::vector<int> shots;           // columns, ascending
  std::map<std::pair<std::string, int>, ReportCell> cells;  // (row, shots) -> cell
  std::vector<std::string> metricNames;                      // every final metric seen
};

// Reads the runs, their metrics and predictions and computes the comparison table (mean, std,
// best per column, McNemar tests of each cell against its column's best).
ReportData collectReport(const Project& project, const ReportOptions& options);

std::string reportHtml(const ReportData& data);
// Tidy CSV: experiment,method,template,shots,seed,metric,value (one row per run and metric).
std::string reportCsv(const ReportData& data);
std::string reportMarkdown(const ReportData& data);
// Charts as standalone SVG documents (also embedded in the HTML).
std::string reportFewShotSvg(const ReportData& data, int width = 640, int height = 360);
std::string reportBarSvg(const ReportData& data, int width = 640, int height = 320);

// Two-sided McNemar test on discordant pair counts b and c: exact binomial when b + c < 25,
// chi-square with continuity correction otherwise. Returns 1 when b + c == 0.
double mcnemarPValue(std::int64_t b, std::int64_t c);

// Writes `content` to `path` via a temporary file and rename (no half-written reports).
void writeFileAtomically(const std::string& path, const std::string& content);

// "0.8123" -> "81.23" style formatting used in all report tables (percent for [0,1] metrics).
std::string formatMetric(double value, bool percent);

}  // namespace pd
