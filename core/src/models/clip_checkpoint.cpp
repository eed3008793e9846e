// CLIP from any checkpoint format (via io::readCheckpoint), and the torch-free inspection API.
#include "io/checkpoint.h"
#include "models/clip_model.h"
#include "promptdesk/clip.h"
#include "promptdesk/error.h"

namespace pd::models {

namespace {
// config.json beside the checkpoint; else the `config` our converter stores in the safetensors
// metadata; else null (shapes only).
nlohmann::json configOf(const io::LoadedCheckpoint& ck) {
  if (!ck.config.is_null()) return ck.config;
  auto it = ck.weights.metadata.find("config");
  if (it == ck.weights.metadata.end()) return nullptr;
  nlohmann::json j = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    throw pd::Error("metadata 'config' is not a JSON object", ck.weights.source);
  return j;
}
}  // namespace

std::shared_ptr<ClipModel> loadClipModel(const std::string& path) {
  io::LoadedCheckpoint ck = io::readCheckpoint(path);
  if (ck.weights.source.empty()) ck.weights.source = path;
  return buildClipModel(ck.weights, configOf(ck));
}

}  // namespace pd::models

namespace pd {

ClipArchitecture inspectClipModel(const std::string& path) {
  io::LoadedCheckpoint ck = io::readCheckpoint(path);
  const std::string source = ck.weights.source.empty() ? path : ck.weights.source;
  const models::ShapeMap shapes = models::shapesOf(ck.weights);
  ClipArchitecture arch = models::inferClipArchitecture(shapes, source);
  models::applyClipConfig(arch, models::configOf(ck), source);
  models::checkClipShapes(arch, shapes, source);
  arch.format = ck.format;
  arch.contentHash = ck.contentHash;
  arch.parameterCount = models::clipParameterCount(arch);
  return arch;
}

}  // namespace pd
