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

// Lenient reads of untrusted objects: `j[key]` when j is an object holding a value of that type,
// else `fallback` (nlohmann's value() throws type_error on a wrong type).
inline std::string stringOr(const nlohmann::json& j, const char* key, std::string fallback = {}) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}
inline std::int64_t intOr(const nlohmann::json& j, const char* key, std::int64_t fallback = 0) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

}  // namespace pd::io
