#pragma once
// TorchScript archives (OpenAI CLIP `*.pt` "jit" files): parameters and buffers by name.
// This is the only TU of the core that includes <torch/script.h>.
#include <string>

#include "io/state_dict.h"

namespace pd::io {

// Loads `path` with torch::jit::load (CPU) and returns every parameter and buffer (recursively),
// keyed by their dotted names. Half/BFloat16 tensors are upcast to float32. The OpenAI files also
// carry int64 scalar `input_resolution`, `context_length`, `vocab_size` (buffers or attributes of
// the root module): these go to StateDict::metadata (decimal strings), not to the tensors.
// A file that is not a TorchScript archive throws pd::Error("not a TorchScript archive: <why>")
// with the path as context.
StateDict readTorchScriptArchive(const std::string& path);

// True when the file starts with the zip local-header magic "PK\3\4".
bool looksLikeZip(const std::string& path);

}  // namespace pd::io
