#include "models/layers/transformer.h"

#include <cmath>
#include <limits>

#include "promptdesk/error.h"

namespace pd::models {

Activation activationByName(const std::string& name, const std::string& where) {
  if (name == "gelu") return Activation::Gelu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast")
    return Activation::GeluTanh;
  if (name == "quick_gelu") return Activation::QuickGelu;
  if (name == "relu") return Activation::Relu;
  throw Error("activation '" + name +
                  "' is not supported (known: gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, "
                  "quick_gelu, relu)",
              where);
}

at::Tensor quickGelu(const at::Tensor& x) { return x * at::sigmoid(x * 1.702); }

at::Tensor activate(Activation a, const at::Tensor& x) {
  switch (a) {
    case Activation::QuickGelu:
      return quickGelu(x);
    case Activation::Gelu:
      return at::gelu(x);
    case Activation::GeluTanh: {
      // Hugging Face's NewGELUActivation, in its own operation order.
      static const double c = std::sqrt(2.0 / M_PI);
      return 0.5 * x * (1.0 + at::tanh(c * (x + 0.044715 * at::pow(x, 3.0))));
    }
    case Activation::Relu:
      return at::relu(x);
  }
  return x;
}

at::Tensor layerNormFp32(const torch::nn::LayerNorm& ln, const at::Tensor& x) {
  const auto& o = ln->options;
  at::Tensor y =
      at::layer_norm(x.to(at::kFloat), o.normalized_shape(), ln->weight, ln->bias, o.eps());
  return x.scalar_type() == at::kFloat ? y : y.to(x.scalar_type());
}

at::Tensor causalMask(std::int64_t length, const at::TensorOptions& options) {
  return at::full({length, length}, -std::numeric_limits<float>::infinity(), options).triu_(1);
}

at::Tensor textAttentionMask(const at::Tensor& keyMask, std::int64_t queryLength, bool causal,
                             std::int64_t prefixLength) {
  const std::int64_t n = keyMask.size(0), lk = keyMask.size(1) + prefixLength;
  at::Tensor allowed = keyMask.to(at::kBool).view({n, 1, keyMask.size(1)});
  if (prefixLength > 0)
    allowed = at::cat({at::ones({n, 1, prefixLength}, allowed.options()), allowed}, 2);
  allowed = allowed.expand({n, queryLength, lk});
  if (causal) {
    // Query i sits at key position lk - queryLength + i.
    at::Tensor tri = at::ones({queryLength, lk}, allowed.options()).tril(lk - queryLength);
    allowed = allowed.logical_and(tri.unsqueeze(0));
  }
  const float lowest = std::numeric_limits<float>::lowest();
  return at::where(allowed, at::zeros({}, at::kFloat), at::full({}, lowest, at::kFloat))
      .to(at::kFloat);
}

MultiheadAttentionImpl::MultiheadAttentionImpl(std::int64_t w, std::int64_t h)
    : width(w), heads(h) {
  TORCH_CHECK(h > 0 && w % h == 0, "attention width ", w, " is not a multiple of heads ", h);
  in_proj_weight = register_parameter("in_proj_weight", at::empty({3 * w, w}));
  in_proj_bias = register_parameter("in_proj_bias", at::zeros({3 * w}));
  out_proj = register_module("out_proj", torch::nn::Linear(w, w));
  // Same initialisation family as nn.MultiheadAttention (used by random-weight benchmarks).
  const double bound = std::sqrt(6.0 / (4.0 * w));
  torch::NoGradGuard ng;
  in_proj_weight.uniform_(-bound, bound);
  out_proj->bias.zero_();
}

at::Tensor MultiheadAttentionImpl::forward(const at::Tensor& x, const at::Tensor& mask,
                                           const PrefixKV& prefix) {
  const std::int64_t n = x.size(0), len = x.size(1), hd = width / heads;
  // (N, L, 3D) -> (3, N, H, L, hd)
  at::Tensor qkv = at::linear(x, in_proj_weight, in_proj_bias)
                       .view({n, len, 3, heads, hd})
                       .permute({2, 0, 3, 1, 4});
  at::Tensor q = qkv[0].reshape({n * heads, len, hd});
  at::Tensor k, v;
  std::int64_t lk = len;
  if (prefix.defined()) {
    const std::int64_t p = prefix.key.size(2);
    lk = p + len;
    k = at::cat({prefix.key.to(x.scalar_type()), qkv[1]}, 2).reshape({n * heads, lk, hd});
    v = at::cat({prefix.value.to(x.scalar_type()), qkv[2]}, 2).reshape({n * heads, lk, hd});
  } else {
    k = qkv[1].reshape({n * heads, len, hd});
    v = qkv[2].reshape({n * heads, len, hd});
  }
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  at::Tensor scores = at::bmm(q * scale, k.transpose(1, 2));
  if (mask.defined()) {
    if (mask.dim() == 3)  // per-row mask (N, L, Lk), shared by the heads
      scores = (scores.view({n, heads, len, lk}) + mask.unsqueeze(1)).view({n * heads, len, lk});
    else
      scores = scores + mask;
  }
  at::Tensor attn = at::softmax(scores, -1);
  at::Tensor out =
      at::bmm(attn, v).view({n, heads, len, hd}).transpose(1, 2).reshape({n, len, width});
  return out_proj->forward(out);
}

std::pair<at::Tensor, at::Tensor> MultiheadAttentionImpl::forwardSharedPrefix(
    const at::Tensor& xp, const at::Tensor& xs, const at::Tensor& maskP, const at::Tensor& maskS) {
  const std::int64_t g = xp.size(0), p = xp.size(1), c = xs.size(1), s = xs.size(2);
  const std::int64_t hd = width / heads, gh = g * heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  // Prefix rows: an ordinary pass over P positions, once per group. (3, G, H, P, hd)
  at::Tensor qkvP = at::linear(xp, in_proj_weight, in_proj_bias)
                        .view({g, p, 3, heads, hd})
                        .permute({2, 0, 3, 1, 4});
  at::Tensor qP = (qkvP[0] * scale).reshape({gh, p, hd});
  at::Tensor kP = qkvP[1].reshape({gh, p, hd});
  at::Tensor vP = qkvP[2].reshape({gh, p, hd});
  at::Tensor aP = at::bmm(at::softmax(at::bmm(qP, kP.transpose(1, 2)) + maskP, -1), vP)
                      .view({g, heads, p, hd})
                      .transpose(1, 2)
                      .reshape({g, p, width});
  // Suffix rows: keys and values are [prefix; own suffix]. (3, G, H, C, S, hd)
  at::Tensor qkvS = at::linear(xs, in_proj_weight, in_proj_bias)
                        .view({g, c, s, 3, heads, hd})
                        .permute({3, 0, 4, 1, 2, 5});
  at::Tensor qS = qkvS[0] * scale, kS = qkvS[1].reshape({gh * c, s, hd}),
             vS = qkvS[2].reshape({gh * c, s, hd});
  at::Tensor toPrefix =
      at::bmm(qS.reshape({gh, c * s, hd}), kP.transpose(1, 2)).view({g, heads, c, s, p});
  at::Tensor within =
      (at::bmm(qS.reshape({gh * c, s, hd}), kS.transpose(1, 2)) + maskS).view({g, heads, c, s, s});
  at::Tensor att = at::softmax(at::cat({toPrefix, within}, -1), -1);
  at::Tensor aS =
      at::bmm(att.narrow(-1, 0, p).reshape({gh, c * s, p}), vP).view({g, heads, c, s, hd}) +
      at::bmm(att.narrow(-1, p, s).reshape({gh * c, s, s}), vS).view({g, heads, c, s, hd});
  aS = aS.permute({0, 2, 3, 1, 4}).reshape({g, c, s, width});
  return {out_proj->forward(aP), out_proj->forward(aS)};
}

MlpImpl::MlpImpl(std::int64_t w, std::int64_t hidden, Activation a) : activation(a) {
  c_fc = register_module("c_fc", torch::nn::Linear(w, hidden));
  c_proj = register_module("c_proj", torch::nn::Linear(hidden, w));
}

at::Tensor MlpImpl::forward(const at::Tensor& x) {
  return c_proj->forward(activate(activation, c_fc->forward(x)));
}

namespace {
torch::nn::LayerNorm layerNorm(std::int64_t w, double eps) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({w}).eps(eps));
}
}  // namespace

ResidualAttentionBlockImpl::ResidualAttentionBlockImpl(const BlockOptions& o) : options(o) {
  const std::int64_t w = o.width;
  attn = register_module("attn", MultiheadAttention(w, o.heads));
  ln_1 = register_module("ln_1", layerNorm(w, o.eps));
  mlp = register_module("mlp", Mlp(w, o.mlpWidth > 0 ? o.mlpWidth : 4 * w, o.activation));
  ln_2 = register_module("ln_2", layerNorm(w, o.eps));
}

at::Tensor ResidualAttentionBlockImpl::forward(const at::Tensor& x, const at::Tensor& mask,
                                               const PrefixKV& prefix) {
  if (options.preNorm) {
    at::Tensor a = attn->forward(layerNormFp32(ln_1, x), mask, prefix);
    if (attnOutputAdapter) a = attnOutputAdapter(a);
    at::Tensor y = x + a;
    at::Tensor m = mlp->forward(layerNormFp32(ln_2, y));
    if (mlpOutputAdapter) m = mlpOutputAdapter(m);
    return y + m;
  }
  at::Tensor a = attn->forward(x, mask, prefix);
  if (attnOutputAdapter) a = attnOutputAdapter(a);
  at::Tensor y = layerNormFp32(ln_1, x + a);
  at::Tensor m = mlp->forward(y);
  if (mlpOutputAdapter) m = mlpOutputAdapter(m);
  return layerNormFp32(ln_2, y + m);
}

std::pair<at::Tensor, at::Tensor> ResidualAttentionBlockImpl::forwardSharedPrefix(
    const at::Tensor& xp, const at::Tensor& xs, const at::Tensor& maskP, const at::Tensor& maskS) {
  TORCH_CHECK(options.preNorm, "the shared-prefix path is for pre-LN blocks");
  auto [ap, as] =
      attn->forwardSharedPrefix(layerNormFp32(ln_1, xp), layerNormFp32(ln_1, xs), maskP, maskS);
  if (attnOutputAdapter) ap = attnOutputAdapter(ap), as = attnOutputAdapter(as);
  at::Tensor yp = xp + ap, ys = xs + as;
  at::Tensor mp = mlp->forward(layerNormFp32(ln_2, yp)), ms = mlp->forward(layerNormFp32(ln_2, ys));
  if (mlpOutputAdapter) mp = mlpOutputAdapter(mp), ms = mlpOutputAdapter(ms);
  return {yp + mp, ys + ms};
}

TransformerImpl::TransformerImpl(const BlockOptions& o, std::int64_t layers) {
  resblocks = register_module("resblocks", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < layers; ++i) resblocks->push_back(ResidualAttentionBlock(o));
}

TransformerImpl::TransformerImpl(std::int64_t w, std::int64_t layers, std::int64_t h)
    : TransformerImpl(BlockOptions{w, h, 4 * w, Activation::QuickGelu, 1e-5, true}, layers) {}

ResidualAttentionBlockImpl& TransformerImpl::block(std::size_t i) {
  return *resblocks[i]->as<ResidualAttentionBlockImpl>();
}

at::Tensor TransformerImpl::forward(const at::Tensor& x, const at::Tensor& mask,
                                    const std::vector<PrefixKV>& prefixes) {
  TORCH_CHECK(prefixes.empty() || prefixes.size() == resblocks->size(),
              "one prefix key/value pair per layer is needed");
  at::Tensor y = x;
  for (std::size_t i = 0; i < resblocks->size(); ++i)
    y = block(i).forward(y, mask, prefixes.empty() ? PrefixKV{} : prefixes[i]);
  return y;
}

std::pair<at::Tensor, at::Tensor> TransformerImpl::forwardSharedPrefix(const at::Tensor& xp,
                                                                       const at::Tensor& xs,
                                                                       const at::Tensor& maskP,
                                                                       const at::Tensor& maskS) {
  std::pair<at::Tensor, at::Tensor> y{xp, xs};
  for (std::size_t i = 0; i < resblocks->size(); ++i)
    y = block(i).forwardSharedPrefix(y.first, y.second, maskP, maskS);
  return y;
}

}  // namespace pd::models
