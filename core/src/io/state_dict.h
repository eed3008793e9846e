#pragma once
// StateDict: named float32/int64 tensors read from any checkpoint format (internal, torch-facing).
#include <ATen/ATen.h>

#include <map>
#include <string>

namespace pd::io {

struct StateDict {
  std::map<std::string, at::Tensor> tensors;    // key -> tensor (half types upcast to float32)
  std::map<std::string, std::string> metadata;  // safetensors __metadata__, if any
  std::string source;                           // file or folder it came from (for messages)

  bool has(const std::string& key) const { return tensors.count(key) != 0; }
  // Throws pd::Error naming the key and the source when the key is missing.
  const at::Tensor& at(const std::string& key) const;
};

}  // namespace pd::io
