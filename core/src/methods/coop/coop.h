#pragma once
// CoOp (Zhou et al., "Learning to Prompt for Vision-Language Models"): learned context vectors
// [SOS][ctx x M][class tokens][.][EOS] on CLIP's frozen text tower, unified or class-specific,
// with the class token at the end, in the middle or at the front.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>

#include "methods/common/clip_prompt_method.h"
#include "methods/common/config.h"
#include "methods/common/train_loop.h"

namespace pd::methods {

struct CoopConfig {
  int nCtx = 16;
  std::string ctxInit;
  bool csc = false;
  std::string position = "end";
  TrainOptions train;
};
const ConfigDecl<CoopConfig>& coopConfig();

class CoopPrompt : public PromptLearner {
 public:
  // init: optional (n_ctx, D) embeddings of the init words; else N(0, 0.02) from `seed`.
  CoopPrompt(models::ClipModel& model, const ClassPrompts& prompts, ClassTokenPosition position,
             bool csc, const at::Tensor& init, std::uint64_t seed);
  at::Tensor logits(const at::Tensor& imageFeatures, bool fast) const override;
  at::Tensor context() const override { return ctx_; }
  const PromptLayout& layout() const override { return layout_; }

 private:
  models::ClipModel& model_;
  PromptLayout layout_;
  at::Tensor ctx_;
};

MethodEntry coopMethod();

}  // namespace pd::methods
