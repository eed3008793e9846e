#pragma once
// The shared training loop of gradient-trained methods: torch::optim::SGD (momentum, weight
// decay), one constant warm-up epoch then cosine (Dassl's ConstantWarmupScheduler + cosine),
// shuffled drop-last batches, cross-entropy on the method's logits, cancel and progress through
// the job, and checkpoints keyed by parameter names (parameters, momentum buffers, epoch, step,
// RNG state and losses), so a resumed run continues the identical loss curve.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "methods/common/config.h"

namespace pd {
class JobContext;
}

namespace pd::methods {

// The loop's options, declared once (declareTrainOptions) by every method that uses the loop.
struct TrainOptions {
  double lr = 0.002, momentum = 0.9, weightDecay = 5e-4;
  int warmupEpochs = 1;
  double warmupLr = 1e-5;
  int batchSize = 32;
  int epochs = 0;  // 0: by shots (CoOp's 50/100/200)
  double epochsScale = 1;
  int views = 0;  // cached augmented views per training image (0: plain view, no augmentation)
  bool referenceMode = false;
};

// CoOp's schedule: 50 epochs for 1 shot, 100 for 2/4, 200 for 8/16.
int epochsByShots(int shots);
// epochs (or the schedule by shots when 0) x epochs_scale, at least 1.
int scheduledEpochs(const TrainOptions& o, int shots);

template <class Cfg>
void declareTrainOptions(ConfigDecl<Cfg>& d, TrainOptions Cfg::*t, const TrainOptions& def) {
  using D = ConfigDecl<Cfg>;
  using json = nlohmann::json;
  auto ref = [t](auto member) {
    return [t, member](Cfg& c) -> decltype(auto) { return ((c.*t).*member); };
  };
  d.template add<int>(D::make("epochs", "int", json(def.epochs),
                              "epochs (0: by shots as CoOp: 50 for 1, 100 for 2-4, 200 for 8+)",
                              0, 100000),
                      ref(&TrainOptions::epochs));
  d.template add<double>(D::make("epochs_scale", "float", json(def.epochsScale),
                                 "multiplies the epochs (e.g. 0.1 for a quick look)", 0.001, 100),
                         ref(&TrainOptions::epochsScale));
  d.template add<int>(D::make("batch_size", "int", json(def.batchSize), "batch size", 1, 4096),
                      ref(&TrainOptions::batchSize));
  d.template add<double>(D::make("lr", "float", json(def.lr), "learning rate (SGD)", 1e-8, 10),
                         ref(&TrainOptions::lr));
  d.template add<double>(D::make("momentum", "float", json(def.momentum), "SGD momentum", 0, 0.999),
                         ref(&TrainOptions::momentum));
  d.template add<double>(
      D::make("weight_decay", "float", json(def.weightDecay), "SGD weight decay", 0, 1),
      ref(&TrainOptions::weightDecay));
  d.template add<int>(D::make("warmup_epochs", "int", json(def.warmupEpochs),
                              "epochs at the constant warm-up learning rate", 0, 100000),
                      ref(&TrainOptions::warmupEpochs));
  d.template add<double>(
      D::make("warmup_lr", "float", json(def.warmupLr), "warm-up learning rate", 0, 10),
      ref(&TrainOptions::warmupLr));
  d.template add<int>(D::make("views", "int", json(def.views),
                              "cached augmented views per training image (0: no augmentation)", 0,
                              1000),
                      ref(&TrainOptions::views));
  d.template add<bool>(
      D::make("reference_mode", "bool", json(def.referenceMode),
              "the plain reference loop (image tower every step, all 77 positions): for checks"),
      ref(&TrainOptions::referenceMode));
}

// One split's training data: features (N, K, E) of K cached views (view 0 un-augmented), or the
// preprocessed images (N, 3, R, R) in reference mode; labels (N) int64.
struct TrainData {
  at::Tensor features, images, labels;
  int64_t size() const { return labels.size(0); }
};

struct StepInfo {
  int epoch = 0, step = 0, stepsPerEpoch = 0, totalSteps = 0, globalStep = 0;
  double loss = 0, lr = 0, accuracy = 0;
};

class TrainLoop {
 public:
  struct Settings {
    double lr = 0.002, momentum = 0.9, weightDecay = 5e-4;
    int warmupEpochs = 1;
    double warmupLr = 1e-5;
    int batchSize = 32;
    int epochs = 1;
    bool augment = false;        // random view (fast) / random-resized-crop + flip (reference)
    bool referenceMode = false;  // batches of images through `encodeImages`
    std::uint64_t seed = 1;
  };
  // Logits (B, C) for image features (B, E), autograd on; `fast` selects the method's fast path.
  using LogitsFn = std::function<at::Tensor(const at::Tensor& imageFeatures, bool fast)>;
  using ImageEncoder = std::function<at::Tensor(const at::Tensor& images)>;

  TrainLoop(std::shared_ptr<torch::nn::Module> module, const Settings& s, LogitsFn logits,
            ImageEncoder encodeImages = {});
  ~TrainLoop();

  const Settings& settings() const { return s_; }
  int epochs() const { return s_.epochs; }
  int epoch() const { return epoch_; }
  int globalStep() const { return globalStep_; }
  const std::vector<double>& losses() const { return losses_; }
  double lrAt(int epoch) const;

  // One optimiser step on a batch of image features; returns the loss and sets `accuracy`.
  double step(const at::Tensor& imageFeatures, const at::Tensor& labels, double lr,
              double* accuracy = nullptr);
  // One epoch over `data` (shuffled, drop-last batches like Dassl). `job` may be null.
  void runEpoch(const TrainData& data, JobContext* job,
                const std::function<void(const StepInfo&)>& onStep = {});
  // Remaining epochs; after each, saves a checkpoint when `checkpointPath` is set and calls
  // `onEpoch`.
  void train(const TrainData& data, JobContext* job, const std::string& checkpointPath,
             const std::function<void(const StepInfo&)>& onStep = {},
             const std::function<void()>& onEpoch = {});

  // `spec` is stored in the checkpoint's metadata for provenance.
  void saveCheckpoint(const std::string& path, const nlohmann::json& spec = {}) const;
  // Also reads the checkpoints of earlier versions (parameters and momentum by index).
  void loadCheckpoint(const std::string& path);

 private:
  at::Tensor batchFeatures(const TrainData& data, const std::vector<int64_t>& idx);
  std::vector<std::pair<std::string, at::Tensor>> namedParameters() const;

  std::shared_ptr<torch::nn::Module> module_;
  Settings s_;
  LogitsFn logits_;
  ImageEncoder encode_;
  struct Optim;
  std::unique_ptr<Optim> optim_;
  int epoch_ = 0, globalStep_ = 0;
  std::mt19937_64 rng_;
  std::vector<double> losses_;
};

}  // namespace pd::methods
