#pragma once
// The weights of a Hugging Face model folder, whatever the family: `model.safetensors`, or a
// sharded `model.safetensors.index.json` (weight_map -> shard files inside the folder). A folder
// with only `pytorch_model.bin` (a pickle; or a sharded `pytorch_model.bin.index.json`) is refused
// by readHfFolderWeights: pickles are converted by the isolated import
// (promptdesk/checkpoint_import.h), whose child alone calls readHfFolderPickles.
#include <string>

#include "io/state_dict.h"

namespace pd::io {

struct HfFolderWeights {
  StateDict weights;       // as stored (names unchanged); source = weightFile
  std::string weightFile;  // model.safetensors / pytorch_model.bin, or the shard index
  bool sharded = false;
};

// Throws pd::Error naming the folder or file: no weights, a shard name leaving the folder, a
// tensor in two shards, any malformed shard.
HfFolderWeights readHfFolderWeights(const std::string& folder);

// True when `folder` is a Hugging Face folder (config.json) whose weights are only pickles:
// pytorch_model.bin or pytorch_model.bin.index.json, and no model.safetensors(.index.json).
bool hfFolderHasOnlyPickles(const std::string& folder);

// pytorch_model.bin, or the shards of pytorch_model.bin.index.json, read with readTorchPickle
// (same checks of the index as for safetensors shards). Unpickles: call only in the isolated
// importer's process.
HfFolderWeights readHfFolderPickles(const std::string& folder);

}  // namespace pd::io
