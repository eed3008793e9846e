#include "methods/coop_trainer.h"

#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/autograd.h>

#include <cmath>
#include <sstream>

#include "io/safetensors.h"
#include "promptdesk/error.h"
#include "promptdesk/jobs.h"

namespace pd {

ClassTokenPosition parseClassTokenPosition(const std::string& s) {
  if (s == "end") return ClassTokenPosition::End;
  if (s == "middle") return ClassTokenPosition::Middle;
  if (s == "front") return ClassTokenPosition::Front;
  throw pd::Error("class token position must be end, middle or front, not '" + s + "'",
                  "--position");
}

const char* toString(ClassTokenPosition p) {
  switch (p) {
    case ClassTokenPosition::Middle:
      return "middle";
    case ClassTokenPosition::Front:
      return "front";
    default:
      return "end";
  }
}

int defaultCoopEpochs(int shots) {
  if (shots <= 1) return 50;
  if (shots <= 4) return 100;
  return 200;
}

}  // namespace pd

namespace pd::methods {
namespace {

at::Tensor uniformInit(std::vector<int64_t> shape, int64_t fanIn, at::Generator& gen) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fanIn));
  return at::empty(shape, at::kFloat).uniform_(-bound, bound, gen);
}

// Random-resized-crop (scale 0.08..1, ratio 3/4..4/3) + horizontal flip on a preprocessed image.
at::Tensor augment(const at::Tensor& img, std::mt19937_64& rng) {
  const int64_t h = img.size(-2), w = img.size(-1);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  int64_t ch = h, cw = w, top = 0, left = 0;
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double area = h * w * (0.08 + 0.92 * u(rng));
    const double ratio =
        std::exp(std::log(3.0 / 4) + (std::log(4.0 / 3) - std::log(3.0 / 4)) * u(rng));
    const int64_t tw = std::lround(std::sqrt(area * ratio)),
                  th = std::lround(std::sqrt(area / ratio));
    if (tw > 0 && th > 0 && tw <= w && th <= h) {
      ch = th, cw = tw;
      top = static_cast<int64_t>(u(rng) * (h - th + 1)) % (h - th + 1);
      left = static_cast<int64_t>(u(rng) * (w - tw + 1)) % (w - tw + 1);
      break;
    }
  }
  auto crop = img.narrow(-2, top, ch).narrow(-1, left, cw).unsqueeze(0);
  auto out = at::upsample_bilinear2d(crop, {h, w}, false).squeeze(0);
  if (u(rng) < 0.5) out = out.flip({-1});
  return out;
}

}  // namespace

nlohmann::json specToJson(const CoopSpec& s) {
  return {{"method", s.method},
          {"n_ctx", s.nCtx},
          {"ctx_init", s.ctxInit},
          {"csc", s.csc},
          {"position", toString(s.position)},
          {"lr", s.lr},
          {"momentum", s.momentum},
          {"weight_decay", s.weightDecay},
          {"warmup_epochs", s.warmupEpochs},
          {"warmup_lr", s.warmupLr},
          {"batch_size", s.batchSize},
          {"epochs", s.epochs},
          {"shots", s.shots},
          {"augment", s.augment},
          {"reference_mode", s.referenceMode},
          {"seed", s.seed}};
}

CoopSpec specFromJson(const nlohmann::json& j) {
  CoopSpec s;
  s.method = j.value("method", s.method);
  s.nCtx = j.value("n_ctx", s.nCtx);
  s.ctxInit = j.value("ctx_init", s.ctxInit);
  s.csc = j.value("csc", s.csc);
  s.position = parseClassTokenPosition(j.value("position", std::string("end")));
  s.lr = j.value("lr", s.lr);
  s.momentum = j.value("momentum", s.momentum);
  s.weightDecay = j.value("weight_decay", s.weightDecay);
  s.warmupEpochs = j.value("warmup_epochs", s.warmupEpochs);
  s.warmupLr = j.value("warmup_lr", s.warmupLr);
  s.batchSize = j.value("batch_size", s.batchSize);
  s.epochs = j.value("epochs", s.epochs);
  s.shots = j.value("shots", s.shots);
  s.augment = j.value("augment", s.augment);
  s.referenceMode = j.value("reference_mode", s.referenceMode);
  s.seed = j.value("seed", s.seed);
  return s;
}

CoopTrainer::CoopTrainer(const ClipTowers& towers, const ClassPrompts& prompts,
                         const CoopSpec& spec, const at::Tensor& ctxInit)
    : towers_(towers), spec_(spec), layout_(towers, prompts, spec.position), rng_(spec.seed) {
  if (spec_.method != "coop" && spec_.method != "cocoop")
    throw pd::Error("unknown method '" + spec_.method + "'", "method");
  if (spec_.method == "cocoop" && spec_.csc)
    throw pd::Error("CoCoOp uses a unified context (no --csc)", "csc");
  if (spec_.batchSize < 1) throw pd::Error("batch size must be >= 1", "batch");
  spec_.nCtx = prompts.nCtx;
  epochs_ = spec_.epochs > 0 ? spec_.epochs : defaultCoopEpochs(spec_.shots);
  const int64_t d = towers.width(), n = prompts.nCtx, c = layout_.classes();
  auto gen = at::detail::createCPUGenerator(spec_.seed);
  if (ctxInit.defined()) {
    if (ctxInit.dim() != 2 || ctxInit.size(0) != n || ctxInit.size(1) != d)
      throw pd::Error("ctx init must be (n_ctx, width)", "ctx_init");
    ctx_ = spec_.csc ? ctxInit.unsqueeze(0).repeat({c, 1, 1}) : ctxInit.clone();
  } else {
    ctx_ = spec_.csc ? at::empty({c, n, d}, at::kFloat) : at::empty({n, d}, at::kFloat);
    ctx_.normal_(0.0, 0.02, gen);
  }
  ctx_ = ctx_.detach().contiguous().set_requires_grad(true);
  if (spec_.method == "cocoop") {
    const int64_t e = towers.embedDim(), hdim = std::max<int64_t>(1, e / 16);
    metaW1_ = uniformInit({hdim, e}, e, gen).set_requires_grad(true);
    metaB1_ = uniformInit({hdim}, e, gen).set_requires_grad(true);
    metaW2_ = uniformInit({d, hdim}, hdim, gen).set_requires_grad(true);
    metaB2_ = uniformInit({d}, hdim, gen).set_requires_grad(true);
  }
  for (const auto& p : parameters()) momentum_.push_back(at::zeros_like(p));
}

std::vector<at::Tensor> CoopTrainer::parameters() const {
  if (spec_.method == "cocoop") return {ctx_, metaW1_, metaB1_, metaW2_, metaB2_};
  return {ctx_};
}

double CoopTrainer::lrAt(int epoch) const {
  if (epoch < spec_.warmupEpochs) return spec_.warmupLr;
  // Dassl: the cosine successor starts stepping after the warm-up (epoch - warmup, T = epochs).
  const double t = static_cast<double>(epoch - spec_.warmupEpochs);
  return 0.5 * spec_.lr * (1.0 + std::cos(M_PI * t / epochs_));
}

at::Tensor CoopTrainer::metaBias(const at::Tensor& imageFeatures) const {
  auto im = imageFeatures / imageFeatures.norm(2, -1, true);
  return at::linear(at::relu(at::linear(im, metaW1_, metaB1_)), metaW2_, metaB2_);
}

at::Tensor CoopTrainer::logits(const at::Tensor& imageFeatures, bool fast) const {
  if (spec_.method == "cocoop") {
    auto ctxB = ctx_.unsqueeze(0) + metaBias(imageFeatures).unsqueeze(1);  // (B, n_ctx, D)
    return clipLogits(towers_.logitScale, imageFeatures, layout_.textFeaturesPerImage(ctxB, fast));
  }
  return clipLogits(towers_.logitScale, imageFeatures, layout_.textFeatures(ctx_, fast));
}

double CoopTrainer::step(const at::Tensor& imageFeatures, const at::Tensor& labels, double lr,
                         double* accuracy) {
  at::AutoGradMode grad(true);
  auto params = parameters();
  auto lg = logits(imageFeatures, !spec_.referenceMode);
  auto loss = at::cross_entropy_loss(lg, labels);
  auto grads = torch::autograd::grad({loss}, params);
  {
    at::NoGradGuard ng;
    for (size_t i = 0; i < params.size(); ++i) {
      // torch.optim.SGD: d = g + wd * p; buf = m * buf + d (buf = d on the first step); p -= lr *
      // buf.
      auto d = grads[i] + spec_.weightDecay * params[i];
      if (globalStep_ == 0)
        momentum_[i].copy_(d);
      else
        momentum_[i].mul_(spec_.momentum).add_(d);
      params[i].sub_(lr * momentum_[i]);
    }
  }
  if (accuracy) *accuracy = lg.argmax(-1).eq(labels).to(at::kDouble).mean().item<double>();
  ++globalStep_;
  const double l = loss.item<double>();
  losses_.push_back(l);
  return l;
}

at::Tensor CoopTrainer::batchFeatures(const CoopData& data, const std::vector<int64_t>& idx) {
  auto index = at::tensor(idx, at::kLong);
  if (spec_.referenceMode) {
    if (!data.images.defined()) throw pd::Error("reference mode needs the images", "data");
    at::NoGradGuard ng;
    auto imgs = data.images.index_select(0, index);
    if (spec_.augment) {
      std::vector<at::Tensor> out;
      for (int64_t i = 0; i < imgs.size(0); ++i) out.push_back(augment(imgs[i], rng_));
      imgs = at::stack(out, 0);
    }
    return encodeImage(towers_, imgs);
  }
  if (!data.features.defined()) throw pd::Error("fast mode needs cached image features", "data");
  auto f = data.features.dim() == 2 ? data.features.unsqueeze(1) : data.features;
  const int64_t k = f.size(1);
  std::vector<int64_t> view(idx.size(), 0);
  if (spec_.augment && k > 1)
    for (auto& v : view) v = static_cast<int64_t>(rng_() % static_cast<uint64_t>(k));
  return f.index({index, at::tensor(view, at::kLong)});
}

void CoopTrainer::runEpoch(const CoopData& data, JobContext* job,
                           const std::function<void(const StepInfo&)>& onStep) {
  const int64_t n = data.size();
  if (n == 0) throw pd::Error("no training samples", "data");
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng_);
  const int64_t bs = spec_.batchSize;
  const int64_t steps = n >= bs ? n / bs : 1;  // drop_last when there is a full batch
  const double lr = lrAt(epoch_);
  for (int64_t s = 0; s < steps; ++s) {
    if (job) job->checkCancelled();
    std::vector<int64_t> idx(order.begin() + s * bs, order.begin() + std::min(n, (s + 1) * bs));
    auto feats = batchFeatures(data, idx);
    auto labels = data.labels.index_select(0, at::tensor(idx, at::kLong));
    StepInfo info;
    info.loss = step(feats, labels, lr, &info.accuracy);
    info.epoch = epoch_;
    info.step = static_cast<int>(s);
    info.stepsPerEpoch = static_cast<int>(steps);
    info.totalSteps = static_cast<int>(steps * epochs_);
    info.globalStep = globalStep_;
    info.lr = lr;
    if (job)
      job->progress(static_cast<double>(globalStep_) / info.totalSteps, globalStep_,
                    info.totalSteps,
                    "epoch " + std::to_string(epoch_ + 1) + "/" + std::to_string(epochs_),
                    {{"loss", info.loss}, {"lr", lr}, {"acc", info.accuracy}});
    if (onStep) onStep(info);
  }
  ++epoch_;
}

void CoopTrainer::train(const CoopData& data, JobContext* job, const std::string& checkpointPath,
                        const std::function<void(const StepInfo&)>& onStep) {
  while (epoch_ < epochs_) {
    runEpoch(data, job, onStep);
    if (!checkpointPath.empty()) saveCheckpoint(checkpointPath);
  }
}

void CoopTrainer::saveCheckpoint(const std::string& path) const {
  std::map<std::string, at::Tensor> t;
  auto params = parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    t["param." + std::to_string(i)] = params[i].detach();
    t["momentum." + std::to_string(i)] = momentum_[i];
  }
  t["losses"] = at::tensor(losses_, at::kDouble).to(at::kFloat);
  std::ostringstream rng;
  rng << rng_;
  nlohmann::json meta{{"epoch", epoch_},
                      {"global_step", globalStep_},
                      {"epochs", epochs_},
                      {"spec", specToJson(spec_)},
                      {"rng", rng.str()}};
  io::writeSafetensors(path, t, {{"promptdesk_checkpoint", meta.dump()}});
}

void CoopTrainer::loadCheckpoint(const std::string& path) {
  io::StateDict sd = io::readSafetensors(path);
  auto it = sd.metadata.find("promptdesk_checkpoint");
  if (it == sd.metadata.end()) throw pd::Error("not a CoOp checkpoint (no metadata)", path);
  nlohmann::json meta = nlohmann::json::parse(it->second);
  auto params = parameters();
  at::NoGradGuard ng;
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& p = sd.at("param." + std::to_string(i));
    if (!p.sizes().equals(params[i].sizes()))
      throw pd::Error("parameter shape differs from this run's",
                      path + ": param." + std::to_string(i));
    params[i].copy_(p);
    momentum_[i].copy_(sd.at("momentum." + std::to_string(i)));
  }
  epoch_ = meta.at("epoch").get<int>();
  globalStep_ = meta.at("global_step").get<int>();
  std::istringstream rng(meta.at("rng").get<std::string>());
  rng >> rng_;
  // Keep the loss history as recorded (float32 in the file; the live run has doubles).
  losses_.clear();
  auto l = sd.at("losses").to(at::kDouble).contiguous();
  for (int64_t i = 0; i < l.numel(); ++i) losses_.push_back(l.data_ptr<double>()[i]);
}

}  // namespace pd::methods
