// Key -> shape table of the OpenAI CLIP state dict, and ClipArchitecture's JSON form.
#include "models/clip/clip_config.h"
#include "promptdesk/error.h"

namespace pd::models {

namespace {

void addLinear(ShapeMap& m, const std::string& p, std::int64_t in, std::int64_t out,
               bool bias = true) {
  m[p + ".weight"] = {out, in};
  if (bias) m[p + ".bias"] = {out};
}

void addNorm(ShapeMap& m, const std::string& p, std::int64_t n) {
  m[p + ".weight"] = {n};
  m[p + ".bias"] = {n};
}

void addBatchNorm(ShapeMap& m, const std::string& p, std::int64_t n) {
  addNorm(m, p, n);
  m[p + ".running_mean"] = {n};
  m[p + ".running_var"] = {n};
  m[p + ".num_batches_tracked"] = {};
}

void addTransformer(ShapeMap& m, const std::string& p, std::int64_t width, std::int64_t layers) {
  for (std::int64_t i = 0; i < layers; ++i) {
    const std::string b = p + ".resblocks." + std::to_string(i);
    m[b + ".attn.in_proj_weight"] = {3 * width, width};
    m[b + ".attn.in_proj_bias"] = {3 * width};
    addLinear(m, b + ".attn.out_proj", width, width);
    addNorm(m, b + ".ln_1", width);
    addLinear(m, b + ".mlp.c_fc", width, 4 * width);
    addLinear(m, b + ".mlp.c_proj", 4 * width, width);
    addNorm(m, b + ".ln_2", width);
  }
}

void addConv(ShapeMap& m, const std::string& p, std::int64_t in, std::int64_t out, std::int64_t k) {
  m[p + ".weight"] = {out, in, k, k};
}

}  // namespace

ShapeMap expectedClipShapes(const ClipArchitecture& a) {
  ShapeMap m;
  const std::int64_t w = a.transformerWidth;
  m["positional_embedding"] = {a.contextLength, w};
  m["token_embedding.weight"] = {a.vocabSize, w};
  addTransformer(m, "transformer", w, a.transformerLayers);
  addNorm(m, "ln_final", w);
  m["text_projection"] = {w, a.embedDim};
  m["logit_scale"] = {};
  const std::int64_t vw = a.visionWidth;
  if (!a.visionIsResNet) {
    const std::int64_t grid = a.imageResolution / a.visionPatchSize;
    addConv(m, "visual.conv1", 3, vw, a.visionPatchSize);
    m["visual.class_embedding"] = {vw};
    m["visual.positional_embedding"] = {grid * grid + 1, vw};
    addNorm(m, "visual.ln_pre", vw);
    addTransformer(m, "visual.transformer", vw, a.visionLayers);
    addNorm(m, "visual.ln_post", vw);
    m["visual.proj"] = {vw, a.embedDim};
    return m;
  }
  addConv(m, "visual.conv1", 3, vw / 2, 3);
  addBatchNorm(m, "visual.bn1", vw / 2);
  addConv(m, "visual.conv2", vw / 2, vw / 2, 3);
  addBatchNorm(m, "visual.bn2", vw / 2);
  addConv(m, "visual.conv3", vw / 2, vw, 3);
  addBatchNorm(m, "visual.bn3", vw);
  std::int64_t inplanes = vw;
  for (size_t stage = 0; stage < a.visionStageBlocks.size(); ++stage) {
    const std::int64_t planes = vw << stage;
    for (std::int64_t j = 0; j < a.visionStageBlocks[stage]; ++j) {
      const std::string b = "visual.layer" + std::to_string(stage + 1) + "." + std::to_string(j);
      addConv(m, b + ".conv1", inplanes, planes, 1);
      addBatchNorm(m, b + ".bn1", planes);
      addConv(m, b + ".conv2", planes, planes, 3);
      addBatchNorm(m, b + ".bn2", planes);
      addConv(m, b + ".conv3", planes, planes * 4, 1);
      addBatchNorm(m, b + ".bn3", planes * 4);
      const bool stride = stage > 0 && j == 0;
      if (stride || inplanes != planes * 4) {
        addConv(m, b + ".downsample.0", inplanes, planes * 4, 1);
        addBatchNorm(m, b + ".downsample.1", planes * 4);
      }
      inplanes = planes * 4;
    }
  }
  const std::int64_t embed = vw * 32;
  const std::int64_t grid = a.imageResolution / 32;
  m["visual.attnpool.positional_embedding"] = {grid * grid + 1, embed};
  addLinear(m, "visual.attnpool.k_proj", embed, embed);
  addLinear(m, "visual.attnpool.q_proj", embed, embed);
  addLinear(m, "visual.attnpool.v_proj", embed, embed);
  addLinear(m, "visual.attnpool.c_proj", embed, a.embedDim);
  return m;
}

std::int64_t clipParameterCount(const ClipArchitecture& a) {
  std::int64_t n = 0;
  for (const auto& [key, shape] : expectedClipShapes(a)) {
    if (key.find("running_") != std::string::npos ||
        key.find("num_batches_tracked") != std::string::npos)
      continue;
    std::int64_t k = 1;
    for (auto d : shape) k *= d;
    n += k;
  }
  return n;
}

}  // namespace pd::models

namespace pd {

std::int64_t ClipArchitecture::visionTokens() const {
  if (visionIsResNet) {
    const std::int64_t g = imageResolution / 32;
    return g * g + 1;
  }
  if (visionPatchSize <= 0) return 0;
  const std::int64_t g = imageResolution / visionPatchSize;
  return g * g + 1;
}

std::string ClipArchitecture::toJson(int indent) const {
  nlohmann::ordered_json j;
  j["vision"] = visionIsResNet ? "resnet" : "vit";
  j["embed_dim"] = embedDim;
  j["image_resolution"] = imageResolution;
  if (visionIsResNet)
    j["vision_layers"] = visionStageBlocks;
  else
    j["vision_layers"] = visionLayers;
  j["vision_width"] = visionWidth;
  if (visionIsResNet)
    j["vision_patch_size"] = nullptr;
  else
    j["vision_patch_size"] = visionPatchSize;
  j["vision_heads"] = visionHeads;
  j["context_length"] = contextLength;
  j["vocab_size"] = vocabSize;
  j["transformer_width"] = transformerWidth;
  j["transformer_heads"] = transformerHeads;
  j["transformer_layers"] = transformerLayers;
  if (!configSource.empty()) j["config_source"] = configSource;
  if (!format.empty()) j["format"] = format;
  if (!contentHash.empty()) j["content_hash"] = contentHash;
  if (parameterCount > 0) j["parameter_count"] = parameterCount;
  return j.dump(indent);
}

}  // namespace pd
