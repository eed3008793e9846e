// promptdesk-cli experiment fewshot: methods x shots x seeds as the clip-fewshot-experiment job
// kind expands them (the core's one grid expansion). With --project every cell is recorded in the
// project; else every run's result.json goes under --out/<method>/<shots>shot/seed<s>/ and one
// line per run into --out/results.jsonl (runs already done are skipped, so an interrupted
// experiment resumes). The method-option flags come from the registry.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "dataset_options.h"
#include "option_flags.h"
#include "project_runs.h"
#include "promptdesk/coop.h"
#include "promptdesk/error.h"
#include "promptdesk/job_registry.h"
#include "promptdesk/methods.h"

namespace pd::cli {
FewShotRunResult runFewShotJob(const FewShotRunSpec& spec, bool quiet);
}

namespace {
bool isMethodOption(const std::string& key) {
  for (const auto& m : pd::registeredMethods())
    for (const auto& o : m.options)
      if (o.name == key) return true;
  return false;
}

pd::cli::Registrar reg("experiment", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& exp = pd::cli::group(root, "experiment", "Experiment grids");
  auto* cmd = exp.add_subcommand("fewshot", "CoOp's few-shot figure: methods x shots x seeds");
  static pd::cli::DatasetArgs ds;
  static std::string model, outDir, cache, project, experiment = "fewshot";
  static std::string methods = "zeroshot,ensemble,linear-probe,coop,coop-csc,cocoop";
  static std::string shots = "1,2,4,8,16", seeds = "1,2,3", ensembleTemplates;
  static std::int64_t testLimit = 0;
  static pd::cli::OptionFlags flags;
  cmd->add_option("--model", model, "CLIP checkpoint")->required();
  ds.add(cmd);
  cmd->add_option("--out", outDir, "output folder (not needed with --project)");
  cmd->add_option("--project", project,
                  "record every run in this project (*.pdesk); runs finished before are skipped, "
                  "interrupted ones resumed");
  cmd->add_option("--experiment", experiment, "with --project: the experiment's name");
  cmd->add_option("--cache", cache, "feature cache folder");
  std::string names;
  for (const auto& c : pd::methodChoices()) names += (names.empty() ? "" : ", ") + c;
  cmd->add_option("--methods", methods, "comma list of methods and presets: " + names);
  cmd->add_option("--shots", shots, "comma list of shots");
  cmd->add_option("--seeds", seeds, "comma list of seeds");
  cmd->add_option("--ensemble-templates", ensembleTemplates,
                  "templates of the 'ensemble' preset, separated by | (default: CLIP's 7)");
  cmd->add_option("--test-limit", testLimit, "evaluate on the first N test items");
  std::vector<pd::OptionSpec> knobs;
  const auto experimentKind = pd::jobKindInfo("clip-fewshot-experiment");
  for (const auto& o : experimentKind->options)
    if (isMethodOption(o.name)) knobs.push_back(o);
  flags.add(cmd, knobs, "method options (applied to every method that declares them)");
  cmd->callback([&out] {
    nlohmann::json j = pd::cli::datasetSpecJson(ds);
    j["kind"] = "clip-fewshot-experiment";
    j["model"] = model;
    j["methods"] = methods;
    j["shots"] = shots;
    j["seeds"] = seeds;
    j["cache"] = cache;
    j["test_limit"] = testLimit;
    j["experiment"] = experiment;
    j["ensemble_templates"] = ensembleTemplates;
    const auto o = nlohmann::json::parse(
        pd::optionValuesToJson(flags.specs(), flags.given(), "experiment fewshot"));
    for (auto it = o.begin(); it != o.end(); ++it) j[it.key()] = it.value();
    if (!project.empty()) {
      pd::cli::runSpecInProject(project, j, false, true);
      out.code = 0;
      return;
    }
    if (outDir.empty()) throw CLI::RequiredError("--out (or --project)");
    std::filesystem::create_directories(outDir);
    const auto cells = pd::expandJobSpec(j.dump());
    int done = 0;
    for (const auto& cellJson : cells) {
      pd::FewShotRunSpec s = pd::fewShotRunSpecFromJob(cellJson);
      const auto cell = nlohmann::json::parse(cellJson);
      const std::string m = cell["method"], shotLabel = std::to_string(cell["shots"].get<int>());
      s.datasetOptions = ds.resolved();
      s.outDir = outDir + "/" + m + "/" + shotLabel + "shot/seed" +
                 std::to_string(cell["seed"].get<std::uint64_t>());
      s.resume = true;
      ++done;
      std::cerr << "[" << done << "/" << cells.size() << "] " << m << " " << shotLabel
                << "-shot seed " << cell["seed"] << "\n";
      if (std::filesystem::exists(s.outDir + "/result.json")) {
        std::cerr << "  done before, skipped\n";
        continue;
      }
      auto r = pd::cli::runFewShotJob(s, false);
      nlohmann::json line = nlohmann::json::parse(r.resultJson);
      line["variant"] = m;
      line["shots"] = cell["shots"];
      line.erase("losses");
      std::ofstream(outDir + "/results.jsonl", std::ios::app) << line.dump() << "\n";
      std::cout << line.dump() << "\n";
    }
    out.code = 0;
  });
});
}  // namespace
