// promptdesk-cli train coop|cocoop|linear-probe|zeroshot|ensemble: one few-shot run on a dataset,
// run on pd::JobRunner (progress on stderr: epoch, step, loss, lr, ETA; Ctrl-C-free cancel via
// the runner), result JSON on stdout, artifacts in --out.
#include <cstdio>
#include <iostream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "project_runs.h"
#include "dataset_options.h"
#include "promptdesk/coop.h"
#include "promptdesk/error.h"
#include "promptdesk/jobs.h"

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

void addCoopOptions(CLI::App* cmd, FewShotRunSpec& s, std::string& position, bool cocoop) {
  cmd->add_option("--n-ctx", s.coop.nCtx, "context vectors")->check(CLI::Range(1, 64));
  cmd->add_option("--ctx-init", s.coop.ctxInit, "initialise the context from these words");
  if (!cocoop) cmd->add_flag("--csc", s.coop.csc, "class-specific context");
  cmd->add_option("--position", position, "class token position: end, middle, front")
      ->check(CLI::IsMember({"end", "middle", "front"}));
  cmd->add_option("--epochs", s.coop.epochs, "epochs (0: 50/100/200 by shots)")
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--batch", s.coop.batchSize, "batch size")->check(CLI::Range(1, 4096));
  cmd->add_option("--lr", s.coop.lr, "learning rate");
  cmd->add_option("--views", s.views, "cached augmented views per training image (0: none)")
      ->check(CLI::Range(0, 1000));
  cmd->add_flag("--reference-mode", s.coop.referenceMode, "plain loop (tests / bench only)");
  cmd->add_flag("--resume", s.resume, "continue from --out/checkpoint.safetensors");
}

}  // namespace pd::cli

namespace {
pd::cli::Registrar reg("train", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& train =
      pd::cli::group(root, "train", "Few-shot training runs (CoOp, CoCoOp, linear probe)");
  for (const std::string method : {"coop", "cocoop", "linear-probe", "zeroshot", "ensemble"}) {
    auto* cmd = train.add_subcommand(method, "one few-shot " + method + " run");
    auto* s = new pd::FewShotRunSpec();  // lives as long as the process
    auto* ds = new pd::cli::DatasetArgs();
    auto* position = new std::string("end");
    auto* quiet = new bool(false);
    auto* project = new std::string();
    auto* experiment = new std::string();
    s->method = method;
    if (method == "cocoop") {
      s->coop.nCtx = 4;
      s->coop.ctxInit = "a photo of a";
      s->coop.epochs = 10;
      s->coop.batchSize = 1;
    }
    cmd->add_option("--model", s->modelPath, "CLIP checkpoint (.pt, .safetensors, HF folder)")
        ->required();
    ds->add(cmd);
    cmd->add_option("--shots", s->shots, "images per class")->check(CLI::Range(1, 10000));
    cmd->add_option("--seed", s->seed, "few-shot sampling / training seed");
    cmd->add_option("--out", s->outDir, "output folder (not needed with --project)");
    cmd->add_option("--project", *project,
                    "record the run in this project (*.pdesk): series, checkpoints, predictions, "
                    "learned prompt; a run that already succeeded there is not repeated");
    cmd->add_option("--experiment", *experiment, "with --project: experiment name of the run");
    cmd->add_option("--cache", s->cacheDir, "feature cache folder (default: data folder)");
    cmd->add_option("--test-limit", s->testLimit, "evaluate on the first N test items");
    cmd->add_flag("--quiet", *quiet, "no progress on stderr");
    if (method == "coop" || method == "cocoop")
      pd::cli::addCoopOptions(cmd, *s, *position, method == "cocoop");
    cmd->callback([&out, s, ds, position, quiet, project, experiment] {
      s->datasetSpec = ds->spec;
      s->datasetOptions = ds->resolved();
      s->coop.position = pd::parseClassTokenPosition(*position);
      if (!project->empty()) {
        nlohmann::json j = pd::cli::datasetSpecJson(*ds);
        j["kind"] = "clip-fewshot";
        j["model"] = s->modelPath;
        j["method"] = s->method;
        j["shots"] = s->method == "zeroshot" || s->method == "ensemble" ? 0 : s->shots;
        j["seed"] = s->seed;
        j["cache"] = s->cacheDir;
        j["test_limit"] = s->testLimit;
        j["experiment"] = *experiment;
        if (s->method == "coop" || s->method == "cocoop") {
          j["epochs"] = s->coop.epochs;
          j["n_ctx"] = s->coop.nCtx;
          j["ctx_init"] = s->coop.ctxInit;
          j["csc"] = s->coop.csc;
          j["position"] = *position;
          j["batch"] = s->coop.batchSize;
          j["lr"] = s->coop.lr;
          j["views"] = s->views;
          j["reference_mode"] = s->coop.referenceMode;
        }
        pd::cli::runSpecInProject(*project, j, *quiet, true);
        out.code = 0;
        return;
      }
      if (s->outDir.empty()) throw CLI::RequiredError("--out (or --project)");
      auto r = pd::cli::runFewShotJob(*s, *quiet);
      std::cout << r.resultJson << "\n";
      out.code = 0;
    });
  }
});
}  // namespace
