#include "data/feature_shard.h"

#include <ATen/ATen.h>

#include "io/safetensors.h"
#include "promptdesk/error.h"

namespace pd::data {

void writeFeatureShard(const std::string& path, const float* data, std::uint64_t rows,
                       std::uint64_t dim) {
  at::Tensor t = at::from_blob(const_cast<float*>(data),
                               {static_cast<std::int64_t>(rows), static_cast<std::int64_t>(dim)},
                               at::kFloat);
  io::writeSafetensors(path, {{"features", t}}, {{"format", "promptdesk-feature-shard-1"}});
}

bool readFeatureShardRows(const std::string& path, const std::vector<std::uint64_t>& rows,
                          std::uint64_t dim, std::vector<std::vector<float>>* out) {
  out->clear();
  io::StateDict sd;
  try {
    sd = io::readSafetensors(path);
  } catch (const pd::Error&) {
    return false;  // evicted meanwhile, or damaged: the caller treats it as a miss
  }
  auto it = sd.tensors.find("features");
  if (it == sd.tensors.end()) return false;
  at::Tensor t = it->second;
  if (t.dim() != 2 || t.scalar_type() != at::kFloat || t.size(1) != static_cast<std::int64_t>(dim))
    return false;
  t = t.contiguous();
  const float* p = t.data_ptr<float>();
  for (std::uint64_t r : rows) {
    if (r >= static_cast<std::uint64_t>(t.size(0))) return false;
    out->emplace_back(p + r * dim, p + (r + 1) * dim);
  }
  return true;
}

}  // namespace pd::data
