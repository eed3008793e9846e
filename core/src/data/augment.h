#pragma once
// CoOp's training augmentation on 8-bit images, driven by our own generator (data/prng.h) so a
// view seed gives the same view everywhere: RandomResizedCrop(size, scale=(0.08, 1),
// ratio=(3/4, 4/3)) as torchvision samples it (10 tries, then a centre crop clamped to the ratio
// range), bilinear resize of the crop to size x size, then a horizontal flip with probability 1/2.
#include <cstdint>

#include "promptdesk/dataset.h"

namespace pd::data {

struct CropBox {
  int top = 0, left = 0, height = 0, width = 0;
  bool flip = false;
};

// The crop and flip that `seed` selects for an image of height x width.
CropBox sampleResizedCrop(int height, int width, std::uint64_t seed, double scaleMin = 0.08,
                          double scaleMax = 1.0, double ratioMin = 3.0 / 4.0,
                          double ratioMax = 4.0 / 3.0);
// Applies sampleResizedCrop(seed) and resizes to size x size (bilinear, half-pixel centres).
Image randomResizedCropFlip(const Image& image, int size, std::uint64_t seed);
// Seed of augmented view `view` (>= 1) of an item, from the run's base seed and the item hash.
std::uint64_t viewSeed(std::uint64_t baseSeed, const std::string& itemHash, int view);

}  // namespace pd::data
