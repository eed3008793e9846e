// bench clip-encode: encode_image / encode_text throughput at ViT-B/32 and RN50 shapes.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <chrono>
#include <memory>

#include "bench/bench_arch.h"
#include "models/clip/clip_model.h"
#include "promptdesk/bench.h"
#include "promptdesk/error.h"
#include "promptdesk/jobs.h"
#include "promptdesk/version.h"

namespace pd {

ClipArchitecture benchArchitecture(const std::string& backbone, const std::string& where) {
  ClipArchitecture a;
  a.contextLength = 77;
  a.vocabSize = 49408;
  a.transformerWidth = 512;
  a.transformerHeads = 8;
  a.transformerLayers = 12;
  a.imageResolution = 224;
  if (backbone == "vit-b32") {
    a.embedDim = 512;
    a.visionWidth = 768;
    a.visionLayers = 12;
    a.visionPatchSize = 32;
    a.visionHeads = 12;
  } else if (backbone == "rn50") {
    a.visionIsResNet = true;
    a.embedDim = 1024;
    a.visionWidth = 64;
    a.visionStageBlocks = {3, 4, 6, 3};
    a.visionLayers = 16;
    a.visionHeads = 32;
  } else {
    throw pd::Error("unknown backbone '" + backbone + "' (vit-b32, rn50)", where);
  }
  return a;
}

namespace {

template <class F>
double timed(int reps, F fn) {
  fn();  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

ClipEncodeBench runOne(const std::string& backbone, int batch, int reps) {
  ClipEncodeBench r;
  r.backbone = backbone;
  r.batch = batch;
  r.reps = reps;
  at::manual_seed(0);
  models::ClipModel model(benchArchitecture(backbone, "bench clip-encode"));
  at::Tensor images = at::randn({batch, 3, 224, 224});
  // SOT, 6..14 random ids, EOT, zeros (typical "a photo of a {class}." prompts).
  at::Tensor tokens = at::zeros({batch, 77}, at::kLong);
  at::Tensor lens = at::randint(6, 15, {batch}, at::kLong);
  for (int i = 0; i < batch; ++i) {
    const std::int64_t n = lens[i].item<std::int64_t>();
    tokens[i][0] = 49406;
    tokens[i].narrow(0, 1, n).copy_(at::randint(1, 49406, {n}, at::kLong));
    tokens[i][n + 1] = 49407;
  }
  c10::InferenceMode guard;
  const double si = timed(reps, [&] { model.encode_image(images, batch); });
  const double st = timed(reps, [&] { model.encode_text(tokens, batch, true); });
  const double sf = timed(reps, [&] { model.encode_text(tokens, batch, false); });
  r.imagesPerSecond = batch * double(reps) / si;
  r.promptsPerSecond = batch * double(reps) / st;
  r.promptsPerSecondFull = batch * double(reps) / sf;
  return r;
}

}  // namespace

std::vector<ClipEncodeBench> benchClipEncode(const std::string& backbone, int batch, int reps,
                                             int threads) {
  std::vector<std::string> names;
  if (backbone == "both")
    names = {"vit-b32", "rn50"};
  else
    names = {backbone};
  for (const auto& n : names) benchArchitecture(n, "bench clip-encode");  // validate before starting
  JobRunnerOptions opt;
  opt.workers = 1;
  opt.threadsPerWorker = threads > 0 ? threads : hardwareCores();
  JobRunner runner(opt);
  std::vector<ClipEncodeBench> out;
  auto job = std::make_shared<FunctionJob>("bench-clip-encode", [&](JobContext& ctx) {
    for (const auto& n : names) {
      out.push_back(runOne(n, batch, reps));
      out.back().threads = ctx.threads();
    }
  });
  JobId id = runner.submit(job);
  runner.wait(id);
  if (runner.state(id) != JobState::Succeeded)
    throw pd::Error(runner.error(id), "bench clip-encode");
  return out;
}

}  // namespace pd
