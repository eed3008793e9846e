#pragma once
// Safetensors bytes in memory, for artifacts stored as BLOBs (learned prompts, checkpoints).
// Writes F32 and I64 tensors plus string metadata; reads what io::readSafetensorsBytes reads.
#include <ATen/ATen.h>

#include <map>
#include <string>

#include "io/state_dict.h"

namespace pd::project {

std::string encodeSafetensors(const std::map<std::string, at::Tensor>& tensors,
                              const std::map<std::string, std::string>& metadata = {});
// Throws pd::Error naming `source` on malformed bytes (bad header, offsets out of range, ...).
io::StateDict decodeSafetensors(const std::string& bytes, const std::string& source);

}  // namespace pd::project
