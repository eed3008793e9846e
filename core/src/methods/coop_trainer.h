#pragma once
// CoOp / CoCoOp training: SGD with momentum + weight decay, one constant warm-up epoch then cosine
// (Dassl), cross-entropy on logit_scale.exp() x cosine. Reference mode runs the plain loop (image
// tower every step, all 77 positions per class); fast mode reads cached image features and runs
// the shared-prefix / truncated text pass. Checkpoints hold parameters, momentum, epoch and the RNG
// state, so a resumed run continues the identical loss curve.
#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "methods/coop_prompt.h"
#include "promptdesk/coop.h"

namespace pd {
class JobContext;
}

namespace pd::methods {

struct CoopData {
  at::Tensor features;  // (N, K, E) image features of K cached views (view 0: un-augmented)
  at::Tensor images;    // (N, 3, R, R) preprocessed images (reference mode)
  at::Tensor labels;    // (N) int64
  int64_t size() const { return labels.size(0); }
};

struct StepInfo {
  int epoch = 0, step = 0, stepsPerEpoch = 0, totalSteps = 0, globalStep = 0;
  double loss = 0, lr = 0, accuracy = 0;
};

class CoopTrainer {
 public:
  // ctxInit: optional (n_ctx, D) embeddings of the init words (spec.ctxInit tokenised).
  CoopTrainer(const ClipTowers& towers, const ClassPrompts& prompts, const CoopSpec& spec,
              const at::Tensor& ctxInit = {});

  const CoopSpec& spec() const { return spec_; }
  int epochs() const { return epochs_; }
  int epoch() const { return epoch_; }
  const PromptLayout& layout() const { return layout_; }
  std::vector<at::Tensor> parameters() const;
  at::Tensor ctx() const { return ctx_; }
  const std::vector<double>& losses() const { return losses_; }
  double lrAt(int epoch) const;

  // Logits (B, C) for image features (B, E) with the current parameters (autograd-enabled).
  at::Tensor logits(const at::Tensor& imageFeatures, bool fast) const;
  // One optimiser step on a batch of image features; returns the loss and sets `accuracy`.
  double step(const at::Tensor& imageFeatures, const at::Tensor& labels, double lr,
              double* accuracy = nullptr);
  // One epoch over `data` (shuffled, drop-last batches like Dassl). `job` may be null.
  void runEpoch(const CoopData& data, JobContext* job,
                const std::function<void(const StepInfo&)>& onStep = {});
  // Remaining epochs; saves a checkpoint after each epoch when `checkpointPath` is set.
  void train(const CoopData& data, JobContext* job, const std::string& checkpointPath,
             const std::function<void(const StepInfo&)>& onStep = {});

  void saveCheckpoint(const std::string& path) const;
  void loadCheckpoint(const std::string& path);

  // Meta-net (CoCoOp): Linear(E, E/16) -> ReLU -> Linear(E/16, D).
  at::Tensor metaBias(const at::Tensor& imageFeatures) const;

 private:
  at::Tensor batchFeatures(const CoopData& data, const std::vector<int64_t>& idx);

  const ClipTowers& towers_;
  CoopSpec spec_;
  PromptLayout layout_;
  int epochs_ = 0;
  int epoch_ = 0;
  int globalStep_ = 0;
  at::Tensor ctx_;
  at::Tensor metaW1_, metaB1_, metaW2_, metaB2_;
  std::vector<at::Tensor> momentum_;
  std::mt19937_64 rng_;
  std::vector<double> losses_;
};

nlohmann::json specToJson(const CoopSpec& s);
CoopSpec specFromJson(const nlohmann::json& j);

}  // namespace pd::methods
