// promptdesk-cli train <method>: one few-shot run of a registered method or preset on a dataset
// (the subcommands and their flags come from the method registry: `promptdesk-cli methods`), run
// on pd::JobRunner (progress on stderr: epoch, step, loss, lr, ETA), result JSON on stdout,
// artifacts in --out; with --project the run is recorded there instead.
#include <cstdio>
#include <iostream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "dataset_options.h"
#include "option_flags.h"
#include "project_runs.h"
#include "promptdesk/coop.h"
#include "promptdesk/error.h"
#include "promptdesk/jobs.h"
#include "promptdesk/methods.h"
#include "promptdesk/text_methods.h"

namespace pd::cli {

// Shared by `train` and `experiment fewshot`.
FewShotRunResult runFewShotJob(const FewShotRunSpec& spec, bool quiet) {
  JobRunner runner({1, 0});
  std::mutex m;
  runner.setListener([&](const JobEvent& e) {
    if (quiet || e.state != JobState::Running) return;
    std::lock_guard<std::mutex> lock(m);
    std::fprintf(stderr, "\r[%s] %s", spec.method.c_str(), e.message.c_str());
    if (e.totalSteps > 0)
      std::fprintf(stderr, " step %lld/%lld", (long long)e.step, (long long)e.totalSteps);
    for (const auto& [k, v] : e.metrics) std::fprintf(stderr, " %s %.4g", k.c_str(), v);
    if (e.etaSeconds >= 0) std::fprintf(stderr, " ETA %.0fs", e.etaSeconds);
    std::fprintf(stderr, "   ");
    std::fflush(stderr);
  });
  FewShotRunResult result;
  auto id = runner.submit(std::make_shared<FunctionJob>(
      "train " + spec.method, [&](JobContext& ctx) { result = runFewShot(spec, &ctx); }));
  runner.wait(id);
  if (!quiet) std::fprintf(stderr, "\n");
  if (runner.state(id) != JobState::Succeeded)
    throw Error(runner.error(id).empty() ? toString(runner.state(id)) : runner.error(id),
                "train " + spec.method);
  return result;
}

}  // namespace pd::cli

namespace {

struct TrainArgs {
  pd::FewShotRunSpec spec;
  pd::cli::DatasetArgs ds;
  pd::cli::OptionFlags flags;
  bool quiet = false;
  std::string project, experiment;
};

void addTrainCommand(CLI::App& train, pd::cli::Outcome& out, const pd::MethodInfo& m,
                     const pd::MethodPreset* preset) {
  const std::string name = preset ? preset->name : m.name;
  const std::string about = preset ? preset->description + " (preset of " + m.name + ": " +
                                         preset->overridesJson + ")"
                                   : m.title + ": " + m.description;
  auto* cmd = train.add_subcommand(name, about);
  auto* a = new TrainArgs();  // lives as long as the process
  a->spec.method = name;
  cmd->add_option("--model", a->spec.modelPath, "CLIP checkpoint (.pt, .safetensors, HF folder)")
      ->required();
  a->ds.add(cmd);
  cmd->add_option("--shots", a->spec.shots,
                  m.usesTrainingData ? "images per class" : "images per class (unused)")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--seed", a->spec.seed, "few-shot sampling / training seed");
  cmd->add_option("--out", a->spec.outDir, "output folder (not needed with --project)");
  cmd->add_option("--project", a->project,
                  "record the run in this project (*.pdesk): series, checkpoints, predictions, "
                  "learned prompt; a run that already succeeded there is not repeated");
  cmd->add_option("--experiment", a->experiment, "with --project: experiment name of the run");
  cmd->add_option("--cache", a->spec.cacheDir, "feature cache folder (default: data folder)");
  cmd->add_option("--test-limit", a->spec.testLimit, "evaluate on the first N test items");
  cmd->add_flag("--quiet", a->quiet, "no progress on stderr");
  cmd->add_flag("--resume", a->spec.resume, "continue from --out/checkpoint.safetensors");
  // A preset's overrides are its flags' defaults (`train coop-front --help` says position "front").
  std::vector<pd::OptionSpec> options = m.options;
  if (preset) {
    const nlohmann::json over = nlohmann::json::parse(preset->overridesJson);
    for (pd::OptionSpec& o : options)
      if (over.contains(o.name)) o.defaultJson = over.at(o.name).dump();
  }
  a->flags.add(cmd, options, m.name + " options");
  const bool trains = m.usesTrainingData;
  cmd->callback([&out, a, trains, name] {
    a->spec.datasetSpec = a->ds.spec;
    a->spec.datasetOptions = a->ds.resolved();
    a->spec.optionsJson = pd::optionValuesToJson(a->flags.specs(), a->flags.given(), name);
    pd::resolveMethod(name, a->spec.optionsJson, name);  // refuse bad values before starting
    if (!a->project.empty()) {
      nlohmann::json j = pd::cli::datasetSpecJson(a->ds);
      j["kind"] = "clip-fewshot";
      j["model"] = a->spec.modelPath;
      j["method"] = name;
      j["shots"] = trains ? a->spec.shots : 0;
      j["seed"] = a->spec.seed;
      j["cache"] = a->spec.cacheDir;
      j["test_limit"] = a->spec.testLimit;
      j["experiment"] = a->experiment;
      const auto o = nlohmann::json::parse(a->spec.optionsJson);
      for (auto it = o.begin(); it != o.end(); ++it) j[it.key()] = it.value();
      pd::cli::runSpecInProject(a->project, j, a->quiet, true);
      out.code = 0;
      return;
    }
    if (a->spec.outDir.empty()) throw CLI::RequiredError("--out (or --project)");
    auto r = pd::cli::runFewShotJob(a->spec, a->quiet);
    std::cout << r.resultJson << "\n";
    out.code = 0;
  });
}

pd::cli::Registrar reg("train", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& train = pd::cli::group(
      root, "train", "Few-shot training runs of a registered method or preset (see `methods`)");
  for (const pd::MethodInfo& m : pd::registeredMethods()) {
    if (pd::isTextMethod(m.name)) continue;  // cmd_train_text.cpp
    addTrainCommand(train, out, m, nullptr);
    for (const auto& p : m.presets) addTrainCommand(train, out, m, &p);
  }
});

}  // namespace
