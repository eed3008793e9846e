// promptdesk-cli features: fills the feature cache with a frozen CLIP image tower's features of a
// dataset split (progress on stderr; a summary, or --json, on stdout).
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "dataset_options.h"
#include "promptdesk/feature_cache.h"

namespace {

pd::cli::Registrar reg("features", [](CLI::App& root, pd::cli::Outcome& out) {
  auto* cmd = root.add_subcommand(
      "features", "Compute (or reuse) cached CLIP image features of a dataset split");
  static pd::cli::DatasetArgs args;
  static pd::ImageFeaturesJob job;
  static double maxGiB = 8;
  static bool json = false, quiet = false;
  cmd->add_option("--model", job.modelPath, "CLIP checkpoint (.pt, .safetensors or HF folder)")
      ->required();
  args.add(cmd);
  cmd->add_option("--split", job.split, "split to encode (default test)");
  cmd->add_option("--cache", job.cacheDir, "cache folder (default <data folder>/feature-cache)");
  cmd->add_option("--cache-limit-gib", maxGiB, "cache size limit in GiB (LRU eviction)")
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--batch", job.batchSize, "images per batch")->check(CLI::Range(1, 4096));
  cmd->add_option("--views", job.views, "augmented views per image (0: the plain view)")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--seed", job.seed, "base seed of the augmented views");
  cmd->add_option("--limit", job.limit, "only the first N items of the split (0: all)");
  cmd->add_flag("--json", json, "print one JSON object");
  cmd->add_flag("--quiet", quiet, "no progress on stderr");
  cmd->callback([&out] {
    job.datasetSpec = args.spec;
    job.datasetOptions = args.resolved();
    job.maxBytes = static_cast<std::uint64_t>(maxGiB * 1024.0 * 1024.0 * 1024.0);
    std::int64_t lastPct = -1;
    auto progress = [&](std::int64_t done, std::int64_t total) {
      if (quiet || total <= 0) return;
      std::int64_t pct = done * 100 / total;
      if (pct == lastPct && done != total) return;
      lastPct = pct;
      std::fprintf(stderr, "\rfeatures: %lld/%lld (%lld%%)", static_cast<long long>(done),
                   static_cast<long long>(total), static_cast<long long>(pct));
      if (done == total) std::fprintf(stderr, "\n");
      std::fflush(stderr);
    };
    pd::ImageFeaturesResult r = pd::computeImageFeatures(job, progress);
    const double rate = r.seconds > 0 ? r.features / r.seconds : 0;
    if (json) {
      std::cout << nlohmann::json{{"items", r.items},           {"features", r.features},
                                  {"hits", r.hits},             {"misses", r.misses},
                                  {"dim", r.dim},               {"seconds", r.seconds},
                                  {"model_seconds", r.modelSeconds},
                                  {"features_per_second", rate}, {"model_hash", r.modelHash},
                                  {"preprocess", r.preprocess}, {"cache", r.cacheDir}}
                       .dump()
                << "\n";
    } else {
      std::printf("%lld items, %lld features of dim %lld: %lld cached, %lld computed in %.3f s "
                  "(%.1f features/s; model loaded in %.3f s)\ncache: %s\n",
                  static_cast<long long>(r.items), static_cast<long long>(r.features),
                  static_cast<long long>(r.dim), static_cast<long long>(r.hits),
                  static_cast<long long>(r.misses), r.seconds, rate, r.modelSeconds,
                  r.cacheDir.c_str());
    }
    out.code = 0;
  });
});

}  // namespace
