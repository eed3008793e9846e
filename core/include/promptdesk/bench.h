#pragma once
// Micro-benchmarks run through the core (used by `promptdesk-cli bench ...`).

namespace pd {

struct MatmulBench {
  int size = 0;
  int threads = 0;
  int reps = 0;
  double seconds = 0;
  double gflops = 0;
};

// Multiplies two size x size float32 matrices `reps` times inside a JobRunner worker that has
// `threads` intra-op threads (0: all cores), after one warm-up product.
MatmulBench benchMatmulInWorker(int size, int reps, int threads);

}  // namespace pd
