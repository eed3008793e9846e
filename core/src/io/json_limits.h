#pragma once
// JSON from files is untrusted: parse it with a nesting limit (deeply nested input would make
// later recursive code, e.g. dump(), overflow the stack) and check a file's size before reading it.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "promptdesk/error.h"

namespace pd::io {

constexpr int kMaxJsonDepth = 128;                         // no PromptDesk format needs 10
constexpr std::uint64_t kMaxJsonFileBytes = 256ull << 20;  // 256 MiB

// Parses `text`; pd::Error naming `origin` when it is not valid JSON or nests deeper than
// `maxDepth` arrays/objects. Json: nlohmann::json or nlohmann::ordered_json.
template <class Json = nlohmann::json>
Json parseJsonLimited(const std::string& text, const std::string& origin,
                      int maxDepth = kMaxJsonDepth) {
  typename Json::parser_callback_t cb = [&](int depth, typename Json::parse_event_t ev, Json&) {
    if ((ev == Json::parse_event_t::object_start || ev == Json::parse_event_t::array_start) &&
        depth >= maxDepth)
      throw pd::Error("JSON nested deeper than " + std::to_string(maxDepth) + " levels", origin);
    return true;
  };
  try {
    return Json::parse(text, cb);
  } catch (const typename Json::exception& e) {
    throw pd::Error(std::string("not valid JSON: ") + e.what(), origin);
  }
}

// The whole file as text after checking its size against `maxBytes` (pd::Error naming the file).
inline std::string readJsonFileText(const std::string& path,
                                    std::uint64_t maxBytes = kMaxJsonFileBytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw pd::Error("cannot open: " + ec.message(), path);
  if (size > maxBytes)
    throw pd::Error("JSON file of " + std::to_string(size) + " bytes is over the limit of " +
                        std::to_string(maxBytes) + " bytes",
                    path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw pd::Error("cannot open for reading", path);
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

}  // namespace pd::io
