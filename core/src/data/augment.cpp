#include "data/augment.h"

#include <algorithm>
#include <cmath>

#include "data/prng.h"
#include "promptdesk/error.h"

namespace pd::data {

CropBox sampleResizedCrop(int height, int width, std::uint64_t seed, double scaleMin,
                          double scaleMax, double ratioMin, double ratioMax) {
  SplitMix64 rng(seed);
  CropBox box;
  const double area = static_cast<double>(height) * width;
  const double logLo = std::log(ratioMin), logHi = std::log(ratioMax);
  bool found = false;
  for (int attempt = 0; attempt < 10 && !found; ++attempt) {
    const double target = area * rng.uniform(scaleMin, scaleMax);
    const double ratio = std::exp(rng.uniform(logLo, logHi));
    const int w = static_cast<int>(std::lround(std::sqrt(target * ratio)));
    const int h = static_cast<int>(std::lround(std::sqrt(target / ratio)));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      box.height = h;
      box.width = w;
      box.top = static_cast<int>(rng.below(static_cast<std::uint64_t>(height - h + 1)));
      box.left = static_cast<int>(rng.below(static_cast<std::uint64_t>(width - w + 1)));
      found = true;
    }
  }
  if (!found) {  // centre crop, aspect ratio clamped into [ratioMin, ratioMax]
    const double inRatio = static_cast<double>(width) / height;
    if (inRatio < ratioMin) {
      box.width = width;
      box.height = std::max(1, static_cast<int>(std::lround(width / ratioMin)));
    } else if (inRatio > ratioMax) {
      box.height = height;
      box.width = std::max(1, static_cast<int>(std::lround(height * ratioMax)));
    } else {
      box.width = width;
      box.height = height;
    }
    box.top = (height - box.height) / 2;
    box.left = (width - box.width) / 2;
  }
  box.flip = rng.uniform() < 0.5;
  return box;
}

Image randomResizedCropFlip(const Image& img, int size, std::uint64_t seed) {
  if (img.width <= 0 || img.height <= 0 || img.channels <= 0 ||
      img.pixels.size() != std::size_t(img.width) * img.height * img.channels)
    throw Error("malformed image", "augment");
  if (size <= 0) throw Error("output size must be positive", "augment");
  const CropBox b = sampleResizedCrop(img.height, img.width, seed);
  Image out;
  out.width = out.height = size;
  out.channels = img.channels;
  out.pixels.resize(std::size_t(size) * size * img.channels);
  const int C = img.channels;
  const double sy = static_cast<double>(b.height) / size, sx = static_cast<double>(b.width) / size;
  for (int y = 0; y < size; ++y) {
    double fy = (y + 0.5) * sy - 0.5;
    fy = std::clamp(fy, 0.0, b.height - 1.0);
    const int y0 = static_cast<int>(fy), y1 = std::min(y0 + 1, b.height - 1);
    const double wy = fy - y0;
    for (int x = 0; x < size; ++x) {
      double fx = (x + 0.5) * sx - 0.5;
      fx = std::clamp(fx, 0.0, b.width - 1.0);
      const int x0 = static_cast<int>(fx), x1 = std::min(x0 + 1, b.width - 1);
      const double wx = fx - x0;
      const int ox = b.flip ? size - 1 - x : x;
      for (int c = 0; c < C; ++c) {
        auto px = [&](int yy, int xx) {
          return static_cast<double>(
              img.pixels[(std::size_t(b.top + yy) * img.width + (b.left + xx)) * C + c]);
        };
        const double v = (1 - wy) * ((1 - wx) * px(y0, x0) + wx * px(y0, x1)) +
                         wy * ((1 - wx) * px(y1, x0) + wx * px(y1, x1));
        out.pixels[(std::size_t(y) * size + ox) * C + c] =
            static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
  return out;
}

std::uint64_t viewSeed(std::uint64_t baseSeed, const std::string& itemHash, int view) {
  return deriveSeed(baseSeed, "view/" + itemHash + "/" + std::to_string(view));
}

}  // namespace pd::data
