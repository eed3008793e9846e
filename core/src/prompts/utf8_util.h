#pragma once
// Small UTF-8 helpers for the prompt code: lengths and positions in code points.
#include <cstddef>
#include <string>

namespace pd::prompts {

// True for bytes that start a code point (everything but 10xxxxxx continuation bytes).
inline bool startsCodePoint(unsigned char c) { return (c & 0xC0) != 0x80; }

// Code points in s[from, to).
inline int codePoints(const std::string& s, std::size_t from = 0,
                      std::size_t to = std::string::npos) {
  if (to > s.size()) to = s.size();
  int n = 0;
  for (std::size_t i = from; i < to; ++i) n += startsCodePoint(static_cast<unsigned char>(s[i]));
  return n;
}

// Trims ASCII whitespace on both ends.
inline std::string trimmed(const std::string& s) {
  const char* ws = " \t\r\n\f\v";
  std::size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

inline bool isBlank(const std::string& s) { return trimmed(s).empty(); }

}  // namespace pd::prompts
