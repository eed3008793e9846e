#pragma once
// SHA-256 for provenance: content hashes of models, datasets, splits and job specs.
#include <cstdint>
#include <string>
#include <vector>

namespace pd {

// Lower-case hex SHA-256 of `bytes`.
std::string sha256Hex(const std::string& bytes);
std::string sha256Hex(const void* data, std::size_t size);
// Lower-case hex SHA-256 of a file's contents (streamed). Throws pd::Error naming the file.
std::string sha256File(const std::string& path);
// sha256File for a file; for a folder, SHA-256 over its manifest: one line "<relative path>\t<size>
// \t<SHA-256 of the file>" per regular file below it, sorted by path (hidden entries skipped).
// Throws pd::Error naming the path when it is missing or unreadable.
std::string sha256Path(const std::string& path);
// Hash of a JSON text in canonical form (parsed, keys sorted, dumped compactly): two specs that
// differ only in key order or whitespace hash equal. Throws pd::Error on invalid JSON.
std::string canonicalJsonHash(const std::string& jsonText);
// The canonical form used by canonicalJsonHash.
std::string canonicalJson(const std::string& jsonText);
// SHA-256 over a list of item ids joined by '\n' (the split hash recorded with few-shot splits).
std::string itemListHash(const std::vector<std::string>& itemIds);

}  // namespace pd
