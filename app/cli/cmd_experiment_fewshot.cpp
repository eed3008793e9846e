// promptdesk-cli experiment fewshot: methods x shots {1,2,4,8,16} x seeds {1,2,3}; every run's
// result.json under --out/<method>/<shots>shot/seed<s>/ and one line per run in --out/results.jsonl
// (runs already done are skipped, so an interrupted experiment resumes).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "project_runs.h"
#include "dataset_options.h"
#include "promptdesk/coop.h"
#include "promptdesk/error.h"

namespace pd::cli {
FewShotRunResult runFewShotJob(const FewShotRunSpec& spec, bool quiet);
}

namespace {
std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string x;
  while (std::getline(ss, x, ','))
    if (!x.empty()) out.push_back(x);
  return out;
}

pd::cli::Registrar reg("experiment", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& exp = pd::cli::group(root, "experiment", "Experiment grids");
  auto* cmd = exp.add_subcommand("fewshot", "CoOp's few-shot figure: methods x shots x seeds");
  static pd::cli::DatasetArgs ds;
  static std::string model, outDir, cache,
      methods = "zeroshot,ensemble,linear-probe,coop,coop-csc,cocoop";
  static std::string shots = "1,2,4,8,16", seeds = "1,2,3";
  static int epochs = 0, views = 0;
  static std::int64_t testLimit = 0;
  static std::string project, experiment = "fewshot", templates;
  static double epochsScale = 1.0;
  cmd->add_option("--model", model, "CLIP checkpoint")->required();
  ds.add(cmd);
  cmd->add_option("--out", outDir, "output folder (not needed with --project)");
  cmd->add_option("--project", project,
                  "record every run in this project (*.pdesk); runs finished before are skipped, "
                  "interrupted ones resumed");
  cmd->add_option("--experiment", experiment, "with --project: the experiment's name");
  cmd->add_option("--epochs-scale", epochsScale,
                  "with --project: scale the default CoOp/CoCoOp schedules (e.g. 0.1)")
      ->check(CLI::Range(0.001, 100.0));
  cmd->add_option("--templates", templates,
                  "with --project: zero-shot templates separated by | (default 'a photo of a "
                  "{class}.')");
  cmd->add_option("--cache", cache, "feature cache folder");
  cmd->add_option("--methods", methods,
                  "comma list: zeroshot, ensemble, linear-probe, coop, coop-csc, "
                  "coop-middle, coop-front, coop-init, cocoop");
  cmd->add_option("--shots", shots, "comma list of shots");
  cmd->add_option("--seeds", seeds, "comma list of seeds");
  cmd->add_option("--epochs", epochs, "override epochs for CoOp/CoCoOp (0: by shots)");
  cmd->add_option("--views", views, "cached augmented views per training image");
  cmd->add_option("--test-limit", testLimit, "evaluate on the first N test items");
  cmd->callback([&out] {
    if (!project.empty()) {
      nlohmann::json j = pd::cli::datasetSpecJson(ds);
      j["kind"] = "clip-fewshot-experiment";
      j["model"] = model;
      j["methods"] = methods;
      j["shots"] = shots;
      j["seeds"] = seeds;
      j["epochs"] = epochs;
      j["epochs_scale"] = epochsScale;
      j["views"] = views;
      j["cache"] = cache;
      j["test_limit"] = testLimit;
      j["experiment"] = experiment;
      j["templates"] = templates;
      pd::cli::runSpecInProject(project, j, false, true);
      out.code = 0;
      return;
    }
    if (outDir.empty()) throw CLI::RequiredError("--out (or --project)");
    std::filesystem::create_directories(outDir);
    const auto ms = splitList(methods), ss = splitList(shots), sd = splitList(seeds);
    // Zero-shot methods use no training data: one run each, drawn at 0 shots on the chart.
    auto zeroShot = [](const std::string& m) { return m == "zeroshot" || m == "ensemble"; };
    int done = 0, total = 0;
    for (const auto& m : ms)
      total += zeroShot(m) ? 1 : static_cast<int>(ss.size() * sd.size());
    for (const auto& m : ms)
      for (const auto& sh : ss)
        for (const auto& se : sd) {
          if (zeroShot(m) && (&sh != &ss.front() || &se != &sd.front())) continue;
          const std::string shotLabel = zeroShot(m) ? "0" : sh;
          pd::FewShotRunSpec s;
          s.modelPath = model;
          s.datasetSpec = ds.spec;
          s.datasetOptions = ds.resolved();
          s.cacheDir = cache;
          s.testLimit = testLimit;
          s.views = views;
          try {
            s.shots = std::stoi(sh);
            s.seed = std::stoull(se);
          } catch (const std::exception&) {
            throw pd::Error("not a number: '" + sh + "' / '" + se + "'", "--shots/--seeds");
          }
          s = pd::fewShotVariantSpec(m, s, epochs);
          s.outDir = outDir + "/" + m + "/" + shotLabel + "shot/seed" + se;
          s.resume = true;
          ++done;
          std::cerr << "[" << done << "/" << total << "] " << m << " " << shotLabel << "-shot seed " << se
                    << "\n";
          if (std::filesystem::exists(s.outDir + "/result.json")) {
            std::cerr << "  done before, skipped\n";
            continue;
          }
          auto r = pd::cli::runFewShotJob(s, false);
          nlohmann::json line = nlohmann::json::parse(r.resultJson);
          line["variant"] = m;
          if (zeroShot(m)) line["shots"] = 0;
          line.erase("losses");
          std::ofstream(outDir + "/results.jsonl", std::ios::app) << line.dump() << "\n";
          std::cout << line.dump() << "\n";
        }
    out.code = 0;
  });
});
}  // namespace
