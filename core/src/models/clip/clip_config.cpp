#include "models/clip/clip_config.h"

#include <cmath>
#include <set>
#include <sstream>

#include "promptdesk/error.h"
#include "io/json_limits.h"

namespace pd::models {

namespace {

const Shape& need(const ShapeMap& s, const std::string& key, size_t rank,
                  const std::string& source) {
  auto it = s.find(key);
  if (it == s.end()) throw pd::Error("not a CLIP checkpoint: missing tensor '" + key + "'", source);
  if (it->second.size() != rank)
    throw pd::Error("tensor '" + key + "' has shape " + shapeString(it->second) + ", expected " +
                        std::to_string(rank) + " dimensions",
                    source);
  return it->second;
}

// round(sqrt(n - 1)) as build_model computes grid sizes.
std::int64_t gridOf(std::int64_t tokens) {
  return static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(tokens - 1))));
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : s) {
    if (c == '.') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  return parts;
}

bool startsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
bool endsWith(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

std::int64_t getInt(const nlohmann::json& j, const char* key, const std::string& source) {
  const auto& v = j.at(key);
  if (!v.is_number_integer() || v.get<std::int64_t>() <= 0)
    throw pd::Error(std::string("field '") + key + "' must be a positive integer", source);
  return v.get<std::int64_t>();
}

void setIf(const nlohmann::json& j, const char* key, std::int64_t& field,
           const std::string& source) {
  if (j.is_object() && j.contains(key) && !j.at(key).is_null()) field = getInt(j, key, source);
}

}  // namespace

std::string shapeString(const Shape& s) {
  std::ostringstream o;
  o << "(";
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  if (s.size() == 1) o << ",";
  o << ")";
  return o.str();
}

ShapeMap shapesOf(const io::StateDict& sd) {
  ShapeMap m;
  for (const auto& [k, t] : sd.tensors) m[k] = t.sizes().vec();
  return m;
}

bool isClipNonWeightKey(const std::string& key) {
  return key == "input_resolution" || key == "context_length" || key == "vocab_size";
}

ClipArchitecture inferClipArchitecture(const ShapeMap& s, const std::string& source) {
  ClipArchitecture a;
  a.configSource = "shapes";
  a.visionIsResNet = s.count("visual.proj") == 0;
  if (!a.visionIsResNet) {
    const Shape& conv1 = need(s, "visual.conv1.weight", 4, source);
    a.visionWidth = conv1[0];
    a.visionPatchSize = conv1[3];
    std::int64_t layers = 0;
    for (const auto& kv : s)
      if (startsWith(kv.first, "visual.") && endsWith(kv.first, ".attn.in_proj_weight")) ++layers;
    a.visionLayers = layers;
    const Shape& pos = need(s, "visual.positional_embedding", 2, source);
    a.imageResolution = a.visionPatchSize * gridOf(pos[0]);
    a.visionHeads = a.visionWidth / 64;
  } else {
    for (int b = 1; b <= 4; ++b) {
      std::set<std::string> blocks;
      const std::string prefix = "visual.layer" + std::to_string(b);
      for (const auto& kv : s) {
        if (!startsWith(kv.first, prefix)) continue;
        auto parts = split(kv.first);
        if (parts.size() > 2) blocks.insert(parts[2]);
      }
      a.visionStageBlocks.push_back(static_cast<std::int64_t>(blocks.size()));
      a.visionLayers += static_cast<std::int64_t>(blocks.size());
    }
    a.visionWidth = need(s, "visual.layer1.0.conv1.weight", 4, source)[0];
    const Shape& pos = need(s, "visual.attnpool.positional_embedding", 2, source);
    a.imageResolution = gridOf(pos[0]) * 32;
    a.visionPatchSize = 0;
    a.visionHeads = a.visionWidth * 32 / 64;
  }
  a.embedDim = need(s, "text_projection", 2, source)[1];
  a.contextLength = need(s, "positional_embedding", 2, source)[0];
  a.vocabSize = need(s, "token_embedding.weight", 2, source)[0];
  a.transformerWidth = need(s, "ln_final.weight", 1, source)[0];
  a.transformerHeads = a.transformerWidth / 64;
  std::set<std::string> textBlocks;
  for (const auto& kv : s) {
    if (!startsWith(kv.first, "transformer.resblocks")) continue;
    auto parts = split(kv.first);
    if (parts.size() > 2) textBlocks.insert(parts[2]);
  }
  a.transformerLayers = static_cast<std::int64_t>(textBlocks.size());
  if (a.visionWidth <= 0 || a.transformerWidth <= 0 || a.transformerLayers == 0)
    throw pd::Error("not a CLIP checkpoint: no text transformer blocks or zero widths", source);
  // Heads below 1 happen only for non-64-wide models: a config.json must then say the number.
  if (a.transformerHeads < 1) a.transformerHeads = 1;
  if (a.visionHeads < 1) a.visionHeads = 1;
  return a;
}

void applyClipConfig(ClipArchitecture& a, const nlohmann::json& c, const std::string& source) {
  if (c.is_null() || (c.is_object() && c.empty())) return;
  if (!c.is_object()) throw pd::Error("config.json is not a JSON object", source);
  try {
    if (c.contains("text_config") || c.contains("vision_config") ||
        pd::io::stringOr(c, "model_type") == "clip") {
      // Hugging Face CLIPModel config.
      setIf(c, "projection_dim", a.embedDim, source);
      if (c.contains("text_config")) {
        const auto& t = c.at("text_config");
        setIf(t, "hidden_size", a.transformerWidth, source);
        setIf(t, "num_attention_heads", a.transformerHeads, source);
        setIf(t, "num_hidden_layers", a.transformerLayers, source);
        setIf(t, "max_position_embeddings", a.contextLength, source);
        setIf(t, "vocab_size", a.vocabSize, source);
      }
      if (c.contains("vision_config")) {
        const auto& v = c.at("vision_config");
        setIf(v, "hidden_size", a.visionWidth, source);
        setIf(v, "num_attention_heads", a.visionHeads, source);
        setIf(v, "num_hidden_layers", a.visionLayers, source);
        setIf(v, "image_size", a.imageResolution, source);
        setIf(v, "patch_size", a.visionPatchSize, source);
      }
      a.configSource = "hf-config.json";
      return;
    }
    // OpenAI names (as build_model's arguments).
    setIf(c, "embed_dim", a.embedDim, source);
    setIf(c, "image_resolution", a.imageResolution, source);
    setIf(c, "vision_width", a.visionWidth, source);
    setIf(c, "context_length", a.contextLength, source);
    setIf(c, "vocab_size", a.vocabSize, source);
    setIf(c, "transformer_width", a.transformerWidth, source);
    setIf(c, "transformer_heads", a.transformerHeads, source);
    setIf(c, "transformer_layers", a.transformerLayers, source);
    if (c.contains("vision_layers") && !c.at("vision_layers").is_null()) {
      const auto& vl = c.at("vision_layers");
      if (vl.is_array()) {
        if (vl.size() != 4) throw pd::Error("field 'vision_layers' must list 4 stages", source);
        a.visionIsResNet = true;
        a.visionStageBlocks.clear();
        a.visionLayers = 0;
        for (const auto& n : vl) {
          if (!n.is_number_integer() || n.get<std::int64_t>() <= 0)
            throw pd::Error("field 'vision_layers' must hold positive integers", source);
          a.visionStageBlocks.push_back(n.get<std::int64_t>());
          a.visionLayers += n.get<std::int64_t>();
        }
        a.visionPatchSize = 0;
      } else {
        a.visionLayers = getInt(c, "vision_layers", source);
        a.visionIsResNet = false;
        a.visionStageBlocks.clear();
      }
    }
    if (!a.visionIsResNet) setIf(c, "vision_patch_size", a.visionPatchSize, source);
    // build_model derives the heads from the width: follow a width override unless told.
    if (c.contains("vision_width"))
      a.visionHeads = std::max<std::int64_t>(
          1, a.visionIsResNet ? a.visionWidth * 32 / 64 : a.visionWidth / 64);
    setIf(c, "vision_heads", a.visionHeads, source);
    a.configSource = "config.json";
  } catch (const nlohmann::json::exception& e) {
    throw pd::Error(std::string("bad config.json: ") + e.what(), source);
  }
}

}  // namespace pd::models
