// Public, torch-free checkpoint API (promptdesk/checkpoint.h) over pd::io::readCheckpoint.
#include <filesystem>

#include "io/checkpoint.h"
#include "io/hf_clip.h"
#include "io/safetensors.h"
#include "promptdesk/checkpoint.h"
#include "promptdesk/error.h"

namespace pd {
namespace {

CheckpointSummary summarise(const std::string& path, const io::LoadedCheckpoint& ck) {
  CheckpointSummary s;
  s.path = path;
  s.format = ck.format;
  s.contentHash = ck.contentHash;
  s.tensorCount = ck.weights.tensors.size();
  for (const auto& [name, t] : ck.weights.tensors) {
    if (at::isFloatingType(t.scalar_type())) s.parameterCount += t.numel();
    s.shapes.emplace_back(name, t.sizes().vec());
  }
  return s;
}

}  // namespace

CheckpointSummary inspectCheckpoint(const std::string& path) {
  return summarise(path, io::readCheckpoint(path));
}

CheckpointSummary convertCheckpointToSafetensors(const std::string& in, const std::string& out,
                                                 bool allowPickles) {
  io::LoadedCheckpoint ck = io::readCheckpoint(in, allowPickles);
  std::map<std::string, std::string> meta = ck.weights.metadata;  // e.g. input_resolution
  meta.erase("format");
  // A text model's Hugging Face folder keeps its names and its config.json; CLIP goes to the
  // OpenAI layout with OpenAI-style numbers.
  const bool text = ck.config.is_object() && ck.config.contains("model_type") &&
                    !io::isHfClipConfig(ck.config);
  meta["format"] = text ? "hf-text" : "openai-clip";
  meta["source_format"] = ck.format;
  meta["source_sha256"] = ck.contentHash;
  meta["source_file"] = std::filesystem::path(ck.weightFile).filename().string();
  if (text) {
    meta["config"] = ck.config.dump();
  } else if (io::isHfClipConfig(ck.config)) {
    meta["config"] = io::openaiConfigFromHf(ck.config).dump();
  } else if (ck.config.is_object() && ck.config.contains("embed_dim")) {
    meta["config"] = ck.config.dump();
  }
  std::error_code ec;
  if (std::filesystem::equivalent(in, out, ec))
    throw pd::Error("output would overwrite the input", out);
  io::writeSafetensors(out, ck.weights.tensors, meta);
  return summarise(in, ck);
}

}  // namespace pd
