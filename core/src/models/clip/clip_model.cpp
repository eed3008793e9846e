#include "models/clip/clip_model.h"

#include <cmath>

#include "promptdesk/error.h"

namespace pd::models {

ClipModel::ClipModel(const ClipArchitecture& arch) : arch_(arch) {
  const auto& a = arch_;
  if (a.visionIsResNet)
    visual = register_module("visual", std::make_shared<ModifiedResNet>(a));
  else
    visual = register_module("visual", std::make_shared<VisionTransformer>(a));
  const std::int64_t w = a.transformerWidth;
  transformer =
      register_module("transformer", Transformer(w, a.transformerLayers, a.transformerHeads));
  token_embedding = register_module("token_embedding", torch::nn::Embedding(a.vocabSize, w));
  positional_embedding =
      register_parameter("positional_embedding", at::randn({a.contextLength, w}) * 0.01);
  ln_final =
      register_module("ln_final", torch::nn::LayerNorm(torch::nn::LayerNormOptions({w}).eps(1e-5)));
  text_projection = register_parameter(
      "text_projection", at::randn({w, a.embedDim}) / std::sqrt(static_cast<double>(w)));
  logit_scale = register_parameter("logit_scale", at::full({}, std::log(1.0 / 0.07)));
  {
    torch::NoGradGuard ng;
    token_embedding->weight.normal_(0.0, 0.02);
  }
  for (auto& p : parameters()) p.set_requires_grad(false);
  eval();
}

at::Tensor ClipModel::encode_image(const at::Tensor& images, std::int64_t batchSize) {
  const std::int64_t r = arch_.imageResolution;
  if (images.dim() != 4 || images.size(1) != 3 || images.size(2) != r || images.size(3) != r)
    throw pd::Error("images must have shape (N, 3, " + std::to_string(r) + ", " +
                        std::to_string(r) + "), got " + shapeString(images.sizes().vec()),
                    "encode_image");
  torch::NoGradGuard ng;
  at::Tensor x = images.to(at::kFloat).contiguous();
  const std::int64_t n = x.size(0);
  if (n == 0) return at::empty({0, arch_.embedDim});
  if (batchSize <= 0 || n <= batchSize) return visual->forward(x);
  std::vector<at::Tensor> parts;
  for (std::int64_t i = 0; i < n; i += batchSize)
    parts.push_back(visual->forward(x.narrow(0, i, std::min(batchSize, n - i))));
  return at::cat(parts, 0);
}

at::Tensor ClipModel::eot_index(const at::Tensor& tokens) { return tokens.argmax(-1); }

namespace {
// Validates (M, L) integer token ids against the architecture; returns them as int64.
at::Tensor checkedTokens(const ClipArchitecture& a, const at::Tensor& tokens) {
  if (tokens.dim() != 2 || tokens.size(1) > a.contextLength || tokens.size(1) < 1)
    throw pd::Error(
        "tokens must have shape (M, L) with 1 <= L <= " + std::to_string(a.contextLength) +
            ", got " + shapeString(tokens.sizes().vec()),
        "text tokens");
  if (at::isFloatingType(tokens.scalar_type()) || tokens.scalar_type() == at::kBool)
    throw pd::Error("tokens must be integers", "text tokens");
  at::Tensor t = tokens.to(at::kLong);
  if (t.numel() > 0) {
    const std::int64_t lo = t.min().item<std::int64_t>(), hi = t.max().item<std::int64_t>();
    if (lo < 0 || hi >= a.vocabSize)
      throw pd::Error("token id " + std::to_string(lo < 0 ? lo : hi) + " outside the vocabulary (" +
                          std::to_string(a.vocabSize) + " ids)",
                      "text tokens");
  }
  return t;
}
}  // namespace

at::Tensor ClipModel::token_embeddings(const at::Tensor& tokens) const {
  return at::embedding(token_embedding->weight, checkedTokens(arch_, tokens));
}

at::Tensor ClipModel::encodeTextChunk(const at::Tensor& tokens, bool truncate) {
  at::Tensor eot = eot_index(tokens);
  at::Tensor t = tokens;
  if (truncate) t = tokens.narrow(1, 0, eot.max().item<std::int64_t>() + 1);
  return encode_text_embeddings(at::embedding(token_embedding->weight, t), eot, false);
}

at::Tensor ClipModel::encode_text(const at::Tensor& tokens, std::int64_t batchSize, bool truncate) {
  torch::NoGradGuard ng;
  at::Tensor t = checkedTokens(arch_, tokens);
  const std::int64_t n = t.size(0);
  if (n == 0) return at::empty({0, arch_.embedDim});
  if (batchSize <= 0 || n <= batchSize) return encodeTextChunk(t, truncate);
  std::vector<at::Tensor> parts;
  for (std::int64_t i = 0; i < n; i += batchSize)
    parts.push_back(encodeTextChunk(t.narrow(0, i, std::min(batchSize, n - i)), truncate));
  return at::cat(parts, 0);
}

at::Tensor ClipModel::encode_text_embeddings(const at::Tensor& promptEmbeddings,
                                             const at::Tensor& eotIndex, bool truncate) {
  const std::int64_t w = arch_.transformerWidth;
  if (promptEmbeddings.dim() != 3 || promptEmbeddings.size(2) != w ||
      promptEmbeddings.size(1) < 1 || promptEmbeddings.size(1) > arch_.contextLength)
    throw pd::Error("prompt embeddings must have shape (M, L, " + std::to_string(w) +
                        ") with L <= " + std::to_string(arch_.contextLength) + ", got " +
                        shapeString(promptEmbeddings.sizes().vec()),
                    "encode_text_embeddings");
  const std::int64_t n = promptEmbeddings.size(0);
  if (eotIndex.dim() != 1 || eotIndex.size(0) != n || at::isFloatingType(eotIndex.scalar_type()))
    throw pd::Error("eotIndex must be (M,) integers with M = " + std::to_string(n),
                    "encode_text_embeddings");
  at::Tensor eot = eotIndex.to(at::kLong);
  std::int64_t len = promptEmbeddings.size(1);
  if (n > 0) {
    const std::int64_t lo = eot.min().item<std::int64_t>(), hi = eot.max().item<std::int64_t>();
    if (lo < 0 || hi >= len)
      throw pd::Error("EOT index " + std::to_string(lo < 0 ? lo : hi) + " outside 0.." +
                          std::to_string(len - 1),
                      "encode_text_embeddings");
    if (truncate) len = hi + 1;
  }
  at::Tensor x =
      promptEmbeddings.narrow(1, 0, len).to(at::kFloat) + positional_embedding.narrow(0, 0, len);
  x = transformer->forward(x, causalMask(len, x.options().requires_grad(false)));
  // Only the EOT rows are used: select them first (ln_final is per position).
  at::Tensor rows = at::arange(n, eot.options()) * len + eot;
  x = x.reshape({n * len, w}).index_select(0, rows);
  return at::matmul(layerNormFp32(ln_final, x), text_projection);
}

at::Tensor ClipModel::encode_text_shared_prefix(const at::Tensor& prefix, const at::Tensor& suffix,
                                                const at::Tensor& eot) {
  const std::int64_t w = arch_.transformerWidth;
  const char* where = "encode_text_shared_prefix";
  if (prefix.dim() != 3 || prefix.size(2) != w || prefix.size(1) < 1)
    throw pd::Error("prefix must be (G, P, " + std::to_string(w) + "), got " +
                        shapeString(prefix.sizes().vec()),
                    where);
  const std::int64_t g = prefix.size(0), p = prefix.size(1);
  if (suffix.dim() != 4 || suffix.size(0) != g || suffix.size(3) != w || suffix.size(2) < 1)
    throw pd::Error("suffix must be (" + std::to_string(g) + ", C, S, " + std::to_string(w) +
                        "), got " + shapeString(suffix.sizes().vec()),
                    where);
  const std::int64_t c = suffix.size(1), s = suffix.size(2);
  if (p + s > arch_.contextLength)
    throw pd::Error("prefix + suffix = " + std::to_string(p + s) + " positions > context length " +
                        std::to_string(arch_.contextLength),
                    where);
  if (eot.dim() != 2 || eot.size(0) != g || eot.size(1) != c ||
      at::isFloatingType(eot.scalar_type()))
    throw pd::Error("eot must be (G, C) integers, got " + shapeString(eot.sizes().vec()), where);
  at::Tensor rel = (eot.to(at::kLong) - p).reshape({g * c});
  if (g * c > 0) {
    const std::int64_t lo = rel.min().item<std::int64_t>(), hi = rel.max().item<std::int64_t>();
    if (lo < 0 || hi >= s)
      throw pd::Error("EOT position " + std::to_string((lo < 0 ? lo : hi) + p) + " outside the suffix (" +
                          std::to_string(p) + ".." + std::to_string(p + s - 1) + ")",
                      where);
  }
  at::Tensor xp = prefix.to(at::kFloat) + positional_embedding.narrow(0, 0, p);
  at::Tensor xs = suffix.to(at::kFloat) + positional_embedding.narrow(0, p, s);
  const auto maskOptions = xp.options().requires_grad(false);
  auto [yp, ys] = transformer->forwardSharedPrefix(xp, xs, causalMask(p, maskOptions),
                                                   causalMask(s, maskOptions));
  (void)yp;
  at::Tensor rows = at::arange(g * c, rel.options()) * s + rel;
  at::Tensor x = ys.reshape({g * c * s, w}).index_select(0, rows);
  return at::matmul(layerNormFp32(ln_final, x), text_projection).view({g, c, -1});
}

at::Tensor ClipModel::logits(const at::Tensor& imageFeatures,
                             const at::Tensor& textFeatures) const {
  if (imageFeatures.dim() != 2 || textFeatures.dim() != 2 ||
      imageFeatures.size(1) != textFeatures.size(1))
    throw pd::Error("features must be (N, D) and (M, D), got " +
                        shapeString(imageFeatures.sizes().vec()) + " and " +
                        shapeString(textFeatures.sizes().vec()),
                    "logits");
  at::Tensor i = imageFeatures / imageFeatures.norm(2, {-1}, true);
  at::Tensor t = textFeatures / textFeatures.norm(2, {-1}, true);
  return logit_scale.exp() * at::matmul(i, t.t());
}

}  // namespace pd::models
