#pragma once
// CoCoOp (Zhou et al., "Conditional Prompt Learning for Vision-Language Models"): CoOp's context
// plus a per-image bias from a meta-net, Linear(E, E/16) -> ReLU -> Linear(E/16, D), on the
// normalised image feature.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>

#include "methods/common/clip_prompt_method.h"
#include "methods/common/config.h"
#include "methods/common/train_loop.h"

namespace pd::methods {

struct CocoopConfig {
  int nCtx = 4;
  std::string ctxInit = "a photo of a";
  std::string position = "end";
  TrainOptions train;
};
const ConfigDecl<CocoopConfig>& cocoopConfig();

class CocoopPrompt : public PromptLearner {
 public:
  CocoopPrompt(models::ClipModel& model, const ClassPrompts& prompts, ClassTokenPosition position,
               const at::Tensor& init, std::uint64_t seed);
  at::Tensor logits(const at::Tensor& imageFeatures, bool fast) const override;
  at::Tensor context() const override { return ctx_; }
  const PromptLayout& layout() const override { return layout_; }
  // The meta-net's bias (B, D) for image features (B, E).
  at::Tensor metaBias(const at::Tensor& imageFeatures) const;

 private:
  struct Affine : torch::nn::Module {
    at::Tensor weight, bias;
  };
  models::ClipModel& model_;
  PromptLayout layout_;
  at::Tensor ctx_;
  std::shared_ptr<Affine> linear1_, linear2_;
};

MethodEntry cocoopMethod();

}  // namespace pd::methods
