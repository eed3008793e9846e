// `promptdesk-cli bench coop`: one CoOp epoch at real CLIP shapes (random weights) in reference
// mode (image tower every step, all 77 positions for every class) and fast mode (cached image
// features, shared [SOS][ctx] prefix, text pass stopped at the longest EOT), in one run.
#include <ATen/Parallel.h>

#include <chrono>
#include <random>

#include "bench/bench_arch.h"
#include "methods/coop/coop_trainer.h"
#include "models/clip/clip_model.h"
#include "promptdesk/clip.h"
#include "promptdesk/coop.h"
#include "promptdesk/error.h"
#include "promptdesk/version.h"

namespace pd {
namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// "X X ... X name." with 1-3 name tokens per class (like Oxford Pets' breed names).
at::Tensor benchPrompts(int classes, int nCtx, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto t = at::zeros({classes, 77}, at::kLong);
  auto a = t.accessor<int64_t, 2>();
  for (int c = 0; c < classes; ++c) {
    int k = 0;
    a[c][k++] = 49406;
    for (int i = 0; i < nCtx; ++i) a[c][k++] = 343;  // "x"
    const int nameLen = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < nameLen; ++i) a[c][k++] = 1000 + static_cast<int64_t>(rng() % 40000);
    a[c][k++] = 269;  // "."
    a[c][k++] = 49407;
  }
  return t;
}
}  // namespace

CoopBenchResult benchCoop(const CoopBenchOptions& o) {
  if (o.backbone != "vit-b32" && o.backbone != "rn50")
    throw pd::Error("unknown backbone '" + o.backbone + "' (vit-b32 or rn50)", "--backbone");
  if (o.classes < 1 || o.shots < 1 || o.nCtx < 1 || o.batch < 1 || 1 + o.nCtx + 5 > 77)
    throw pd::Error("classes, shots, n-ctx and batch must be positive (n-ctx <= 71)");
  const int threads = o.threads > 0 ? o.threads : hardwareCores();
  at::set_num_threads(threads);
  at::manual_seed(0);
  // Our ClipModel with random weights at the real shapes (ViT-B/32 or RN50 with CLIP's text
  // transformer: width 512, 12 layers, 8 heads).
  auto model = std::make_shared<models::ClipModel>(benchArchitecture(o.backbone, "--backbone"));
  const int64_t n = static_cast<int64_t>(o.classes) * o.shots;
  methods::CoopData data;
  data.labels = at::arange(o.classes, at::kLong).repeat_interleave(o.shots);
  data.images = at::randn({n, 3, 224, 224});
  const int stepsPerEpoch = static_cast<int>(n >= o.batch ? n / o.batch : 1);
  const int steps = o.maxSteps > 0 ? std::min(o.maxSteps, stepsPerEpoch) : stepsPerEpoch;

  methods::CoopSpec spec;
  spec.nCtx = o.nCtx;
  spec.batchSize = o.batch;
  spec.augment = false;  // same batches in both modes so the losses can be compared
  spec.epochs = 10;
  spec.warmupEpochs = 0;
  methods::ClassPrompts prompts{benchPrompts(o.classes, o.nCtx, 1), o.nCtx};

  CoopBenchResult r;
  r.backbone = o.backbone;
  r.classes = o.classes;
  r.stepsPerEpoch = stepsPerEpoch;
  r.threads = threads;
  const double scale = static_cast<double>(stepsPerEpoch) / steps;
  std::vector<double> refLosses, fastLosses;
  // One batch order for both modes (a full epoch's shuffle); the timed steps are its first `steps`.
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 rng(1);
  std::shuffle(order.begin(), order.end(), rng);
  auto batchIdx = [&](int s) {
    return at::tensor(std::vector<int64_t>(order.begin() + s * o.batch,
                                           order.begin() + std::min<int64_t>(n, (s + 1) * o.batch)),
                      at::kLong);
  };
  auto timeMode = [&](bool reference, std::vector<double>& losses) {
    spec.referenceMode = reference;
    methods::CoopTrainer tr(*model, prompts, spec);
    auto t0 = Clock::now();
    for (int s = 0; s < steps; ++s) {
      auto idx = batchIdx(s);
      at::Tensor feats;
      if (reference) {
        at::NoGradGuard ng;
        feats = model->encode_image(data.images.index_select(0, idx), 0);
      } else {
        feats = data.features.index_select(0, idx);
      }
      losses.push_back(tr.step(feats, data.labels.index_select(0, idx), spec.lr));
    }
    return since(t0) * scale;
  };
  {  // fast mode's one-off feature cache (frozen image tower) for the timed images, extrapolated
    at::NoGradGuard ng;
    data.features = at::zeros({n, model->embedDim()});
    auto t0 = Clock::now();
    for (int s = 0; s < steps; ++s) {
      auto idx = batchIdx(s);
      data.features.index_copy_(0, idx,
                                model->encode_image(data.images.index_select(0, idx), 0));
    }
    r.cacheSeconds = since(t0) * scale;
  }
  r.fastSecondsPerEpoch = timeMode(false, fastLosses);
  r.stepsTimedFast = steps;
  if (!o.skipReference) {
    r.referenceSecondsPerEpoch = timeMode(true, refLosses);
    r.stepsTimedReference = steps;
    r.maxLossDiff = 0;
    for (size_t i = 0; i < refLosses.size(); ++i)
      r.maxLossDiff = std::max(r.maxLossDiff, std::abs(refLosses[i] - fastLosses[i]));
  }
  return r;
}

}  // namespace pd
