#include "methods/clip_towers.h"

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "io/checkpoint.h"
#include "io/safetensors.h"
#include "models/clip_config.h"
#include "promptdesk/error.h"

namespace pd::methods {
namespace {

at::Tensor quickGelu(const at::Tensor& x) { return x * at::sigmoid(1.702 * x); }

at::Tensor ln(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return at::layer_norm(x, {x.size(-1)}, w, b, 1e-5);
}

at::Tensor causalMask(int64_t q, int64_t k, int64_t offset) {
  // Query i (absolute offset+i) may see keys j <= offset + i.
  auto m = at::full({q, k}, -std::numeric_limits<float>::infinity(), at::kFloat);
  return at::triu(m, offset + 1);
}

at::Tensor mlp(const Block& b, const at::Tensor& x) {
  return at::linear(quickGelu(at::linear(ln(x, b.ln2w, b.ln2b), b.fcW, b.fcB)), b.projW, b.projB);
}

Block readBlock(const io::StateDict& sd, const std::string& p) {
  Block b;
  b.ln1w = sd.at(p + "ln_1.weight");
  b.ln1b = sd.at(p + "ln_1.bias");
  b.inW = sd.at(p + "attn.in_proj_weight");
  b.inB = sd.at(p + "attn.in_proj_bias");
  b.outW = sd.at(p + "attn.out_proj.weight");
  b.outB = sd.at(p + "attn.out_proj.bias");
  b.ln2w = sd.at(p + "ln_2.weight");
  b.ln2b = sd.at(p + "ln_2.bias");
  b.fcW = sd.at(p + "mlp.c_fc.weight");
  b.fcB = sd.at(p + "mlp.c_fc.bias");
  b.projW = sd.at(p + "mlp.c_proj.weight");
  b.projB = sd.at(p + "mlp.c_proj.bias");
  return b;
}

int countBlocks(const io::StateDict& sd, const std::string& prefix) {
  int n = 0;
  while (sd.has(prefix + std::to_string(n) + ".ln_1.weight")) ++n;
  return n;
}

Block randomBlock(int d, double std) {
  auto o = at::TensorOptions().dtype(at::kFloat);
  Block b;
  b.ln1w = at::ones({d}, o);
  b.ln1b = at::zeros({d}, o);
  b.inW = at::randn({3 * d, d}, o) * std;
  b.inB = at::zeros({3 * d}, o);
  b.outW = at::randn({d, d}, o) * std;
  b.outB = at::zeros({d}, o);
  b.ln2w = at::ones({d}, o);
  b.ln2b = at::zeros({d}, o);
  b.fcW = at::randn({4 * d, d}, o) * std;
  b.fcB = at::zeros({4 * d}, o);
  b.projW = at::randn({d, 4 * d}, o) * std;
  b.projB = at::zeros({d}, o);
  return b;
}

}  // namespace

at::Tensor blockForward(const Block& b, const at::Tensor& x, int heads, bool causal) {
  const int64_t n = x.size(0), l = x.size(1), d = x.size(2), hd = d / heads;
  auto qkv = at::linear(ln(x, b.ln1w, b.ln1b), b.inW, b.inB).view({n, l, 3, heads, hd});
  qkv = qkv.permute({2, 0, 3, 1, 4});  // (3, N, H, L, hd)
  auto q = qkv[0] * (1.0 / std::sqrt(static_cast<double>(hd)));
  auto scores = at::matmul(q, qkv[1].transpose(-1, -2));
  if (causal) scores = scores + causalMask(l, l, 0);
  auto a = at::matmul(at::softmax(scores, -1), qkv[2]);  // (N, H, L, hd)
  a = a.permute({0, 2, 1, 3}).reshape({n, l, d});
  auto y = x + at::linear(a, b.outW, b.outB);
  return y + mlp(b, y);
}

ClipTowers towersFromStateDict(const io::StateDict& sd, int textHeads, int visionHeads) {
  ClipTowers t;
  t.tokenEmbedding = sd.at("token_embedding.weight");
  t.positionalEmbedding = sd.at("positional_embedding");
  const int nText = countBlocks(sd, "transformer.resblocks.");
  if (nText == 0) throw pd::Error("no text transformer blocks", sd.source);
  for (int i = 0; i < nText; ++i)
    t.textBlocks.push_back(readBlock(sd, "transformer.resblocks." + std::to_string(i) + "."));
  t.lnFinalW = sd.at("ln_final.weight");
  t.lnFinalB = sd.at("ln_final.bias");
  t.textProjection = sd.at("text_projection");
  t.logitScale = sd.at("logit_scale").reshape({});
  t.textHeads = textHeads > 0 ? textHeads : std::max(1, t.width() / 64);
  if (t.width() % t.textHeads != 0) throw pd::Error("text width not divisible by heads", sd.source);
  if (sd.has("visual.conv1.weight") && sd.has("visual.class_embedding")) {
    t.hasVit = true;
    t.conv1W = sd.at("visual.conv1.weight");
    t.classEmbedding = sd.at("visual.class_embedding");
    t.visPos = sd.at("visual.positional_embedding");
    t.lnPreW = sd.at("visual.ln_pre.weight");
    t.lnPreB = sd.at("visual.ln_pre.bias");
    t.lnPostW = sd.at("visual.ln_post.weight");
    t.lnPostB = sd.at("visual.ln_post.bias");
    t.visProj = sd.at("visual.proj");
    const int nVis = countBlocks(sd, "visual.transformer.resblocks.");
    for (int i = 0; i < nVis; ++i)
      t.visBlocks.push_back(
          readBlock(sd, "visual.transformer.resblocks." + std::to_string(i) + "."));
    const int vw = static_cast<int>(t.conv1W.size(0));
    t.visHeads = visionHeads > 0 ? visionHeads : std::max(1, vw / 64);
    t.patch = static_cast<int>(t.conv1W.size(-1));
    const int grid = static_cast<int>(std::lround(std::sqrt(t.visPos.size(0) - 1)));
    t.resolution = grid * t.patch;
  }
  return t;
}

ClipTowers loadTowers(const std::string& modelPath) {
  // The same reader and architecture rules as the CLIP model (any format, config.json overrides).
  io::LoadedCheckpoint ckpt = io::readCheckpoint(modelPath);
  ClipArchitecture arch = models::inferClipArchitecture(models::shapesOf(ckpt.weights), modelPath);
  models::applyClipConfig(arch, io::checkpointConfig(ckpt), modelPath);
  return towersFromStateDict(ckpt.weights, static_cast<int>(arch.transformerHeads),
                             static_cast<int>(arch.visionHeads));
}

ClipTowers randomTowers(int textWidth, int textLayers, int textHeads, int embedDim, int visWidth,
                        int visLayers, int patch, int resolution, std::uint64_t seed) {
  at::manual_seed(seed);
  auto o = at::TensorOptions().dtype(at::kFloat);
  ClipTowers t;
  t.tokenEmbedding = at::randn({49408, textWidth}, o) * 0.02;
  t.positionalEmbedding = at::randn({77, textWidth}, o) * 0.01;
  for (int i = 0; i < textLayers; ++i) t.textBlocks.push_back(randomBlock(textWidth, 0.02));
  t.lnFinalW = at::ones({textWidth}, o);
  t.lnFinalB = at::zeros({textWidth}, o);
  t.textProjection = at::randn({textWidth, embedDim}, o) * std::pow(textWidth, -0.5);
  t.textHeads = textHeads;
  t.logitScale = at::tensor(std::log(100.0f), o).reshape({});
  if (visLayers > 0) {
    t.hasVit = true;
    const int grid = resolution / patch;
    t.conv1W = at::randn({visWidth, 3, patch, patch}, o) * 0.02;
    t.classEmbedding = at::randn({visWidth}, o) * 0.02;
    t.visPos = at::randn({grid * grid + 1, visWidth}, o) * 0.01;
    t.lnPreW = at::ones({visWidth}, o);
    t.lnPreB = at::zeros({visWidth}, o);
    t.lnPostW = at::ones({visWidth}, o);
    t.lnPostB = at::zeros({visWidth}, o);
    t.visProj = at::randn({visWidth, embedDim}, o) * std::pow(visWidth, -0.5);
    for (int i = 0; i < visLayers; ++i) t.visBlocks.push_back(randomBlock(visWidth, 0.02));
    t.visHeads = std::max(1, visWidth / 64);
    t.patch = patch;
    t.resolution = resolution;
  }
  return t;
}

at::Tensor encodeTextEmbeddings(const ClipTowers& t, const at::Tensor& x, const at::Tensor& eot,
                                bool truncate) {
  int64_t len = x.size(1);
  if (truncate) len = std::min<int64_t>(len, eot.max().item<int64_t>() + 1);
  auto h = x.narrow(1, 0, len) + t.positionalEmbedding.narrow(0, 0, len);
  for (const auto& b : t.textBlocks) h = blockForward(b, h, t.textHeads, true);
  auto rows = h.index({at::arange(h.size(0), at::kLong), eot});  // (N, D)
  return at::matmul(ln(rows, t.lnFinalW, t.lnFinalB), t.textProjection);
}

at::Tensor encodeTextSharedPrefix(const ClipTowers& t, const at::Tensor& prefix,
                                  const at::Tensor& suffix, const at::Tensor& eot) {
  const int64_t g = prefix.size(0), p = prefix.size(1), d = prefix.size(2);
  const int64_t c = suffix.size(1), s = suffix.size(2);
  const int64_t heads = t.textHeads, hd = d / heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  auto xp = prefix + t.positionalEmbedding.narrow(0, 0, p);
  auto xs = suffix + t.positionalEmbedding.narrow(0, p, s);
  const auto maskP = causalMask(p, p, 0);
  const auto maskS = causalMask(s, s, 0);
  for (const auto& b : t.textBlocks) {
    // Prefix rows: an ordinary causal pass over P positions, once per group.
    auto qkvP = at::linear(ln(xp, b.ln1w, b.ln1b), b.inW, b.inB).view({g, p, 3, heads, hd});
    qkvP = qkvP.permute({2, 0, 3, 1, 4});  // (3, G, H, P, hd)
    auto qP = qkvP[0] * scale, kP = qkvP[1], vP = qkvP[2];
    auto aP = at::matmul(at::softmax(at::matmul(qP, kP.transpose(-1, -2)) + maskP, -1), vP);
    aP = aP.permute({0, 2, 1, 3}).reshape({g, p, d});
    // Suffix rows: keys/values = [prefix; suffix], causal within the suffix.
    auto qkvS = at::linear(ln(xs, b.ln1w, b.ln1b), b.inW, b.inB).view({g, c, s, 3, heads, hd});
    qkvS = qkvS.permute({3, 0, 4, 1, 2, 5});  // (3, G, H, C, S, hd)
    auto qS = qkvS[0] * scale, kS = qkvS[1], vS = qkvS[2];
    auto scP = at::matmul(qS.reshape({g, heads, c * s, hd}), kP.transpose(-1, -2))
                   .view({g, heads, c, s, p});
    auto scS = at::matmul(qS, kS.transpose(-1, -2)) + maskS;  // (G, H, C, S, S)
    auto att = at::softmax(at::cat({scP, scS}, -1), -1);
    auto attP = att.narrow(-1, 0, p), attS = att.narrow(-1, p, s);
    auto aS = at::matmul(attP.reshape({g, heads, c * s, p}), vP).view({g, heads, c, s, hd}) +
              at::matmul(attS, vS);
    aS = aS.permute({0, 2, 3, 1, 4}).reshape({g, c, s, d});
    xp = xp + at::linear(aP, b.outW, b.outB);
    xp = xp + mlp(b, xp);
    xs = xs + at::linear(aS, b.outW, b.outB);
    xs = xs + mlp(b, xs);
  }
  auto rel = (eot - p).reshape({g * c});
  auto flat = xs.reshape({g * c, s, d});
  auto rows = flat.index({at::arange(g * c, at::kLong), rel});
  return at::matmul(ln(rows, t.lnFinalW, t.lnFinalB), t.textProjection).view({g, c, -1});
}

at::Tensor encodeImage(const ClipTowers& t, const at::Tensor& images) {
  if (t.imageEncoder) return t.imageEncoder(images);
  if (!t.hasVit) throw pd::Error("model has no ViT image tower");
  const int64_t n = images.size(0);
  auto x = at::conv2d(images, t.conv1W, {}, t.patch);  // (N, W, g, g)
  const int64_t w = x.size(1);
  x = x.flatten(2).transpose(1, 2);  // (N, g*g, W)
  x = at::cat({t.classEmbedding.view({1, 1, w}).expand({n, 1, w}), x}, 1) + t.visPos;
  x = ln(x, t.lnPreW, t.lnPreB);
  for (const auto& b : t.visBlocks) x = blockForward(b, x, t.visHeads, false);
  return at::matmul(ln(x.select(1, 0), t.lnPostW, t.lnPostB), t.visProj);
}

}  // namespace pd::methods
