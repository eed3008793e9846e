#pragma once
// Few-shot grids (methods x shots x seeds), expanded in one place: the experiment job kind and
// the CLI's `experiment fewshot` both use this.
#include <cstdint>
#include <string>
#include <vector>

namespace pd {

struct GridCell {
  std::string method;  // method or preset name
  int shots = 0;       // 0 for a method that uses no training data
  std::uint64_t seed = 1;
};

// Comma lists -> cells, method-major. A method that uses no training data (zero-shot) runs once:
// 0 shots, the first seed. Unknown methods, non-integers and empty lists throw pd::Error naming
// `where.methods` / `where.shots` / `where.seeds`.
std::vector<GridCell> fewShotGrid(const std::string& methods, const std::string& shots,
                                  const std::string& seeds, const std::string& where);

}  // namespace pd
