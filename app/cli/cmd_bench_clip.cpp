// promptdesk-cli bench clip-encode: CLIP encoder throughput (random weights, released shapes).
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/bench.h"

namespace {
pd::cli::Registrar reg("bench", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& bench = pd::cli::group(root, "bench", "Benchmarks (figures for the closing notes)");
  auto* cmd = bench.add_subcommand(
      "clip-encode", "images/s and prompts/s of CLIP encoders at ViT-B/32 and RN50 shapes");
  static std::string backbone = "both";
  static int batch = 32, reps = 3, threads = 0;
  static bool json = false;
  cmd->add_option("--backbone", backbone, "vit-b32, rn50 or both")
      ->check(CLI::IsMember({"vit-b32", "rn50", "both"}));
  cmd->add_option("--batch", batch, "batch size")->check(CLI::Range(1, 1024));
  cmd->add_option("--reps", reps, "timed repetitions (after one warm-up)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--threads", threads, "intra-op threads (0: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd->add_flag("--json", json, "print one JSON array as the last line");
  cmd->callback([&out] {
    std::cerr << "building random-weight models and timing (batch " << batch << ") ...\n";
    auto results = pd::benchClipEncode(backbone, batch, reps, threads);
    nlohmann::json arr = nlohmann::json::array();
    std::cout << std::fixed << std::setprecision(1);
    for (const auto& r : results) {
      std::cout << r.backbone << " batch " << r.batch << ", " << r.threads
                << " thread(s): encode_image " << r.imagesPerSecond << " images/s; encode_text "
                << r.promptsPerSecond << " prompts/s (up to EOT), " << r.promptsPerSecondFull
                << " prompts/s (77 positions)\n";
      arr.push_back({{"backbone", r.backbone},
                     {"batch", r.batch},
                     {"threads", r.threads},
                     {"reps", r.reps},
                     {"images_per_s", r.imagesPerSecond},
                     {"prompts_per_s", r.promptsPerSecond},
                     {"prompts_per_s_full77", r.promptsPerSecondFull}});
    }
    if (json) std::cout << arr.dump() << "\n";
    out.code = 0;
  });
});
}  // namespace
