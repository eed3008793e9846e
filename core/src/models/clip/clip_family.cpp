// CLIP as a model family: detected from config.json (model_type "clip", CLIPModel) or from
// OpenAI's keys (visual.*, token_embedding.weight); described by its ClipArchitecture.
#include <sstream>

#include "models/clip/clip_inspect.h"
#include "models/family.h"
#include "promptdesk/clip.h"

namespace pd::models {

namespace {
ModelDescription describeClip(const io::LoadedCheckpoint& ck, const std::string& source) {
  const ClipArchitecture a = inspectClipCheckpoint(ck, source);
  ModelDescription d;
  d.family = "clip";
  d.format = a.format;
  d.contentHash = a.contentHash;
  d.parameterCount = a.parameterCount;
  d.architectureJson = a.toJson(-1);
  const std::string tower =
      a.visionIsResNet ? "ResNet" : "ViT, patch " + std::to_string(a.visionPatchSize);
  d.title = "CLIP " + tower + ", " + std::to_string(a.imageResolution) + " px";
  auto n = [](std::int64_t v) { return std::to_string(v); };
  d.facts = {{"Family", "CLIP"},
             {"Image tower", tower},
             {"Resolution", n(a.imageResolution) + " px"},
             {"Vision width / layers", n(a.visionWidth) + " / " + n(a.visionLayers)},
             {"Text width / layers / heads",
              n(a.transformerWidth) + " / " + n(a.transformerLayers) + " / " +
                  n(a.transformerHeads)},
             {"Context / vocabulary", n(a.contextLength) + " / " + n(a.vocabSize)},
             {"Embedding", n(a.embedDim)},
             {"Parameters", n(a.parameterCount)},
             {"Format", a.format}};
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
  return f;
}

}  // namespace pd::models
