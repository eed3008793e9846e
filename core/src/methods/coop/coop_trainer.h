#pragma once
// A harness over one CLIP prompt learner (CoOp or CoCoOp) and the shared TrainLoop, for the
// parity tests and the CoOp benchmark: the same modules and loop the registered methods use,
// set up from explicit prompts and knobs instead of a dataset.
#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "methods/cocoop/cocoop.h"
#include "methods/coop/coop.h"

namespace pd::methods {

struct CoopSpec {
  bool conditional = false;  // CoCoOp's meta-net
  int nCtx = 16;
  bool csc = false;
  ClassTokenPosition position = ClassTokenPosition::End;
  double lr = 0.002, momentum = 0.9, weightDecay = 5e-4;
  int warmupEpochs = 1;
  double warmupLr = 1e-5;
  int batchSize = 32;
  int epochs = 0;  // 0: by shots
  int shots = 16;
  bool augment = true;
  bool referenceMode = false;
  std::uint64_t seed = 1;
};

using CoopData = TrainData;

class CoopTrainer {
 public:
  // ctxInit: optional (n_ctx, D) embeddings of the init words.
  CoopTrainer(models::ClipModel& model, const ClassPrompts& prompts, const CoopSpec& spec,
              const at::Tensor& ctxInit = {});

  const CoopSpec& spec() const { return spec_; }
  int epochs() const { return loop_->epochs(); }
  int epoch() const { return loop_->epoch(); }
  const PromptLayout& layout() const { return learner_->layout(); }
  std::vector<at::Tensor> parameters() const { return learner_->parameters(); }
  at::Tensor ctx() const { return learner_->context(); }
  const std::vector<double>& losses() const { return loop_->losses(); }
  double lrAt(int epoch) const { return loop_->lrAt(epoch); }
  const PromptLearner& learner() const { return *learner_; }
  TrainLoop& loop() { return *loop_; }

  at::Tensor logits(const at::Tensor& imageFeatures, bool fast) const {
    return learner_->logits(imageFeatures, fast);
  }
  double step(const at::Tensor& f, const at::Tensor& labels, double lr, double* acc = nullptr) {
    return loop_->step(f, labels, lr, acc);
  }
  void runEpoch(const CoopData& data, JobContext* job,
                const std::function<void(const StepInfo&)>& onStep = {}) {
    loop_->runEpoch(data, job, onStep);
  }
  void train(const CoopData& data, JobContext* job, const std::string& checkpointPath,
             const std::function<void(const StepInfo&)>& onStep = {}) {
    loop_->train(data, job, checkpointPath, onStep);
  }
  void saveCheckpoint(const std::string& path) const { loop_->saveCheckpoint(path); }
  void loadCheckpoint(const std::string& path) { loop_->loadCheckpoint(path); }
  // CoCoOp's meta-net bias (B, D).
  at::Tensor metaBias(const at::Tensor& imageFeatures) const;
  // The learner's spec as a learned-prompt file records it.
  nlohmann::json specJson() const;

 private:
  models::ClipModel& model_;
  CoopSpec spec_;
  std::shared_ptr<PromptLearner> learner_;
  std::unique_ptr<TrainLoop> loop_;
};

}  // namespace pd::methods
