// promptdesk-cli demo [--out DIR]: the embedded demo, headless. Pretrains (once per recipe) the
// demo CLIP on Fashion-MNIST, records the demo project (data folder, demo.pdesk), runs the
// few-shot experiment in it (finished runs are reused) and writes the report (HTML, PDF, CSV,
// Markdown, chart PNG) to DIR. `demo pretrain` only trains the model.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "project_runs.h"
#include "promptdesk/demo.h"
#include "promptdesk/error.h"
#include "promptdesk/jobs.h"
#include "promptdesk/project.h"
#include "promptdesk/report.h"
#ifdef PD_HAVE_UI
#include "charts/chart_export.h"
#include "report_pdf.h"
#endif

namespace {

pd::DemoPretrainResult pretrain(const pd::DemoPretrainOptions& o, bool quiet) {
  pd::JobRunner runner({1, 0});
  runner.setListener([quiet](const pd::JobEvent& e) {
    if (quiet || e.state != pd::JobState::Running || e.step <= 0) return;
    auto loss = e.metrics.find("loss");
    std::cerr << "\r[" << e.step << "/" << e.totalSteps << "] " << e.message;
    if (loss != e.metrics.end()) std::cerr << "  loss " << loss->second;
    if (e.etaSeconds >= 0) std::cerr << "  ETA " << int(e.etaSeconds) << " s   ";
  });
  auto job = std::make_shared<pd::DemoPretrainJob>(o);
  auto id = runner.submit(job);
  runner.wait(id);
  if (!quiet) std::cerr << "\n";
  if (runner.state(id) != pd::JobState::Succeeded)
    throw pd::Error(runner.error(id), "demo pretrain");
  return job->result();
}

pd::cli::Registrar reg("demo", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& demo = pd::cli::group(
      root, "demo",
      "The embedded demo: pretrain a small CLIP on Fashion-MNIST, then CoOp vs hand-crafted "
      "prompts in the demo project, with a report");
  demo.require_subcommand(0, 1);
  static pd::DemoOptions d;
  static std::string outDir;
  static bool reduced = false, quiet = false, jsonOut = false;
  demo.add_option("--out", outDir, "write the report here (HTML, PDF, CSV, Markdown, chart PNG)");
  demo.add_option("--project", d.projectPath, "the demo project file (default <data>/demo.pdesk)");
  demo.add_option("--models-dir", d.pretrain.outDir,
                  "where the demo CLIP is cached (default <data>/models)");
  demo.add_option("--fashion-dir", d.fashionDir, "Fashion-MNIST IDX folder")->capture_default_str();
  demo.add_flag("--reduced", reduced,
                "the reduced demo (tests): smaller pretraining, 1 and 16 shots, one seed");
  demo.add_flag("--quiet", quiet, "no progress on stderr");
  demo.add_flag("--json", jsonOut, "print a JSON summary as the last stdout line");
  demo.callback([&out, &demo] {
    if (!demo.get_subcommands().empty()) return;  // `demo pretrain` ran
    pd::DemoOptions o = reduced ? pd::DemoOptions::reduced() : pd::DemoOptions();
    o.fashionDir = d.fashionDir;
    o.pretrain.fashionDir = d.fashionDir;
    o.pretrain.outDir = d.pretrain.outDir;
    o.projectPath = d.projectPath;
    if (!quiet) std::cerr << "== demo CLIP (trained once per recipe, then reused)\n";
    auto pr = pretrain(o.pretrain, quiet);
    if (!quiet)
      std::cerr << (pr.reused ? "reused " : "trained ") << pr.modelPath
                << (pr.reused ? "" : " in " + std::to_string(int(pr.seconds)) + " s") << "\n";
    pd::DemoPlan plan = pd::planDemo(o, pr.modelPath);
    if (!quiet) std::cerr << "== demo project " << plan.projectPath << "\n";
    for (const auto& spec : plan.specs)
      pd::cli::runSpecInProject(plan.projectPath, nlohmann::json::parse(spec), quiet, true);

    pd::Project::OpenOptions oo;
    oo.readOnly = true;
    auto p = pd::Project::open(plan.projectPath, oo);
    pd::ReportOptions ro;
    ro.experiment = o.experiment;
    ro.title = "PromptDesk demo: CoOp vs hand-crafted prompts on " + o.experiment;
    pd::ReportData rd = pd::collectReport(*p, ro);
    std::cout << pd::reportMarkdown(rd) << "\n";
    nlohmann::json summary{{"project", plan.projectPath}, {"model", pr.modelPath},
                           {"model_reused", pr.reused}, {"pretrain_seconds", pr.seconds}};
    if (!outDir.empty()) {
      std::filesystem::create_directories(outDir);
      const std::string base = outDir + "/demo-report";
      pd::writeFileAtomically(base + ".html", pd::reportHtml(rd));
      pd::writeFileAtomically(base + ".csv", pd::reportCsv(rd));
      pd::writeFileAtomically(base + ".md", pd::reportMarkdown(rd));
#ifdef PD_HAVE_UI
      pd::ui::exportFewShotChart(rd, outDir + "/few-shot-chart.png");
      pd::ui::writeReportPdf(rd, base + ".pdf");
#else
      if (!quiet) std::cerr << "(built without the UI: no PDF report or chart PNG)\n";
#endif
      if (!quiet) std::cerr << "== report written to " << outDir << "\n";
      summary["report_dir"] = outDir;
    }
    // The table as JSON: (method, shots) -> mean, std, n.
    nlohmann::json cells = nlohmann::json::array();
    for (const auto& [key, c] : rd.cells)
      if (c.n > 0)
        cells.push_back({{"method", key.first}, {"shots", key.second}, {"mean", c.mean},
                         {"std", c.std}, {"n", c.n}});
    summary["cells"] = cells;
    if (jsonOut) std::cout << summary.dump() << "\n";
    out.code = 0;
  });

  auto* cmd = demo.add_subcommand("pretrain", "Pretrain the demo CLIP (cached by recipe hash)");
  static pd::DemoPretrainOptions o;
  static bool json = false;
  cmd->add_option("--fashion-dir", o.fashionDir, "Fashion-MNIST IDX folder")->capture_default_str();
  cmd->add_option("--out-dir", o.outDir, "where the checkpoint goes (default: <data>/models)");
  cmd->add_option("--epochs", o.epochs, "training epochs")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--items", o.trainItems, "train items used (first N)")
      ->check(CLI::Range(256, 60000))
      ->capture_default_str();
  cmd->add_option("--batch", o.batchSize, "batch size")
      ->check(CLI::Range(8, 4096))
      ->capture_default_str();
  cmd->add_option("--lr", o.learningRate, "peak learning rate (AdamW)")->capture_default_str();
  cmd->add_option("--seed", o.seed, "seed")->capture_default_str();
  cmd->add_flag("--force", o.force, "retrain even when a cached checkpoint exists");
  cmd->add_flag("--json", json, "print the result as one JSON object on the last line");
  cmd->callback([&out] {
    auto r = pretrain(o, false);
    std::cout << (r.reused ? "reused " : "trained ") << r.modelPath;
    if (!r.reused)
      std::cout << " in " << r.seconds << " s (" << r.steps << " steps, last-epoch loss "
                << r.finalLoss << ")";
    std::cout << "\n";
    if (json)
      std::cout << nlohmann::json{{"model", r.modelPath},      {"reused", r.reused},
                                  {"seconds", r.seconds},      {"steps", r.steps},
                                  {"final_loss", r.finalLoss}, {"recipe", o.recipeJson()}}
                       .dump()
                << "\n";
    out.code = 0;
  });
});
}  // namespace
