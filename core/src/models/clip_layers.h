#pragma once
// Building blocks of OpenAI's CLIP, batch-first (N, L, D). Attribute names mirror the OpenAI
// state-dict keys (attn.in_proj_weight, attn.out_proj, ln_1, mlp.c_fc, mlp.c_proj, ln_2).
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <utility>

namespace pd::models {

// x * sigmoid(1.702 x), as in OpenAI's CLIP.
at::Tensor quickGelu(const at::Tensor& x);

// LayerNorm computed in float32 whatever the input dtype (OpenAI's LayerNorm subclass).
at::Tensor layerNormFp32(const torch::nn::LayerNorm& ln, const at::Tensor& x);

// Additive causal mask (L, L): 0 on and below the diagonal, -inf above.
at::Tensor causalMask(std::int64_t length, const at::TensorOptions& options);

// nn.MultiheadAttention equivalent for self-attention: in_proj_weight (3D, D), in_proj_bias (3D),
// out_proj (Linear D -> D). Works with autograd (no in-place ops on saved tensors).
struct MultiheadAttentionImpl : torch::nn::Module {
  MultiheadAttentionImpl(std::int64_t width, std::int64_t heads);
  // x: (N, L, D); mask: additive (L, L) or undefined.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& mask);
  // Self-attention over groups that share a prefix (CoOp's fast path): xp (G, P, D) are the
  // prefix rows of each group, xs (G, C, S, D) the C suffixes that follow it. Prefix rows attend
  // to the prefix (maskP, (P, P)); suffix rows attend to [prefix; own suffix] (maskS, (S, S),
  // within the suffix). With causal masks this equals forward() on each full row [prefix; suffix]
  // while the prefix is computed once per group. Returns (out_p (G, P, D), out_s (G, C, S, D)).
  std::pair<at::Tensor, at::Tensor> forwardSharedPrefix(const at::Tensor& xp, const at::Tensor& xs,
                                                        const at::Tensor& maskP,
                                                        const at::Tensor& maskS);

  std::int64_t width, heads;
  at::Tensor in_proj_weight, in_proj_bias;
  torch::nn::Linear out_proj{nullptr};
};
TORCH_MODULE(MultiheadAttention);

struct MlpImpl : torch::nn::Module {
  explicit MlpImpl(std::int64_t width);
  at::Tensor forward(const at::Tensor& x);  // c_proj(quickGelu(c_fc(x)))
  torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};
};
TORCH_MODULE(Mlp);

struct ResidualAttentionBlockImpl : torch::nn::Module {
  ResidualAttentionBlockImpl(std::int64_t width, std::int64_t heads);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& mask);
  // The block on shared-prefix groups (see MultiheadAttentionImpl::forwardSharedPrefix).
  std::pair<at::Tensor, at::Tensor> forwardSharedPrefix(const at::Tensor& xp, const at::Tensor& xs,
                                                        const at::Tensor& maskP,
                                                        const at::Tensor& maskS);
  MultiheadAttention attn{nullptr};
  torch::nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(ResidualAttentionBlock);

// `resblocks.<i>` stack.
struct TransformerImpl : torch::nn::Module {
  TransformerImpl(std::int64_t width, std::int64_t layers, std::int64_t heads);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& mask = {});
  // Every block on shared-prefix groups: (prefix (G, P, D), suffixes (G, C, S, D)).
  std::pair<at::Tensor, at::Tensor> forwardSharedPrefix(const at::Tensor& xp, const at::Tensor& xs,
                                                        const at::Tensor& maskP,
                                                        const at::Tensor& maskS);
  torch::nn::ModuleList resblocks;
};
TORCH_MODULE(Transformer);

}  // namespace pd::models
