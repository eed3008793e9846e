#include "data/feature_shard.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "promptdesk/error.h"

namespace pd::data {

namespace {
constexpr char kMagic[8] = {'P', 'D', 'F', 'E', 'A', 'T', '1', '\0'};

void putU64(unsigned char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
std::uint64_t getU64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
}  // namespace

void writeFeatureShard(const std::string& path, const float* data, std::uint64_t rows,
                       std::uint64_t dim) {
  static std::atomic<unsigned> counter{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id())) +
                          "." + std::to_string(counter++);
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw Error("cannot create shard file", tmp);
  unsigned char header[24];
  std::memcpy(header, kMagic, 8);
  putU64(header + 8, rows);
  putU64(header + 16, dim);
  bool ok = std::fwrite(header, 1, 24, f) == 24;
  static_assert(sizeof(float) == 4, "float32");
  // Little-endian hosts only (x86-64, aarch64): the floats are written as they are in memory.
  const std::size_t n = static_cast<std::size_t>(rows * dim);
  ok = ok && std::fwrite(data, sizeof(float), n, f) == n;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    throw Error("cannot write shard file (disk full?)", tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw Error("cannot rename shard into place: " + ec.message(), path);
  }
}

bool readFeatureShardRows(const std::string& path, const std::vector<std::uint64_t>& rows,
                          std::uint64_t dim, std::vector<std::vector<float>>* out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  unsigned char header[24];
  bool ok = std::fread(header, 1, 24, f) == 24 && std::memcmp(header, kMagic, 8) == 0;
  const std::uint64_t nrows = ok ? getU64(header + 8) : 0;
  ok = ok && getU64(header + 16) == dim;
  out->clear();
  for (std::size_t i = 0; ok && i < rows.size(); ++i) {
    if (rows[i] >= nrows) {
      ok = false;
      break;
    }
    std::vector<float> row(dim);
    ok = std::fseek(f, static_cast<long>(24 + rows[i] * dim * 4), SEEK_SET) == 0 &&
         std::fread(row.data(), 4, dim, f) == dim;
    out->push_back(std::move(row));
  }
  std::fclose(f);
  return ok;
}

}  // namespace pd::data
