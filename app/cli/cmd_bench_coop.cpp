// promptdesk-cli bench coop: seconds per CoOp epoch, reference loop vs fast path, in one run.
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/coop.h"

namespace {
pd::cli::Registrar reg("bench", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& bench = pd::cli::group(root, "bench", "Benchmarks (figures for the closing notes)");
  auto* cmd = bench.add_subcommand(
      "coop", "Seconds per CoOp epoch (random weights at real shapes): reference vs fast path");
  static pd::CoopBenchOptions o;
  static bool json = false;
  cmd->add_option("--backbone", o.backbone, "vit-b32 or rn50 (random weights at the real shapes)")
      ->check(CLI::IsMember({"vit-b32", "rn50"}));
  cmd->add_option("--classes", o.classes, "number of classes")->check(CLI::Range(1, 1000));
  cmd->add_option("--shots", o.shots, "images per class")->check(CLI::Range(1, 64));
  cmd->add_option("--n-ctx", o.nCtx, "context vectors")->check(CLI::Range(1, 64));
  cmd->add_option("--batch", o.batch, "batch size")->check(CLI::Range(1, 1024));
  cmd->add_option(
         "--max-steps", o.maxSteps,
         "time only this many steps per mode and extrapolate to the epoch (0: whole epoch)")
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--threads", o.threads, "intra-op threads (0: all cores)");
  cmd->add_flag("--skip-reference", o.skipReference, "time the fast path only");
  cmd->add_flag("--json", json, "print one JSON object as the last line");
  cmd->callback([&out] {
    std::cerr << "bench coop: building random " << o.backbone << " CLIP (random weights), " << o.classes
              << " classes x " << o.shots << " shots...\n";
    pd::CoopBenchResult r = pd::benchCoop(o);
    const bool ref = r.referenceSecondsPerEpoch >= 0;
    const double speedup = ref ? r.referenceSecondsPerEpoch / r.fastSecondsPerEpoch : 0;
    std::cout << "coop epoch (" << r.stepsPerEpoch << " steps, " << r.threads << " threads): fast "
              << r.fastSecondsPerEpoch << " s (from " << r.stepsTimedFast
              << " timed steps; one-off feature cache " << r.cacheSeconds << " s)";
    if (ref)
      std::cout << ", reference " << r.referenceSecondsPerEpoch << " s (" << r.stepsTimedReference
                << " timed steps), speed-up " << speedup << "x, max |loss diff| " << r.maxLossDiff;
    std::cout << "\n";
    if (json) {
      nlohmann::json j{{"backbone", r.backbone},
                       {"classes", r.classes},
                       {"steps_per_epoch", r.stepsPerEpoch},
                       {"threads", r.threads},
                       {"fast_s_per_epoch", r.fastSecondsPerEpoch},
                       {"cache_s", r.cacheSeconds},
                       {"steps_timed", r.stepsTimedFast}};
      j["reference_s_per_epoch"] =
          ref ? nlohmann::json(r.referenceSecondsPerEpoch) : nlohmann::json();
      j["speedup"] = ref ? nlohmann::json(speedup) : nlohmann::json();
      j["max_loss_diff"] = ref ? nlohmann::json(r.maxLossDiff) : nlohmann::json();
      std::cout << j.dump() << "\n";
    }
    out.code = 0;
  });
});
}  // namespace
