#pragma once
// TorchScript archives (OpenAI CLIP `*.pt` "jit" files): parameters and buffers by name; and
// torch.save pickles of a state dict (Hugging Face `pytorch_model.bin`).
// This is the only TU of the core that includes <torch/script.h>. Both readers run only inside the
// isolated importer (promptdesk/checkpoint_import.h), never in the app's own process.
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

// Reads a torch.save file holding a dict of tensors by name (what Hugging Face writes as
// pytorch_model.bin): the zip format of PyTorch >= 1.6, unpickled by torch::pickle_load. Names are
// kept as stored; Half/BFloat16 tensors are upcast to float32. Throws pd::Error naming the file:
// the legacy (non-zip) torch.save format, a collections.OrderedDict (LibTorch 1.13's unpickler
// turns it into None), anything but a dict of string -> tensor, or a damaged archive.
StateDict readTorchPickle(const std::string& path);

// True when the file starts with the zip local-header magic "PK\3\4".
bool looksLikeZip(const std::string& path);

}  // namespace pd::io
