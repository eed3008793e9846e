#include "methods/coop/coop_prompt.h"

#include "models/clip/clip_model.h"
#include "promptdesk/error.h"

namespace pd::methods {

PromptLayout::PromptLayout(models::ClipModel& model, const ClassPrompts& prompts,
                           ClassTokenPosition position)
    : model_(model), position_(position), nCtx_(prompts.nCtx), tokens_(prompts.tokens) {
  if (tokens_.dim() != 2 || tokens_.size(0) < 1) throw pd::Error("prompt tokens must be (C, L)");
  if (tokens_.size(1) != model.contextLength())
    throw pd::Error("prompt length " + std::to_string(tokens_.size(1)) +
                    " != model context length " + std::to_string(model.contextLength()));
  eot_ = tokens_.argmax(-1);
  const int64_t l = tokens_.size(1);
  auto emb = at::embedding(model.tokenEmbedding(), tokens_).detach();  // (C, L, D)
  sos_ = emb[0][0];
  suffix_ = emb.narrow(1, 1 + nCtx_, l - 1 - nCtx_).contiguous();
  auto eotAcc = eot_.accessor<int64_t, 1>();
  for (int64_t c = 0; c < eot_.size(0); ++c) {
    // "X..X name." : EOT = 1 + n_ctx + nameLen + 1 (the full stop).
    const int64_t nameLen = eotAcc[c] - nCtx_ - 2;
    if (nameLen < 0)
      throw pd::Error("prompt shorter than its context", "class " + std::to_string(c));
    nameLens_.push_back(static_cast<int>(nameLen));
  }
}

at::Tensor PromptLayout::assemble(const at::Tensor& ctx) const {
  const int64_t c = classes(), d = sos_.size(0);
  at::Tensor ctxC = ctx.dim() == 2 ? ctx.unsqueeze(0).expand({c, nCtx_, d}) : ctx;
  auto sos = sos_.view({1, 1, d}).expand({c, 1, d});
  if (position_ == ClassTokenPosition::End) return at::cat({sos, ctxC, suffix_}, 1);
  std::vector<at::Tensor> rows;
  const int half = nCtx_ / 2;
  for (int64_t i = 0; i < c; ++i) {
    const int64_t n = nameLens_[i];
    auto cls = suffix_[i].narrow(0, 0, n);
    auto rest = suffix_[i].narrow(0, n, suffix_.size(1) - n);
    auto ci = ctxC[i];
    std::vector<at::Tensor> parts{sos[i]};
    if (position_ == ClassTokenPosition::Middle) {
      parts.insert(parts.end(), {ci.narrow(0, 0, half), cls, ci.narrow(0, half, nCtx_ - half)});
    } else {
      parts.insert(parts.end(), {cls, ci});
    }
    parts.push_back(rest);
    rows.push_back(at::cat(parts, 0));
  }
  return at::stack(rows, 0);
}

at::Tensor PromptLayout::textFeatures(const at::Tensor& ctx, bool fast) const {
  if (!fast) return model_.encode_text_embeddings(assemble(ctx), eot_, false);
  if (position_ == ClassTokenPosition::End && ctx.dim() == 2) {
    const int64_t p = 1 + nCtx_, s = eot_.max().item<int64_t>() + 1 - p, d = sos_.size(0);
    auto prefix = at::cat({sos_.view({1, d}), ctx}, 0).unsqueeze(0);  // (1, P, D)
    auto suffix = suffix_.narrow(1, 0, s).unsqueeze(0);               // (1, C, S, D)
    return model_.encode_text_shared_prefix(prefix, suffix, eot_.unsqueeze(0)).squeeze(0);
  }
  // Class-specific context or the class inside the prompt: nothing shared, stop at the last EOT.
  return model_.encode_text_embeddings(assemble(ctx), eot_, true);
}

at::Tensor PromptLayout::textFeaturesPerImage(const at::Tensor& ctxB, bool fast) const {
  const int64_t b = ctxB.size(0), c = classes(), d = sos_.size(0);
  if (!fast) {
    std::vector<at::Tensor> out;
    for (int64_t i = 0; i < b; ++i) out.push_back(textFeatures(ctxB[i], false));
    return at::stack(out, 0);
  }
  if (position_ == ClassTokenPosition::End) {
    const int64_t p = 1 + nCtx_, s = eot_.max().item<int64_t>() + 1 - p;
    auto prefix = at::cat({sos_.view({1, 1, d}).expand({b, 1, d}), ctxB}, 1);  // (B, P, D)
    auto suffix = suffix_.narrow(1, 0, s).unsqueeze(0).expand({b, c, s, d});
    return model_.encode_text_shared_prefix(prefix, suffix, eot_.unsqueeze(0).expand({b, c}));
  }
  std::vector<at::Tensor> full;
  for (int64_t i = 0; i < b; ++i) full.push_back(assemble(ctxB[i]));
  auto x = at::cat(full, 0);  // (B*C, L, D)
  return model_.encode_text_embeddings(x, eot_.repeat({b}), true).view({b, c, -1});
}

at::Tensor clipLogits(const at::Tensor& logitScale, const at::Tensor& image,
                      const at::Tensor& text) {
  auto im = image / image.norm(2, -1, true);
  auto tx = text / text.norm(2, -1, true);
  auto scale = logitScale.exp();
  if (tx.dim() == 2) return scale * at::matmul(im, tx.t());
  return scale * at::matmul(tx, im.unsqueeze(-1)).squeeze(-1);  // (B, C)
}

}  // namespace pd::methods
