#pragma once
// One entry point for every supported CLIP checkpoint, detected by content (not by extension):
//   "openai-torchscript": a zip (PK\3\4) TorchScript archive, e.g. OpenAI's ViT-B-32.pt
//   "safetensors":        a safetensors file (OpenAI layout, or HF CLIP keys, which are mapped)
//   "hf-folder":          a Hugging Face CLIPModel folder (config.json + model.safetensors)
// Weights always come back in the OpenAI key layout, float types as float32 (int64 kept).
#include <nlohmann/json.hpp>

#include <string>

#include "io/state_dict.h"

namespace pd::io {

struct LoadedCheckpoint {
  StateDict weights;
  std::string format;     // "openai-torchscript", "safetensors" or "hf-folder"
  nlohmann::json config;  // config.json beside the file / in the folder, parsed; null if none
  std::string
      contentHash;  // hex SHA-256 of the weight file's bytes (= `sha256sum FILE`); for a
                    // sharded HF folder: SHA-256 of the shards' bytes concatenated in name order
  std::string weightFile;  // the file that was hashed (or the shard index)
};

// Throws pd::Error naming the path for missing files, unknown formats and any malformed content.
// A Hugging Face folder whose weights are only pickles (pytorch_model.bin[.index.json]) is refused
// unless `allowPickles`, which only the isolated importer's process passes
// (convertCheckpointToSafetensors with allowPickles; promptdesk/checkpoint_import.h): its format is
// then "hf-folder (pytorch_model.bin)" (", sharded"), names kept (HF CLIP keys mapped).
LoadedCheckpoint readCheckpoint(const std::string& path, bool allowPickles = false);

// True when a config.json is a Hugging Face CLIP config (model_type "clip" or CLIPModel).
bool isHfClipConfig(const nlohmann::json& config);

// The architecture config of a loaded checkpoint: config.json beside the file / in the folder,
// else the `config` JSON stored in safetensors metadata (import-checkpoint writes it), else null.
// Throws pd::Error when the stored metadata config is not a JSON object.
nlohmann::json checkpointConfig(const LoadedCheckpoint& ck);

}  // namespace pd::io
