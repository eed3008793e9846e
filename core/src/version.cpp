#include "promptdesk/version.h"

#include <torch/version.h>

#include <thread>

namespace pd {
std::string version() { return PROMPTDESK_VERSION; }
std::string torchVersion() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}
int hardwareCores() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}
}  // namespace pd
