// promptdesk-cli bench matmul: BLAS throughput inside a pool worker (checks the installed
// OpenBLAS).
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/bench.h"

namespace {
pd::cli::Registrar reg("bench", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& bench = pd::cli::group(root, "bench", "Benchmarks (figures for the closing notes)");
  auto* cmd = bench.add_subcommand("matmul", "GFLOP/s of an N x N float32 matmul in a pool worker");
  static int n = 1024, reps = 20, threads = 0;
  static bool json = false;
  cmd->add_option("--size", n, "matrix size N")->check(CLI::Range(16, 8192));
  cmd->add_option("--reps", reps, "repetitions")->check(CLI::Range(1, 10000));
  cmd->add_option("--threads", threads, "intra-op threads for the worker (0: all cores)");
  cmd->add_flag("--json", json, "print one JSON object as the last line");
  cmd->callback([&out] {
    pd::MatmulBench r = pd::benchMatmulInWorker(n, reps, threads);
    std::cout << "matmul " << r.size << "x" << r.size << " float32, " << r.threads
              << " thread(s) in a pool worker: " << r.gflops << " GFLOP/s (" << r.seconds
              << " s for " << r.reps << " reps)\n";
    if (json)
      std::cout << nlohmann::json{{"size", r.size},
                                  {"threads", r.threads},
                                  {"reps", r.reps},
                                  {"seconds", r.seconds},
                                  {"gflops", r.gflops}}
                       .dump()
                << "\n";
    out.code = 0;
  });
});
}  // namespace
