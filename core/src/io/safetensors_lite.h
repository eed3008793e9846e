#pragma once
// Minimal safetensors read/write used by the prompt-learning code until the io branch's full reader
// (core/src/io/safetensors.h) is merged. F32/F16/BF16/I64/I32 in; F32/I64 out.
#include <ATen/ATen.h>

#include <map>
#include <string>

#include "io/state_dict.h"

namespace pd::io::lite {

StateDict readSafetensors(const std::string& path);
void writeSafetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace pd::io::lite
