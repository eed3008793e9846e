#pragma once
// Shared helpers for the libFuzzer targets: a private scratch folder (per process) for parsers that
// only take a path, and the rule every target enforces: bad bytes may throw pd::Error, nothing else
// (any other exception escapes and libFuzzer reports it as a crash).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace pd_fuzz {

inline const std::filesystem::path& scratchDir() {
  static const std::filesystem::path dir = [] {
    const char* shm = "/dev/shm";
    std::error_code ec;
    std::filesystem::path base = std::filesystem::is_directory(shm, ec)
                                     ? std::filesystem::path(shm)
                                     : std::filesystem::temp_directory_path();
    std::filesystem::path d = base / ("promptdesk-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(d, ec);
    std::filesystem::create_directories(d);
    return d;
  }();
  // Removed when the fuzzer exits normally (a crash leaves it for inspection); /dev/shm is RAM.
  static const bool cleanup = [] {
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    });
    return true;
  }();
  (void)cleanup;
  return dir;
}

// A fresh empty folder under the scratch dir (the same one each call, emptied).
inline std::filesystem::path freshDir(const std::string& name) {
  std::filesystem::path d = scratchDir() / name;
  std::error_code ec;
  std::filesystem::remove_all(d, ec);
  std::filesystem::create_directories(d);
  return d;
}

inline void writeFile(const std::filesystem::path& p, const uint8_t* data, size_t size) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

inline void writeFile(const std::filesystem::path& p, const std::string& s) {
  writeFile(p, reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace pd_fuzz
