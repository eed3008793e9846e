#pragma once
// CLIP checkpoints, torch-free view: what a file holds, and conversion to our safetensors layout.
// Supported inputs (detected by content): OpenAI TorchScript `.pt` archives (fp32 or fp16),
// safetensors files (OpenAI or Hugging Face CLIP keys), Hugging Face CLIPModel folders.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pd {

struct CheckpointSummary {
  std::string path;
  std::string format;       // "openai-torchscript", "safetensors" or "hf-folder"
  std::string contentHash;  // hex SHA-256 of the weight file (same as `sha256sum FILE`)
  std::size_t tensorCount = 0;
  std::int64_t parameterCount = 0;  // elements of all floating-point tensors (int64 buffers such as
                                    // BatchNorm's num_batches_tracked are not counted)
  // Tensor names (OpenAI layout) and shapes, sorted by name.
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> shapes;
};

// Loads and validates the checkpoint at `path`; throws pd::Error naming the file when it is not a
// supported, well-formed checkpoint.
CheckpointSummary inspectCheckpoint(const std::string& path);

// Reads `in` (any supported input) and writes `out` atomically as an OpenAI-layout safetensors
// file: float tensors as F32, integer buffers as stored. `__metadata__` records
//   format = "openai-clip", source_format, source_sha256, source_file (file name only),
//   config (OpenAI-style architecture numbers as JSON, when known) and, for TorchScript inputs,
//   input_resolution / context_length / vocab_size.
// Returns the summary of the input (as inspectCheckpoint would).
CheckpointSummary convertCheckpointToSafetensors(const std::string& in, const std::string& out);

}  // namespace pd
