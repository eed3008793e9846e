#pragma once
// The weights of a Hugging Face model folder, whatever the family: `model.safetensors`, or a
// sharded `model.safetensors.index.json` (weight_map -> shard files inside the folder). A folder
// with only `pytorch_model.bin` (a pickle) is refused here: pickles are converted by the isolated
// import (promptdesk/checkpoint_import.h), never read in the app's process.
#include <string>

#include "io/state_dict.h"

namespace pd::io {

struct HfFolderWeights {
  StateDict weights;       // as stored (names unchanged); source = weightFile
  std::string weightFile;  // model.safetensors, or the shard index
  bool sharded = false;
};

// Throws pd::Error naming the folder or file: no weights, a shard name leaving the folder, a
// tensor in two shards, any malformed shard.
HfFolderWeights readHfFolderWeights(const std::string& folder);

}  // namespace pd::io
