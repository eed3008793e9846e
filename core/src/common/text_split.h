#pragma once
// Splitting option text into items: "1,2,4", "coop, cocoop", templates one per line or "|".
#include <string>
#include <vector>

namespace pd {

// The pieces of `s` between any of the characters in `separators`, each trimmed of the
// characters in `trim`; empty pieces are dropped.
inline std::vector<std::string> splitTrimmed(const std::string& s, const std::string& separators,
                                             const char* trim = " \t\r\n") {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    const auto a = cur.find_first_not_of(trim), b = cur.find_last_not_of(trim);
    if (a != std::string::npos) out.push_back(cur.substr(a, b - a + 1));
    cur.clear();
  };
  for (char c : s) {
    if (separators.find(c) != std::string::npos)
      flush();
    else
      cur += c;
  }
  flush();
  return out;
}

}  // namespace pd
