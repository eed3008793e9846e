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
  std::string format;       // "openai-torchscript", "safetensors", "hf-folder", ...
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

// Reads `in` (any supported input) and writes `out` atomically as safetensors: float tensors as
// F32, integer buffers as stored. CLIP goes to the OpenAI layout; `__metadata__` records
//   format = "openai-clip", source_format, source_sha256, source_file (file name only),
//   config (OpenAI-style architecture numbers as JSON, when known) and, for TorchScript inputs,
//   input_resolution / context_length / vocab_size.
// A text model's Hugging Face folder (config.json with a non-CLIP model_type) keeps its tensor
// names; format = "hf-text" and config = the folder's config.json.
// `allowPickles`: a Hugging Face folder whose weights are pytorch_model.bin (or its sharded index)
// is unpickled. Only the isolated importer's process passes it (promptdesk-import, or
// `promptdesk-cli import-checkpoint --allow-pickle` run as that child; see
// promptdesk/checkpoint_import.h); otherwise such a folder throws pd::Error.
// Returns the summary of the input (as inspectCheckpoint would).
CheckpointSummary convertCheckpointToSafetensors(const std::string& in, const std::string& out,
                                                 bool allowPickles = false);

}  // namespace pd
