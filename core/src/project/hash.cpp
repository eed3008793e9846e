// Provenance hashes (SHA-256 via the one implementation in io/sha256) and canonical JSON.
#include <algorithm>
#include <filesystem>

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

std::string sha256Path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return io::sha256File(path);
  std::vector<std::pair<std::string, std::string>> files;  // (relative path, absolute path)
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) throw Error("cannot list the folder: " + ec.message(), path);
  for (; it != end; it.increment(ec)) {
    if (ec) throw Error("cannot list the folder: " + ec.message(), path);
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec))
      files.emplace_back(fs::relative(it->path(), path).generic_string(), it->path().string());
  }
  std::sort(files.begin(), files.end());
  io::Sha256 manifest;
  for (const auto& [rel, abs] : files) {
    const std::string line = rel + "\t" + std::to_string(fs::file_size(abs, ec)) + "\t" +
                             io::sha256File(abs) + "\n";
    manifest.update(line.data(), line.size());
  }
  return manifest.hexDigest();
}

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
