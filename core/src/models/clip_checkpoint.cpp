// CLIP from any checkpoint format (via io::readCheckpoint), and the torch-free inspection API.
#include "io/checkpoint.h"
#include "models/clip_model.h"
#include "promptdesk/clip.h"
#include "promptdesk/error.h"

namespace pd::models {

std::shared_ptr<ClipModel> loadClipModel(const std::string& path) {
  io::LoadedCheckpoint ck = io::readCheckpoint(path);
  if (ck.weights.source.empty()) ck.weights.source = path;
  return buildClipModel(ck.weights, io::checkpointConfig(ck));
}

}  // namespace pd::models

namespace pd {

ClipArchitecture inspectClipModel(const std::string& path) {
  io::LoadedCheckpoint ck = io::readCheckpoint(path);
  const std::string source = ck.weights.source.empty() ? path : ck.weights.source;
  const models::ShapeMap shapes = models::shapesOf(ck.weights);
  ClipArchitecture arch = models::inferClipArchitecture(shapes, source);
  models::applyClipConfig(arch, io::checkpointConfig(ck), source);
  models::checkClipShapes(arch, shapes, source);
  arch.format = ck.format;
  arch.contentHash = ck.contentHash;
  arch.parameterCount = models::clipParameterCount(arch);
  return arch;
}

}  // namespace pd
