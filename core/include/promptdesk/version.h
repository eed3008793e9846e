#pragma once
#include <string>

namespace pd {
// The application version ("0.1.0").
std::string version();
// The LibTorch version the core was built against ("1.13.1").
std::string torchVersion();
// Number of logical cores available to this process.
int hardwareCores();
}  // namespace pd
