// CLIP from any checkpoint format (via io::readCheckpoint), and the torch-free inspection API.
#include "io/checkpoint.h"
#include "models/clip/clip_inspect.h"
#include "models/clip/clip_model.h"
#include "promptdesk/clip.h"
#include "promptdesk/error.h"

namespace pd::models {

ClipArchitecture inspectClipCheckpoint(const io::LoadedCheckpoint& ck, const std::string& source) {
  const ShapeMap shapes = shapesOf(ck.weights);
  ClipArchitecture arch = inferClipArchitecture(shapes, source);
  applyClipConfig(arch, io::checkpointConfig(ck), source);
  checkClipShapes(arch, shapes, source);
  arch.format = ck.format;
  arch.contentHash = ck.contentHash;
  arch.parameterCount = clipParameterCount(arch);
  return arch;
}

std::shared_ptr<ClipModel> loadClipModel(const std::string& path) {
  io::LoadedCheckpoint ck = io::readCheckpoint(path);
  if (ck.weights.source.empty()) ck.weights.source = path;
  return buildClipModel(ck.weights, io::checkpointConfig(ck));
}

}  // namespace pd::models

namespace pd {

ClipArchitecture inspectClipModel(const std::string& path) {
  io::LoadedCheckpoint ck = io::readCheckpoint(path);
  return models::inspectClipCheckpoint(ck, ck.weights.source.empty() ? path : ck.weights.source);
}

}  // namespace pd
