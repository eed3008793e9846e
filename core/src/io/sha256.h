#pragma once
// SHA-256 (FIPS 180-4), our own small implementation: content hashes of checkpoint files that
// match `sha256sum` and the Hugging Face hub's file hashes.
#include <cstddef>
#include <cstdint>
#include <string>

namespace pd::io {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t n);
  std::string hexDigest();  // finalises; call once

 private:
  void block(const unsigned char* p);
  std::uint32_t h_[8];
  unsigned char buf_[64];
  std::size_t bufLen_ = 0;
  std::uint64_t total_ = 0;
};

// Hex SHA-256 of a file's bytes (read in 1 MiB chunks). Throws pd::Error naming the file.
std::string sha256File(const std::string& path);

}  // namespace pd::io
