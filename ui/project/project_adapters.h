#pragma once
// Adapters from the core's project, job-registry and report types to the plain inputs of the
// GUI's forms, tables and charts. No Qt types in the interface.
#include <cstdint>
#include <string>
#include <vector>

#include "charts/chart_data.h"
#include "promptdesk/job_registry.h"
#include "promptdesk/project.h"
#include "promptdesk/report.h"
#include "results/results_data.h"
#include "run/option_schema.h"

namespace pd::ui {

// The registry's option list as a run-dialog schema (int/float/bool/string/path/choice).
OptionSchema schemaFromRegistry(const std::vector<::pd::OptionSpec>& options);

// A job spec (JSON text) for `kind` from the dialog's values, typed by the schema. Empty
// optional strings are left out (the registry fills defaults).
std::string specJsonFrom(const std::string& kind, const OptionSchema& schema,
                         const OptionValues& values);

// Runs of a project with their final metrics, one row per run.
ResultsTableData resultsFromProject(const ::pd::Project& project);

// A run's metric series as training curves (accuracy-like metrics on the right axis). The x axis
// is the step when the points have distinct steps (text runs record epoch 0 throughout, CLIP runs
// the global step with its epoch), the epoch for epoch-only series.
charts::TrainingCurvesData curvesFromRun(const ::pd::Project& project, std::int64_t runId);

// The report's comparison table as the few-shot figure: one line per row (method), mean ± std
// over seeds per shot count; a row named like "zero-shot" (or a row with only 0 shots) becomes
// the hand-crafted zero-shot star. Metrics in [0, 1] are shown in percent. A row whose runs
// recorded trained_parameters / trained_percent (text methods) carries them as its detail.
charts::FewShotData fewShotFromReport(const ::pd::ReportData& report);

// The few-shot figure of `experiment` read from the project: fewShotFromReport over its
// succeeded runs. A text experiment (text-fewshot runs) without its own zero-shot cell takes the
// hand-crafted reference from the newest succeeded text-zero-shot run of the project on the same
// model and dataset; when there is none (or the experiment mixes models / datasets) there is no
// reference line.
charts::FewShotData fewShotFromProject(const ::pd::Project& project,
                                       const std::string& experiment,
                                       const std::string& metric = "accuracy");

// "31,194 params (3.04%)": a method's trained parameters and their share of the model.
std::string trainedParametersText(double count, double percent);

// Two runs compared on the test items both predicted: accuracy and macro-F1 with 95% bootstrap
// CIs (each run over its own predictions), McNemar on the paired items, per-class accuracy
// difference (B − A), both confusion matrices and the items on which the predictions differ
// (at most `maxItems`; imagePath set for image files). Throws pd::Error naming the run when one
// has no stored predictions.
ComparisonData comparisonFromProject(const ::pd::Project& project, std::int64_t runA,
                                     std::int64_t runB, std::size_t maxItems = 2000);

// A short name for a run in charts and tables: "#12 coop (4 shots, seed 1)".
std::string runDisplayName(const ::pd::RunRecord& run);

}  // namespace pd::ui
