#pragma once
// Shard files of the feature cache: one safetensors file per stored batch holding the tensor
// "features" (rows x dim, F32), written and read with io's safetensors writer/reader.
#include <cstdint>
#include <string>
#include <vector>

namespace pd::data {

// Atomic: io::writeSafetensors writes a temp file beside `path` and renames it into place.
void writeFeatureShard(const std::string& path, const float* data, std::uint64_t rows,
                       std::uint64_t dim);
// Reads the listed rows; false when the file is missing, short or of another dim (a miss).
bool readFeatureShardRows(const std::string& path, const std::vector<std::uint64_t>& rows,
                          std::uint64_t dim, std::vector<std::vector<float>>* out);

}  // namespace pd::data
