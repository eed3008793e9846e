#include "io/state_dict.h"

#include "promptdesk/error.h"

namespace pd::io {
const at::Tensor& StateDict::at(const std::string& key) const {
  auto it = tensors.find(key);
  if (it == tensors.end()) throw pd::Error("missing tensor '" + key + "'", source);
  return it->second;
}
}  // namespace pd::io
