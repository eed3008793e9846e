#pragma once
// safetensors reader/writer (https://github.com/huggingface/safetensors format, written from the
// spec): `u64 LE header length N` | `N bytes of JSON` | raw little-endian tensor data.
// Every header field is validated against the file size BEFORE any tensor is allocated; every
// failure is a pd::Error naming the file (context) and the tensor at fault.
#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>

#include "io/state_dict.h"

namespace pd::io {

// Largest JSON header accepted (the reference implementation uses the same 100 MB cap).
constexpr std::uint64_t kSafetensorsMaxHeader = 100ull * 1000 * 1000;
// Most tensors one file may list (CLIP ViT-L/14 has about 600) and deepest JSON nesting of the
// header (the format itself needs 3: header object, tensor entry, shape array).
constexpr std::size_t kSafetensorsMaxTensors = 200'000;
constexpr int kSafetensorsMaxDepth = 8;

// Reads every tensor. F16/BF16 are upcast to float32; F32, F64, I64, I32, I16, I8, U8, BOOL keep
// their dtype. `__metadata__` goes to StateDict::metadata; StateDict::source = path.
StateDict readSafetensors(const std::string& path);

// Same, from bytes in memory (`sourceName` names them in messages). Handy for fuzzing.
StateDict readSafetensorsBytes(const std::string& bytes, const std::string& sourceName);

// Tensor names and shapes only (header validated exactly like readSafetensors; no data is read).
struct SafetensorsEntry {
  std::string dtype;  // "F32", "I64", ...
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0, end = 0;  // byte range within the data section
};
std::map<std::string, SafetensorsEntry> readSafetensorsHeader(
    const std::string& path, std::map<std::string, std::string>* metadata = nullptr);

// Writes `tensors` (F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL; any device/layout, copied to
// contiguous CPU) atomically: a temp file beside `path`, then rename. The header is padded with
// spaces to a multiple of 8 bytes; tensors are laid out by (element size descending, name) so each
// is aligned to its element size. `metadata` becomes `__metadata__` when not empty.
void writeSafetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// True when the first bytes look like a safetensors header (8-byte length then '{').
bool looksLikeSafetensors(const std::string& path);

}  // namespace pd::io
