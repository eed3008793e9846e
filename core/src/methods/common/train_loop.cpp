#include "methods/common/train_loop.h"

#include <ATen/core/grad_mode.h>
#include <c10/util/string_utils.h>
#include <torch/optim/sgd.h>

#include <cmath>
#include <sstream>

#include "io/safetensors.h"
#include "promptdesk/error.h"
#include "promptdesk/jobs.h"

namespace pd::methods {

int epochsByShots(int shots) {
  if (shots <= 1) return 50;
  if (shots <= 4) return 100;
  return 200;
}

int scheduledEpochs(const TrainOptions& o, int shots) {
  const int base = o.epochs > 0 ? o.epochs : epochsByShots(shots);
  if (o.epochsScale == 1.0) return base;
  return std::max(1, static_cast<int>(std::lround(base * o.epochsScale)));
}

namespace {

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

std::string stateKey(const at::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

}  // namespace

struct TrainLoop::Optim {
  torch::optim::SGD sgd;
  Optim(std::vector<at::Tensor> params, const Settings& s)
      : sgd(std::move(params),
            torch::optim::SGDOptions(s.lr).momentum(s.momentum).weight_decay(s.weightDecay)) {}
  void setLr(double lr) {
    for (auto& g : sgd.param_groups())
      static_cast<torch::optim::SGDOptions&>(g.options()).lr(lr);
  }
  at::Tensor momentum(const at::Tensor& p) const {
    auto it = sgd.state().find(stateKey(p));
    if (it == sgd.state().end()) return at::zeros_like(p);
    return static_cast<const torch::optim::SGDParamState&>(*it->second).momentum_buffer();
  }
  void setMomentum(const at::Tensor& p, const at::Tensor& buf) {
    auto st = std::make_unique<torch::optim::SGDParamState>();
    st->momentum_buffer(buf.clone());
    sgd.state()[stateKey(p)] = std::move(st);
  }
};

TrainLoop::TrainLoop(std::shared_ptr<torch::nn::Module> module, const Settings& s, LogitsFn logits,
                     ImageEncoder encodeImages)
    : module_(std::move(module)),
      s_(s),
      logits_(std::move(logits)),
      encode_(std::move(encodeImages)),
      rng_(s.seed) {
  if (!module_) throw pd::Error("nothing to train", "method");
  if (s_.batchSize < 1) throw pd::Error("batch size must be >= 1", "batch_size");
  if (s_.epochs < 1) throw pd::Error("epochs must be >= 1", "epochs");
  optim_ = std::make_unique<Optim>(module_->parameters(), s_);
}

TrainLoop::~TrainLoop() = default;

std::vector<std::pair<std::string, at::Tensor>> TrainLoop::namedParameters() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& item : module_->named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}

double TrainLoop::lrAt(int epoch) const {
  if (epoch < s_.warmupEpochs) return s_.warmupLr;
  // Dassl: the cosine successor starts stepping after the warm-up (epoch - warmup, T = epochs).
  const double t = static_cast<double>(epoch - s_.warmupEpochs);
  return 0.5 * s_.lr * (1.0 + std::cos(M_PI * t / s_.epochs));
}

double TrainLoop::step(const at::Tensor& imageFeatures, const at::Tensor& labels, double lr,
                       double* accuracy) {
  at::AutoGradMode grad(true);
  optim_->setLr(lr);
  optim_->sgd.zero_grad();
  auto lg = logits_(imageFeatures, !s_.referenceMode);
  auto loss = at::cross_entropy_loss(lg, labels);
  loss.backward();
  optim_->sgd.step();
  if (accuracy) *accuracy = lg.argmax(-1).eq(labels).to(at::kDouble).mean().item<double>();
  ++globalStep_;
  const double l = loss.item<double>();
  losses_.push_back(l);
  return l;
}

at::Tensor TrainLoop::batchFeatures(const TrainData& data, const std::vector<int64_t>& idx) {
  auto index = at::tensor(idx, at::kLong);
  if (s_.referenceMode) {
    if (!data.images.defined() || !encode_)
      throw pd::Error("reference mode needs the images", "data");
    at::NoGradGuard ng;
    auto imgs = data.images.index_select(0, index);
    if (s_.augment) {
      std::vector<at::Tensor> out;
      for (int64_t i = 0; i < imgs.size(0); ++i) out.push_back(augment(imgs[i], rng_));
      imgs = at::stack(out, 0);
    }
    return encode_(imgs);
  }
  if (!data.features.defined()) throw pd::Error("fast mode needs cached image features", "data");
  auto f = data.features.dim() == 2 ? data.features.unsqueeze(1) : data.features;
  const int64_t k = f.size(1);
  std::vector<int64_t> view(idx.size(), 0);
  if (s_.augment && k > 1)
    for (auto& v : view) v = static_cast<int64_t>(rng_() % static_cast<uint64_t>(k));
  return f.index({index, at::tensor(view, at::kLong)});
}

void TrainLoop::runEpoch(const TrainData& data, JobContext* job,
                         const std::function<void(const StepInfo&)>& onStep) {
  const int64_t n = data.size();
  if (n == 0) throw pd::Error("no training samples", "data");
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng_);
  const int64_t bs = s_.batchSize;
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
    info.totalSteps = static_cast<int>(steps * s_.epochs);
    info.globalStep = globalStep_;
    info.lr = lr;
    if (job)
      job->progress(static_cast<double>(globalStep_) / info.totalSteps, globalStep_,
                    info.totalSteps,
                    "epoch " + std::to_string(epoch_ + 1) + "/" + std::to_string(s_.epochs),
                    {{"loss", info.loss}, {"lr", lr}, {"acc", info.accuracy}});
    if (onStep) onStep(info);
  }
  ++epoch_;
}

void TrainLoop::train(const TrainData& data, JobContext* job, const std::string& checkpointPath,
                      const std::function<void(const StepInfo&)>& onStep,
                      const std::function<void()>& onEpoch) {
  while (epoch_ < s_.epochs) {
    runEpoch(data, job, onStep);
    if (!checkpointPath.empty()) saveCheckpoint(checkpointPath);
    if (onEpoch) onEpoch();
  }
}

void TrainLoop::saveCheckpoint(const std::string& path, const nlohmann::json& spec) const {
  std::map<std::string, at::Tensor> t;
  for (const auto& [name, p] : namedParameters()) {
    t["param." + name] = p.detach();
    t["momentum." + name] = optim_->momentum(p);
  }
  t["losses"] = at::tensor(losses_, at::kDouble).to(at::kFloat);
  std::ostringstream rng;
  rng << rng_;
  nlohmann::json meta{{"epoch", epoch_},
                      {"global_step", globalStep_},
                      {"epochs", s_.epochs},
                      {"rng", rng.str()}};
  if (!spec.is_null()) meta["spec"] = spec;
  io::writeSafetensors(path, t, {{"promptdesk_checkpoint", meta.dump()}});
}

void TrainLoop::loadCheckpoint(const std::string& path) {
  io::StateDict sd = io::readSafetensors(path);
  auto it = sd.metadata.find("promptdesk_checkpoint");
  if (it == sd.metadata.end()) throw pd::Error("not a training checkpoint (no metadata)", path);
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(it->second);
  } catch (const std::exception& e) {
    throw pd::Error(std::string("bad checkpoint metadata: ") + e.what(), path);
  }
  const auto params = namedParameters();
  // Checkpoints written before parameters had names key them by position ("param.0", ...).
  const bool byIndex = sd.tensors.count("param.0") && !sd.tensors.count("param." + params[0].first);
  at::NoGradGuard ng;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& [name, p] = params[i];
    const std::string key = byIndex ? std::to_string(i) : name;
    if (!sd.tensors.count("param." + key))
      throw pd::Error("the checkpoint has no parameter '" + name + "'", path + ": param." + key);
    const auto& v = sd.at("param." + key);
    if (!v.sizes().equals(p.sizes()))
      throw pd::Error("parameter shape differs from this run's", path + ": param." + key);
    p.copy_(v);
    if (meta.at("global_step").get<int>() > 0) optim_->setMomentum(p, sd.at("momentum." + key));
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
