// promptdesk-cli bench preprocess: CLIP image preprocessing throughput (decode + resize + crop).
#include <chrono>
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/image.h"

namespace {
pd::cli::Registrar reg("bench", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& bench = pd::cli::group(root, "bench", "Benchmarks (figures for the closing notes)");
  auto* cmd = bench.add_subcommand("preprocess", "CLIP preprocessing of an image file, images/s");
  static std::string image;
  static int nPx = 224, reps = 50;
  static bool json = false;
  cmd->add_option("image", image, "JPEG or PNG file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--n-px", nPx, "output size")->check(CLI::Range(8, 1024));
  cmd->add_option("--reps", reps, "repetitions")->check(CLI::Range(1, 100000));
  cmd->add_flag("--json", json, "print one JSON object as the last line");
  cmd->callback([&out] {
    pd::ImageInfo info = pd::probeImage(image);
    (void)pd::preprocessImageFileForClip(image, nPx);  // warm-up
    auto t0 = std::chrono::steady_clock::now();
    std::clock_t c0 = std::clock();
    for (int i = 0; i < reps; ++i) (void)pd::preprocessImageFileForClip(image, nPx);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    std::cout << "preprocess " << info.format << " " << info.width << "x" << info.height << " -> 3x"
              << nPx << "x" << nPx << ": " << reps / s << " images/s (" << s / reps * 1e3
              << " ms each wall, " << cpu / reps * 1e3 << " ms CPU)\n";
    if (json)
      std::cout << nlohmann::json{{"width", info.width},
                                  {"height", info.height},
                                  {"n_px", nPx},
                                  {"reps", reps},
                                  {"seconds", s},
                                  {"cpu_seconds", cpu},
                                  {"images_per_s", reps / s}}
                       .dump()
                << "\n";
    out.code = 0;
  });
});
}  // namespace
