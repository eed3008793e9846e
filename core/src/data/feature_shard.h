#pragma once
// Shard files of the feature cache: one float32 matrix (rows x dim) per file.
// Until branch `io` (safetensors writer/reader) is merged, shards use a minimal raw layout:
//   bytes 0-7  "PDFEAT1\0", 8-15 rows (uint64 LE), 16-23 dim (uint64 LE), then rows*dim float32 LE.
// Only these two functions know the layout.
#include <cstdint>
#include <string>
#include <vector>

namespace pd::data {

// Writes to `path` + ".tmp.<unique>" and renames into place (atomic on POSIX).
void writeFeatureShard(const std::string& path, const float* data, std::uint64_t rows,
                       std::uint64_t dim);
// Reads the listed rows; false when the file is missing, short or of another dim (a miss).
bool readFeatureShardRows(const std::string& path, const std::vector<std::uint64_t>& rows,
                          std::uint64_t dim, std::vector<std::vector<float>>* out);

}  // namespace pd::data
