#pragma once
// Test-only reader of a .safetensors file (8-byte header length, JSON header, raw little-endian
// data), enough to compare against the golden fixtures. The core's reader lives in core/src/io.
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pdtest {

struct MiniTensor {
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<char> bytes;

  template <typename T>
  std::vector<T> as() const {
    std::vector<T> v(bytes.size() / sizeof(T));
    std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
    return v;
  }
};

inline MiniTensor readSafetensor(const std::string& path, const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  if (!in || n > (1u << 24)) throw std::runtime_error("bad safetensors header in " + path);
  std::string header(n, '\0');
  in.read(header.data(), std::streamsize(n));
  auto j = nlohmann::json::parse(header);
  if (!j.contains(name)) throw std::runtime_error(path + " has no tensor " + name);
  const auto& e = j[name];
  MiniTensor t;
  t.dtype = e["dtype"].get<std::string>();
  t.shape = e["shape"].get<std::vector<int64_t>>();
  auto off = e["data_offsets"].get<std::vector<uint64_t>>();
  t.bytes.resize(off[1] - off[0]);
  in.seekg(std::streamoff(8 + n + off[0]));
  in.read(t.bytes.data(), std::streamsize(t.bytes.size()));
  if (!in) throw std::runtime_error("truncated tensor " + name + " in " + path);
  return t;
}

}  // namespace pdtest
