// promptdesk-cli experiment fewshot: methods x shots {1,2,4,8,16} x seeds {1,2,3}; every run's
// result.json under --out/<method>/<shots>shot/seed<s>/ and one line per run in --out/results.jsonl
// (runs already done are skipped, so an interrupted experiment resumes).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
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
  cmd->add_option("--model", model, "CLIP checkpoint")->required();
  ds.add(cmd);
  cmd->add_option("--out", outDir, "output folder")->required();
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
          s.coop.epochs = epochs;
          s.method = m.rfind("coop", 0) == 0 ? "coop" : m;
          if (m == "coop-csc")
            s.coop.csc = true;
          else if (m == "coop-middle")
            s.coop.position = pd::ClassTokenPosition::Middle;
          else if (m == "coop-front")
            s.coop.position = pd::ClassTokenPosition::Front;
          else if (m == "coop-init")
            s.coop.ctxInit = "a photo of a";
          else if (m == "cocoop") {
            s.coop.nCtx = 4;
            s.coop.ctxInit = "a photo of a";
            s.coop.epochs = epochs > 0 ? epochs : 10;
            s.coop.batchSize = 1;
          }
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
