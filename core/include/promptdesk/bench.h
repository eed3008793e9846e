#pragma once
// Micro-benchmarks run through the core (used by `promptdesk-cli bench ...`).

#include <string>
#include <vector>

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

// CLIP encoder throughput with random weights at released shapes ("vit-b32": ViT-B/32,
// "rn50": RN50), in one JobRunner worker with `threads` intra-op threads (0: all cores).
// Text prompts are random ids of realistic length (SOT, 6..14 ids, EOT, zero padding to 77).
struct ClipEncodeBench {
  std::string backbone;  // "vit-b32" or "rn50"
  int batch = 0;
  int threads = 0;
  int reps = 0;
  double imagesPerSecond = 0;       // encode_image at `batch`
  double promptsPerSecond = 0;      // encode_text at `batch`, run up to the longest EOT (default)
  double promptsPerSecondFull = 0;  // encode_text at `batch`, all 77 positions (as OpenAI does)
};
std::vector<ClipEncodeBench> benchClipEncode(const std::string& backbone, int batch, int reps,
                                             int threads);

}  // namespace pd
