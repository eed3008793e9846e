// CLIP as a model family: detected from config.json (model_type "clip", CLIPModel) or from
// OpenAI's keys (visual.*, token_embedding.weight); described by its ClipArchitecture.
#include <sstream>

#include "models/clip/clip_inspect.h"
#include "models/family.h"
#include "promptdesk/clip.h"

namespace pd::models {

namespace {
// Title and facts from CLIP's architecture record (ClipArchitecture::toJson's OpenAI names).
ModelSummary summarizeClip(const nlohmann::json& j) {
  auto i = [&](const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : std::int64_t(0);
  };
  auto str = [&](const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto n = [](std::int64_t v) { return std::to_string(v); };
  const bool resnet = str("vision") == "resnet";
  const std::string tower = resnet ? "ResNet" : "ViT, patch " + n(i("vision_patch_size"));
  std::string visionLayers = n(i("vision_layers"));
  if (j.contains("vision_layers") && j["vision_layers"].is_array()) {
    visionLayers.clear();
    for (const auto& v : j["vision_layers"])
      visionLayers += (visionLayers.empty() ? "" : "-") + (v.is_number_integer() ? n(v.get<std::int64_t>()) : "?");
  }
  ModelSummary s;
  s.family = "clip";
  s.title = "CLIP " + tower + ", " + n(i("image_resolution")) + " px";
  s.facts = {{"Family", "CLIP"},
             {"Image tower", tower},
             {"Resolution", n(i("image_resolution")) + " px"},
             {"Vision width / layers", n(i("vision_width")) + " / " + visionLayers},
             {"Text width / layers / heads", n(i("transformer_width")) + " / " +
                                                 n(i("transformer_layers")) + " / " +
                                                 n(i("transformer_heads"))},
             {"Context / vocabulary", n(i("context_length")) + " / " + n(i("vocab_size"))},
             {"Embedding", n(i("embed_dim"))},
             {"Parameters", n(i("parameter_count"))},
             {"Format", str("format")}};
  return s;
}

ModelDescription describeClip(const io::LoadedCheckpoint& ck, const std::string& source) {
  const ClipArchitecture a = inspectClipCheckpoint(ck, source);
  ModelDescription d;
  d.family = "clip";
  d.format = a.format;
  d.contentHash = a.contentHash;
  d.parameterCount = a.parameterCount;
  d.architectureJson = a.toJson(-1);
  const ModelSummary s = summarizeClip(nlohmann::json::parse(d.architectureJson));
  d.title = s.title;
  d.facts = s.facts;
  return d;
}
}  // namespace

ModelFamily clipFamily() {
  ModelFamily f;
  f.info.name = "clip";
  f.info.title = "CLIP (OpenAI checkpoints, Hugging Face CLIPModel)";
  f.info.modelTypes = {"clip"};
  f.detect = [](const nlohmann::json& config, const std::vector<std::string>& keys) {
    if (config.is_object() && config.contains("architectures") && config["architectures"].is_array())
      for (const auto& a : config["architectures"])
        if (a == "CLIPModel") return true;
    bool visual = false, tokens = false;
    for (const auto& k : keys) {
      visual = visual || k.rfind("visual.", 0) == 0;
      tokens = tokens || k == "token_embedding.weight";
    }
    return visual && tokens;
  };
  f.describe = describeClip;
  f.summarize = summarizeClip;
  f.ownsRecord = [](const nlohmann::json& j) {
    return j.contains("transformer_width") && j.contains("embed_dim");
  };
  return f;
}

}  // namespace pd::models
