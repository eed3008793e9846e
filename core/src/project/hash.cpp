// Provenance hashes (SHA-256 via the one implementation in io/sha256) and canonical JSON.
#include <nlohmann/json.hpp>

#include "io/sha256.h"
#include "promptdesk/error.h"
#include "promptdesk/hash.h"

namespace pd {

std::string sha256Hex(const void* data, std::size_t size) {
  io::Sha256 s;
  s.update(data, size);
  return s.hexDigest();
}

std::string sha256Hex(const std::string& bytes) { return sha256Hex(bytes.data(), bytes.size()); }

std::string sha256File(const std::string& path) { return io::sha256File(path); }

std::string canonicalJson(const std::string& jsonText) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(jsonText);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("invalid JSON: ") + e.what(), "json");
  }
  return j.dump();  // nlohmann's object is an ordered std::map: keys come out sorted
}

std::string canonicalJsonHash(const std::string& jsonText) {
  return sha256Hex(canonicalJson(jsonText));
}

std::string itemListHash(const std::vector<std::string>& itemIds) {
  io::Sha256 s;
  for (std::size_t i = 0; i < itemIds.size(); ++i) {
    if (i) s.update("\n", 1);
    s.update(itemIds[i].data(), itemIds[i].size());
  }
  return s.hexDigest();
}

}  // namespace pd
