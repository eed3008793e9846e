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

// A run's metric series as training curves (accuracy-like metrics on the right axis).
charts::TrainingCurvesData curvesFromRun(const ::pd::Project& project, std::int64_t runId);

// The report's comparison table as the few-shot figure: one line per row (method), mean ± std
// over seeds per shot count; a row named like "zero-shot" (or a row with only 0 shots) becomes
// the hand-crafted zero-shot star. Metrics in [0, 1] are shown in percent.
charts::FewShotData fewShotFromReport(const ::pd::ReportData& report);

}  // namespace pd::ui
