// promptdesk-cli report --project P [--experiment NAME] --format html|pdf|csv|md --out FILE
#include <cstdlib>
#include <iostream>

#include "command_registry.h"
#include "promptdesk/error.h"
#include "promptdesk/project.h"
#include "promptdesk/report.h"
#ifdef PD_HAVE_UI
#include "report_pdf.h"
#endif

namespace {
pd::cli::Registrar reg("report", [](CLI::App& root, pd::cli::Outcome& out) {
  auto* cmd = root.add_subcommand("report", "Comparison report of a project's runs");
  static std::string project, experiment, format = "html", file, metric = "accuracy";
  static std::vector<std::int64_t> runs;
  cmd->add_option("--project", project, "project file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--experiment", experiment, "only this experiment's runs");
  cmd->add_option("--runs", runs, "only these run ids");
  cmd->add_option("--metric", metric, "metric of the comparison table and charts");
  cmd->add_option("--format", format, "html, pdf, csv or md")
      ->check(CLI::IsMember({"html", "pdf", "csv", "md"}));
  cmd->add_option("--out", file, "output file")->required();
  cmd->callback([&out] {
    pd::Project::OpenOptions oo;
    oo.readOnly = true;
    auto p = pd::Project::open(project, oo);
    pd::ReportOptions ro;
    ro.experiment = experiment;
    ro.runIds = runs;
    ro.metric = metric;
    pd::ReportData d = pd::collectReport(*p, ro);
    if (d.runs.empty())
      throw pd::Error("no succeeded runs match" +
                          (experiment.empty() ? std::string() : " experiment '" + experiment + "'"),
                      project);
    if (format == "html") pd::writeFileAtomically(file, pd::reportHtml(d));
    else if (format == "csv") pd::writeFileAtomically(file, pd::reportCsv(d));
    else if (format == "md") pd::writeFileAtomically(file, pd::reportMarkdown(d));
    else {
#ifdef PD_HAVE_UI
      int pages = pd::ui::writeReportPdf(d, file);
      std::cerr << "pdf: " << pages << " page(s)\n";
#else
      throw pd::Error("this promptdesk-cli was built without the UI (PROMPTDESK_BUILD_UI=OFF): "
                      "PDF export is not available; use html");
#endif
    }
    std::cerr << "report: " << d.runs.size() << " runs, " << d.rows.size() << " methods x "
              << d.shots.size() << " shot settings -> " << file << "\n";
    out.code = 0;
  });
});
}  // namespace
