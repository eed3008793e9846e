#include "io/hf_clip.h"

#include <array>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "io/hf_folder.h"
#include "io/json_limits.h"
#include "io/safetensors.h"
#include "promptdesk/error.h"

namespace pd::io {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

bool startsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// Per-layer renames below `encoder.layers.<i>.` (q/k/v handled separately).
const std::map<std::string, std::string>& layerRenames() {
  static const std::map<std::string, std::string> m = {
      {"self_attn.out_proj.weight", "attn.out_proj.weight"},
      {"self_attn.out_proj.bias", "attn.out_proj.bias"},
      {"layer_norm1.weight", "ln_1.weight"},
      {"layer_norm1.bias", "ln_1.bias"},
      {"layer_norm2.weight", "ln_2.weight"},
      {"layer_norm2.bias", "ln_2.bias"},
      {"mlp.fc1.weight", "mlp.c_fc.weight"},
      {"mlp.fc1.bias", "mlp.c_fc.bias"},
      {"mlp.fc2.weight", "mlp.c_proj.weight"},
      {"mlp.fc2.bias", "mlp.c_proj.bias"},
  };
  return m;
}

// Whole-key renames outside the layers. Values starting with '^' are transposed.
const std::map<std::string, std::string>& plainRenames() {
  static const std::map<std::string, std::string> m = {
      {"text_model.embeddings.token_embedding.weight", "token_embedding.weight"},
      {"text_model.embeddings.position_embedding.weight", "positional_embedding"},
      {"text_model.final_layer_norm.weight", "ln_final.weight"},
      {"text_model.final_layer_norm.bias", "ln_final.bias"},
      {"vision_model.embeddings.class_embedding", "visual.class_embedding"},
      {"vision_model.embeddings.patch_embedding.weight", "visual.conv1.weight"},
      {"vision_model.embeddings.position_embedding.weight", "visual.positional_embedding"},
      {"vision_model.pre_layrnorm.weight", "visual.ln_pre.weight"},
      {"vision_model.pre_layrnorm.bias", "visual.ln_pre.bias"},
      {"vision_model.post_layernorm.weight", "visual.ln_post.weight"},
      {"vision_model.post_layernorm.bias", "visual.ln_post.bias"},
      {"visual_projection.weight", "^visual.proj"},
      {"text_projection.weight", "^text_projection"},
      {"logit_scale", "logit_scale"},
  };
  return m;
}

std::string joinKeys(const std::vector<std::string>& keys, std::size_t max = 12) {
  std::ostringstream o;
  for (std::size_t i = 0; i < keys.size() && i < max; ++i) o << (i ? ", " : "") << keys[i];
  if (keys.size() > max) o << ", ... (" << keys.size() << " in all)";
  return o.str();
}

json readJsonFile(const fs::path& p) {
  return parseJsonLimited(readJsonFileText(p.string()), p.string());
}

// Field of an HF sub-config, with the library's documented default when absent.
std::int64_t field(const json& sub, const char* name, std::int64_t dflt, const std::string& where) {
  auto it = sub.find(name);
  if (it == sub.end() || it->is_null()) return dflt;
  if (!it->is_number_integer())
    throw pd::Error(std::string("'") + name + "' is not an integer", where);
  return it->get<std::int64_t>();
}

}  // namespace

bool isHfClipLayout(const StateDict& sd) {
  for (const auto& kv : sd.tensors)
    if (startsWith(kv.first, "text_model.") || startsWith(kv.first, "vision_model.")) return true;
  return false;
}

StateDict mapHfClipToOpenai(const StateDict& hf) {
  StateDict out;
  out.source = hf.source;
  out.metadata = hf.metadata;
  std::vector<std::string> unknown;
  // (openai prefix "…attn.in_proj_", "weight"/"bias") -> q, k, v
  std::map<std::pair<std::string, std::string>, std::array<at::Tensor, 3>> qkv;

  for (const auto& [key, t] : hf.tensors) {
    if (key == "text_model.embeddings.position_ids" ||
        key == "vision_model.embeddings.position_ids")
      continue;  // a buffer of arange(n), not a weight
    auto plain = plainRenames().find(key);
    if (plain != plainRenames().end()) {
      if (plain->second[0] == '^') {
        if (t.dim() != 2) throw pd::Error("'" + key + "' is not a matrix", hf.source);
        out.tensors[plain->second.substr(1)] = t.t().contiguous();
      } else {
        out.tensors[plain->second] = t;
      }
      continue;
    }
    std::string openaiPrefix, rest;
    if (startsWith(key, "text_model.encoder.layers.")) {
      openaiPrefix = "transformer.resblocks.";
      rest = key.substr(std::string("text_model.encoder.layers.").size());
    } else if (startsWith(key, "vision_model.encoder.layers.")) {
      openaiPrefix = "visual.transformer.resblocks.";
      rest = key.substr(std::string("vision_model.encoder.layers.").size());
    } else {
      unknown.push_back(key);
      continue;
    }
    const auto dot = rest.find('.');
    const std::string layer = rest.substr(0, dot);
    if (dot == std::string::npos || layer.empty() || layer.size() > 6 ||
        layer.find_first_not_of("0123456789") != std::string::npos) {
      unknown.push_back(key);
      continue;
    }
    const std::string suffix = rest.substr(dot + 1);
    const std::string base = openaiPrefix + layer + ".";
    auto r = layerRenames().find(suffix);
    if (r != layerRenames().end()) {
      out.tensors[base + r->second] = t;
      continue;
    }
    int slot = -1;
    if (startsWith(suffix, "self_attn.q_proj.")) slot = 0;
    if (startsWith(suffix, "self_attn.k_proj.")) slot = 1;
    if (startsWith(suffix, "self_attn.v_proj.")) slot = 2;
    const std::string kind =
        slot >= 0 ? suffix.substr(std::string("self_attn.q_proj.").size()) : "";
    if (slot < 0 || (kind != "weight" && kind != "bias")) {
      unknown.push_back(key);
      continue;
    }
    qkv[{base + "attn.in_proj_", kind}][slot] = t;
  }
  if (!unknown.empty())
    throw pd::Error("unknown Hugging Face CLIP keys: " + joinKeys(unknown), hf.source);

  std::vector<std::string> incomplete;
  for (auto& [k, parts] : qkv) {
    const std::string name = k.first + k.second;
    if (!parts[0].defined() || !parts[1].defined() || !parts[2].defined()) {
      incomplete.push_back(name + " (needs q, k and v)");
      continue;
    }
    if (parts[0].sizes() != parts[1].sizes() || parts[0].sizes() != parts[2].sizes())
      throw pd::Error("q/k/v shapes differ for " + name, hf.source);
    out.tensors[name] = at::cat({parts[0], parts[1], parts[2]}, 0);
  }
  if (!incomplete.empty())
    throw pd::Error("incomplete attention projections: " + joinKeys(incomplete), hf.source);
  return out;
}

HfClipCheckpoint readHfClipFolder(const std::string& folder) {
  const fs::path dir(folder);
  HfClipCheckpoint ck;
  const fs::path cfg = dir / "config.json";
  std::error_code ec;
  if (!fs::is_regular_file(cfg, ec))
    throw pd::Error("no config.json in the Hugging Face model folder", folder);
  ck.config = readJsonFile(cfg);
  if (!ck.config.is_object()) throw pd::Error("config.json is not a JSON object", cfg.string());
  auto mt = ck.config.find("model_type");
  if (mt != ck.config.end() && *mt != "clip")
    throw pd::Error("model_type is " + mt->dump() + ", expected \"clip\"", cfg.string());

  HfFolderWeights w = readHfFolderWeights(folder);
  const StateDict& hf = w.weights;
  ck.weightFile = w.weightFile;
  ck.weights = mapHfClipToOpenai(hf);
  ck.weights.source = ck.weightFile;
  return ck;
}

json openaiConfigFromHf(const json& hf) {
  const std::string where = "config.json";
  if (!hf.is_object()) throw pd::Error("Hugging Face CLIP config is not an object", where);
  const json empty = json::object();
  auto sub = [&](const char* name) -> const json& {
    auto it = hf.find(name);
    if (it == hf.end() || it->is_null()) return empty;
    if (!it->is_object()) throw pd::Error(std::string("'") + name + "' is not an object", where);
    return *it;
  };
  const json& text = sub("text_config");
  const json& vision = sub("vision_config");
  const std::string tw = where + " text_config", vw = where + " vision_config";
  // Defaults: those of transformers' CLIPTextConfig / CLIPVisionConfig / CLIPConfig.
  json o;
  o["architecture"] = "openai-clip";
  o["embed_dim"] = field(hf, "projection_dim", 512, where);
  o["image_resolution"] = field(vision, "image_size", 224, vw);
  o["vision_layers"] = field(vision, "num_hidden_layers", 12, vw);
  o["vision_width"] = field(vision, "hidden_size", 768, vw);
  o["vision_patch_size"] = field(vision, "patch_size", 32, vw);
  o["vision_heads"] = field(vision, "num_attention_heads", 12, vw);
  o["context_length"] = field(text, "max_position_embeddings", 77, tw);
  o["vocab_size"] = field(text, "vocab_size", 49408, tw);
  o["transformer_width"] = field(text, "hidden_size", 512, tw);
  o["transformer_heads"] = field(text, "num_attention_heads", 8, tw);
  o["transformer_layers"] = field(text, "num_hidden_layers", 12, tw);
  return o;
}

}  // namespace pd::io
