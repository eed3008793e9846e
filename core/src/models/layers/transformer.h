#pragma once
// The one set of transformer layers every model family is built from (CLIP's text tower and ViT,
// BERT, RoBERTa, GPT-2): self-attention with an additive causal and/or padding mask and optional
// per-layer prefix keys/values, an MLP with its activation chosen by name, and a residual block
// with the LayerNorm before (pre-LN: CLIP, GPT-2) or after (post-LN: BERT, RoBERTa) each sublayer.
// Batch-first (N, L, D). Attribute names are the layers' own (CLIP's OpenAI names):
//   attn.in_proj_weight (3D, D), attn.in_proj_bias (3D), attn.out_proj, ln_1, mlp.c_fc,
//   mlp.c_proj, ln_2, stacked as resblocks.<i>.
// Each family binds its checkpoint's names onto these (models/layers/binding.h): BERT's separate
// query/key/value are concatenated into in_proj_*, GPT-2's Conv1D weights are transposed.
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <functional>
#include <string>
#include <utility>

namespace pd::models {

enum class Activation {
  QuickGelu,  // x * sigmoid(1.702 x) (OpenAI CLIP)
  Gelu,       // exact erf GELU (BERT, RoBERTa: "gelu")
  GeluTanh,   // 0.5x(1+tanh(sqrt(2/pi)(x+0.044715x^3))) (GPT-2: "gelu_new")
  Relu,
};
// By the names Hugging Face configs use: "gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast"
// (= tanh form), "quick_gelu", "relu". Throws pd::Error naming `where` for any other name.
Activation activationByName(const std::string& name, const std::string& where);
at::Tensor activate(Activation a, const at::Tensor& x);

// x * sigmoid(1.702 x), as in OpenAI's CLIP.
at::Tensor quickGelu(const at::Tensor& x);

// LayerNorm computed in float32 whatever the input dtype (OpenAI's LayerNorm subclass).
at::Tensor layerNormFp32(const torch::nn::LayerNorm& ln, const at::Tensor& x);

// Additive causal mask (L, L): 0 on and below the diagonal, -inf above.
at::Tensor causalMask(std::int64_t length, const at::TensorOptions& options);

// Additive mask (N, Lq, Lk) for text models: 0 where a query may attend to a key, the most
// negative float32 elsewhere (HF's finfo.min; finite, so a row with every key masked stays
// finite). keyMask (N, Lk): 1 = real token, 0 = padding (any integer or float dtype). `causal`:
// query i (the last Lq of the Lk positions) sees keys up to its own position. `prefixLength`
// leading keys (prefix-tuning's virtual keys, not in keyMask) are always visible.
at::Tensor textAttentionMask(const at::Tensor& keyMask, std::int64_t queryLength, bool causal,
                             std::int64_t prefixLength = 0);

struct BlockOptions {
  std::int64_t width = 0, heads = 0;
  std::int64_t mlpWidth = 0;  // 0: 4 * width
  Activation activation = Activation::QuickGelu;
  double eps = 1e-5;
  bool preNorm = true;  // false: post-LN (BERT)
};

// Per-layer prefix keys and values (prefix-tuning, P-Tuning v2): (N, H, P, head_dim) each,
// prepended to the layer's own keys and values. Undefined tensors: none.
struct PrefixKV {
  at::Tensor key, value;
  bool defined() const { return key.defined(); }
};

// nn.MultiheadAttention equivalent for self-attention: in_proj_weight (3D, D), in_proj_bias (3D),
// out_proj (Linear D -> D). Works with autograd (no in-place ops on saved tensors).
struct MultiheadAttentionImpl : torch::nn::Module {
  MultiheadAttentionImpl(std::int64_t width, std::int64_t heads);
  // x: (N, L, D); mask: additive, (L, Lk) or (N, L, Lk) (Lk = P + L with a prefix), or undefined.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& mask, const PrefixKV& prefix = {});
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
  MlpImpl(std::int64_t width, std::int64_t hidden, Activation activation);
  at::Tensor forward(const at::Tensor& x);  // c_proj(act(c_fc(x)))
  torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};
  Activation activation;
};
TORCH_MODULE(Mlp);

// A function applied to a sublayer's output (N, L, D) -> (N, L, D) before the residual add
// (Houlsby adapters). Empty: none.
using SublayerAdapter = std::function<at::Tensor(const at::Tensor&)>;

struct ResidualAttentionBlockImpl : torch::nn::Module {
  explicit ResidualAttentionBlockImpl(const BlockOptions& options);
  // pre-LN:  y = x + A(attn(ln_1(x)));  out = y + M(mlp(ln_2(y)))
  // post-LN: y = ln_1(x + A(attn(x)));  out = ln_2(y + M(mlp(y)))
  // A = attnOutputAdapter, M = mlpOutputAdapter (identity when unset, at no cost).
  at::Tensor forward(const at::Tensor& x, const at::Tensor& mask, const PrefixKV& prefix = {});
  // The block on shared-prefix groups (see MultiheadAttentionImpl::forwardSharedPrefix; pre-LN
  // blocks only).
  std::pair<at::Tensor, at::Tensor> forwardSharedPrefix(const at::Tensor& xp, const at::Tensor& xs,
                                                        const at::Tensor& maskP,
                                                        const at::Tensor& maskS);
  BlockOptions options;
  MultiheadAttention attn{nullptr};
  torch::nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  Mlp mlp{nullptr};
  // Set by a method (adapters) on the output of the attention's out_proj (BERT's
  // attention.output.dense, GPT-2's attn.c_proj) and of the MLP's c_proj (BERT's output.dense,
  // GPT-2's mlp.c_proj); the method that sets them clears them when it goes away. They are not
  // module parameters (the method owns its tensors), so the block's state_dict is unchanged.
  SublayerAdapter attnOutputAdapter, mlpOutputAdapter;
};
TORCH_MODULE(ResidualAttentionBlock);

// `resblocks.<i>` stack.
struct TransformerImpl : torch::nn::Module {
  TransformerImpl(const BlockOptions& options, std::int64_t layers);
  // CLIP's blocks: pre-LN, QuickGELU, eps 1e-5, MLP 4x.
  TransformerImpl(std::int64_t width, std::int64_t layers, std::int64_t heads);
  // `prefixes`: one PrefixKV per layer, or empty.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& mask = {},
                     const std::vector<PrefixKV>& prefixes = {});
  // Every block on shared-prefix groups: (prefix (G, P, D), suffixes (G, C, S, D)).
  std::pair<at::Tensor, at::Tensor> forwardSharedPrefix(const at::Tensor& xp, const at::Tensor& xs,
                                                        const at::Tensor& maskP,
                                                        const at::Tensor& maskS);
  ResidualAttentionBlockImpl& block(std::size_t i);
  std::size_t layers() const { return resblocks->size(); }
  torch::nn::ModuleList resblocks;
};
TORCH_MODULE(Transformer);

}  // namespace pd::models
