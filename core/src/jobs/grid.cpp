#include "promptdesk/grid.h"

#include <stdexcept>

#include "common/text_split.h"
#include "promptdesk/error.h"
#include "promptdesk/methods.h"

namespace pd {
namespace {

std::vector<long long> integers(const std::string& list, const std::string& where) {
  std::vector<long long> v;
  for (const auto& x : splitTrimmed(list, ",")) {
    try {
      std::size_t used = 0;
      long long n = std::stoll(x, &used);
      if (used != x.size() || n < 0) throw std::invalid_argument(x);
      v.push_back(n);
    } catch (const std::exception&) {
      throw Error("not a non-negative integer: '" + x + "'", where);
    }
  }
  return v;
}
}  // namespace

std::vector<GridCell> fewShotGrid(const std::string& methods, const std::string& shots,
                                  const std::string& seeds, const std::string& where) {
  const auto ms = splitTrimmed(methods, ",");
  const auto sh = integers(shots, where + ".shots"), se = integers(seeds, where + ".seeds");
  if (ms.empty() || sh.empty() || se.empty())
    throw Error("methods, shots and seeds must each list at least one value", where);
  for (long long s : sh)
    if (s > 10000) throw Error("at most 10000 shots per class", where + ".shots");
  std::vector<GridCell> out;
  for (const auto& m : ms) {
    const bool trains = resolveMethod(m, "{}", where + ".methods").method->usesTrainingData;
    for (long long s : trains ? sh : std::vector<long long>{0})
      for (long long d : trains ? se : std::vector<long long>{se.front()})
        out.push_back({m, static_cast<int>(s), static_cast<std::uint64_t>(d)});
  }
  return out;
}

}  // namespace pd
