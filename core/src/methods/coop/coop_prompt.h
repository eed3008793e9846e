#pragma once
// CoOp's prompt layout [SOS][ctx][class tokens][.][EOS] (or class in the middle / front) and the
// text features of all classes for given context vectors, in reference or fast mode.
#include <ATen/ATen.h>

#include <vector>

#include "promptdesk/coop.h"

namespace pd::models {
class ClipModel;
}

namespace pd::methods {

// Tokenised prompts "X ... X {class}." (n_ctx placeholders): tokens (C, L) int64; EOT = argmax.
struct ClassPrompts {
  at::Tensor tokens;
  int nCtx = 0;
};

class PromptLayout {
 public:
  PromptLayout(models::ClipModel& model, const ClassPrompts& prompts, ClassTokenPosition position);

  int classes() const { return static_cast<int>(eot_.size(0)); }
  int nCtx() const { return nCtx_; }
  const at::Tensor& eot() const { return eot_; }
  ClassTokenPosition position() const { return position_; }

  // Full (C, L, D) prompt embeddings for context (n_ctx, D) or class-specific (C, n_ctx, D).
  at::Tensor assemble(const at::Tensor& ctx) const;
  // Text features (C, E) (reference: all L positions; fast: shared prefix / truncated).
  at::Tensor textFeatures(const at::Tensor& ctx, bool fast) const;
  // Per-image context (B, n_ctx, D) -> text features (B, C, E) (CoCoOp). Reference: one pass per
  // image over all L positions; fast: one batched pass, each image's prefix shared by its classes.
  at::Tensor textFeaturesPerImage(const at::Tensor& ctxB, bool fast) const;

 private:
  models::ClipModel& model_;
  ClassTokenPosition position_;
  int nCtx_ = 0;
  at::Tensor tokens_, eot_;  // (C, L), (C)
  at::Tensor sos_;           // (D) start-of-text embedding
  at::Tensor suffix_;        // (C, L-1-n_ctx, D): embeddings after the placeholders
  std::vector<int> nameLens_;
};

// logit_scale.exp() * cos(image, text): image (B, E), text (C, E) -> (B, C); or text (B, C, E).
at::Tensor clipLogits(const at::Tensor& logitScale, const at::Tensor& image,
                      const at::Tensor& text);

}  // namespace pd::methods
