// promptdesk-cli bench project: size of a project holding a full few-shot experiment (methods x
// shots x seeds runs with per-item predictions) and the time to record and to export reports.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/project.h"
#include "promptdesk/report.h"
#ifdef PD_HAVE_UI
#include "report_pdf.h"
#endif

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {
double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

pd::cli::Registrar reg("bench", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& bench = pd::cli::group(root, "bench", "Benchmarks (figures for the closing notes)");
  auto* cmd = bench.add_subcommand("project", "Project size and report export times for a "
                                              "simulated few-shot experiment");
  static int methods = 5, shots = 5, seeds = 3, items = 10000, classes = 10, epochs = 50;
  static std::string dir;
  static bool json_ = false;
  cmd->add_option("--methods", methods, "methods")->check(CLI::Range(1, 100));
  cmd->add_option("--shots", shots, "shot settings (1, 2, 4, ...)")->check(CLI::Range(1, 12));
  cmd->add_option("--seeds", seeds, "seeds")->check(CLI::Range(1, 100));
  cmd->add_option("--items", items, "predictions per run")->check(CLI::Range(1, 10000000));
  cmd->add_option("--classes", classes, "scores per prediction")->check(CLI::Range(1, 1000));
  cmd->add_option("--epochs", epochs, "loss series points per run")->check(CLI::Range(0, 100000));
  cmd->add_option("--dir", dir, "folder for the files (default: a temporary folder, removed)");
  cmd->add_flag("--json", json_, "print one JSON object as the last line");
  cmd->callback([&out] {
    namespace fs = std::filesystem;
    bool temp = dir.empty();
    fs::path d = temp ? fs::temp_directory_path() / ("pd-bench-project-" + std::to_string(::getpid()))
                      : fs::path(dir);
    fs::create_directories(d);
    std::string path = (d / "bench.pdesk").string();
    fs::remove(path);
    auto t0 = Clock::now();
    auto p = pd::Project::create(path);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    for (int m = 0; m < methods; ++m)
      for (int k = 0; k < shots; ++k)
        for (int s = 0; s < seeds; ++s) {
          pd::RunRecord r;
          r.specId = p->addJobSpec(json{{"kind", "simulated"}, {"method", m}, {"shots", 1 << k},
                                        {"seed", s}}.dump());
          r.experiment = "bench";
          r.method = "method-" + std::to_string(m);
          r.shots = 1 << k;
          r.seed = s;
          std::int64_t id = p->createRun(r);
          p->setRunState(id, pd::JobState::Running);
          for (int e = 0; e < epochs; ++e) p->addSeriesPoint(id, {e + 1, e, "loss", 1.0 / (e + 1)});
          std::vector<pd::Prediction> preds(static_cast<std::size_t>(items));
          int correct = 0;
          double target = 0.5 + 0.05 * m + 0.03 * k;
          for (int i = 0; i < items; ++i) {
            auto& pr = preds[static_cast<std::size_t>(i)];
            pr.itemId = "item-" + std::to_string(i);
            pr.label = i % classes;
            bool ok = u(rng) < target;
            correct += ok;
            pr.pred = ok ? pr.label : (pr.label + 1) % classes;
            pr.scores.resize(static_cast<std::size_t>(classes));
            for (float& x : pr.scores) x = u(rng);
          }
          p->addPredictions(id, preds);
          p->setFinalMetrics(id, {{"accuracy", double(correct) / items}});
          p->setRunState(id, pd::JobState::Succeeded);
        }
    double recordS = since(t0);
    p.reset();  // close: checkpoint the WAL into the file
    std::int64_t bytes = static_cast<std::int64_t>(fs::file_size(path));
    auto q = pd::Project::open(path);
    json r = {{"runs", methods * shots * seeds}, {"predictions_per_run", items},
              {"scores_per_prediction", classes}, {"record_seconds", recordS},
              {"project_bytes", bytes}};
    t0 = Clock::now();
    pd::ReportOptions ro;
    ro.experiment = "bench";
    pd::ReportData data = pd::collectReport(*q, ro);
    r["collect_seconds"] = since(t0);
    auto timed = [&](const char* name, const std::function<std::string()>& f) {
      auto t = Clock::now();
      std::string s = f();
      pd::writeFileAtomically((d / (std::string("report.") + name)).string(), s);
      r[std::string(name) + "_seconds"] = since(t);
      r[std::string(name) + "_bytes"] = s.size();
    };
    timed("html", [&] { return pd::reportHtml(data); });
    timed("csv", [&] { return pd::reportCsv(data); });
    timed("md", [&] { return pd::reportMarkdown(data); });
#ifdef PD_HAVE_UI
    t0 = Clock::now();
    r["pdf_pages"] = pd::ui::writeReportPdf(data, (d / "report.pdf").string());
    r["pdf_seconds"] = since(t0);
#endif
    q.reset();
    if (temp) fs::remove_all(d);
    std::cout << "project with " << r["runs"] << " runs x " << items << " predictions: "
              << double(bytes) / 1048576.0 << " MiB, recorded in " << recordS << " s\n"
              << "report: collect " << r["collect_seconds"] << " s, html " << r["html_seconds"]
              << " s, csv " << r["csv_seconds"] << " s, md " << r["md_seconds"] << " s";
    if (r.contains("pdf_seconds")) std::cout << ", pdf " << r["pdf_seconds"] << " s";
    std::cout << "\n";
    if (json_) std::cout << r.dump() << "\n";
    out.code = 0;
  });
});
}  // namespace
