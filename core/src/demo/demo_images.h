#pragma once
// Fashion-MNIST as tensors for the demo's pretraining, through the ordinary dataset loader.
#include <ATen/ATen.h>

#include <string>

namespace pd::demo {

struct FashionImages {
  at::Tensor images;  // (N, 28, 28) uint8
  at::Tensor labels;  // (N) int64 (accessor-friendly: labels[i].item or data_ptr)
  std::vector<std::int64_t> labelVector;
};

// The first `limit` items (all when <= 0) of a split ("train"/"test") of the IDX dataset in `dir`.
FashionImages loadFashionSplit(const std::string& dir, const std::string& split,
                               std::int64_t limit);

// uint8 (N, H, W) grey -> float (N, 3, H, W) with CLIP's mean/std, the same values the CLIP
// preprocessing gives for a grey image whose size already equals the model's resolution.
at::Tensor clipNormalise(const at::Tensor& greyU8);

}  // namespace pd::demo
