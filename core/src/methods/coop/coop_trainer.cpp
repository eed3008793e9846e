#include "methods/coop/coop_trainer.h"

#include "models/clip/clip_model.h"
#include "promptdesk/error.h"

namespace pd::methods {

CoopTrainer::CoopTrainer(models::ClipModel& model, const ClassPrompts& prompts,
                         const CoopSpec& spec, const at::Tensor& ctxInit)
    : model_(model), spec_(spec) {
  if (spec_.conditional && spec_.csc)
    throw pd::Error("CoCoOp uses a unified context (no csc)", "csc");
  spec_.nCtx = prompts.nCtx;
  if (spec_.conditional)
    learner_ = std::make_shared<CocoopPrompt>(model, prompts, spec_.position, ctxInit, spec_.seed);
  else
    learner_ = std::make_shared<CoopPrompt>(model, prompts, spec_.position, spec_.csc, ctxInit,
                                            spec_.seed);
  TrainLoop::Settings s;
  s.lr = spec_.lr;
  s.momentum = spec_.momentum;
  s.weightDecay = spec_.weightDecay;
  s.warmupEpochs = spec_.warmupEpochs;
  s.warmupLr = spec_.warmupLr;
  s.batchSize = spec_.batchSize;
  s.epochs = spec_.epochs > 0 ? spec_.epochs : epochsByShots(spec_.shots);
  s.augment = spec_.augment;
  s.referenceMode = spec_.referenceMode;
  s.seed = spec_.seed;
  auto learner = learner_;
  models::ClipModel* m = &model_;
  loop_ = std::make_unique<TrainLoop>(
      learner_, s, [learner](const at::Tensor& f, bool fast) { return learner->logits(f, fast); },
      [m](const at::Tensor& imgs) { return m->encode_image(imgs, 0); });
}

at::Tensor CoopTrainer::metaBias(const at::Tensor& imageFeatures) const {
  auto* c = dynamic_cast<const CocoopPrompt*>(learner_.get());
  if (!c) throw pd::Error("CoOp has no meta-net", "metaBias");
  return c->metaBias(imageFeatures);
}

nlohmann::json CoopTrainer::specJson() const {
  return {{"method", spec_.conditional ? "cocoop" : "coop"},
          {"n_ctx", spec_.nCtx},
          {"csc", spec_.csc},
          {"position", toString(spec_.position)},
          {"epochs", loop_->epochs()},
          {"seed", spec_.seed}};
}

}  // namespace pd::methods
