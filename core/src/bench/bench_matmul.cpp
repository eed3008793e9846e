#include <ATen/ATen.h>

#include <chrono>
#include <memory>

#include "promptdesk/bench.h"
#include "promptdesk/jobs.h"
#include "promptdesk/version.h"

namespace pd {

MatmulBench benchMatmulInWorker(int size, int reps, int threads) {
  MatmulBench r;
  r.size = size;
  r.reps = reps;
  JobRunnerOptions opt;
  opt.workers = 1;
  opt.threadsPerWorker = threads > 0 ? threads : hardwareCores();
  r.threads = opt.threadsPerWorker;
  JobRunner runner(opt);
  auto job = std::make_shared<FunctionJob>("bench-matmul", [&](JobContext&) {
    at::manual_seed(0);
    at::Tensor a = at::randn({size, size});
    at::Tensor b = at::randn({size, size});
    at::Tensor c = at::mm(a, b);  // warm-up
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i) c = at::mm(a, b);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  });
  JobId id = runner.submit(job);
  runner.wait(id);
  if (runner.state(id) != JobState::Succeeded) throw std::runtime_error(runner.error(id));
  r.gflops = 2.0 * size * double(size) * size * reps / r.seconds / 1e9;
  return r;
}

}  // namespace pd
