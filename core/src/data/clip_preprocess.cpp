#include "data/clip_preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "promptdesk/error.h"

namespace pd {

const float kClipMean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
const float kClipStd[3] = {0.26862954f, 0.26130258f, 0.27577711f};

namespace data {

namespace {
// PIL's MULDIV255: a * b / 255 rounded.
inline int mulDiv255(int a, int b) {
  int tmp = a * b + 128;
  return ((tmp >> 8) + tmp) >> 8;
}

void checkImage(const DecodedImage& img) {
  if (img.width <= 0 || img.height <= 0 || img.channels < 1 || img.channels > 4 ||
      img.pixels.size() != size_t(img.width) * img.height * img.channels)
    throw Error("invalid image buffer " + std::to_string(img.width) + "x" +
                    std::to_string(img.height) + "x" + std::to_string(img.channels),
                "clipPreprocess");
}

DecodedImage resizeNearest(const DecodedImage& in, int ow, int oh) {
  // PIL's scaling NEAREST: source = int(a/2 + k*a) accumulated in double, a = in / out.
  DecodedImage out;
  out.width = ow;
  out.height = oh;
  out.channels = in.channels;
  out.pixels.resize(size_t(ow) * oh * in.channels);
  const double ax = double(in.width) / ow, ay = double(in.height) / oh;
  std::vector<int> xs(static_cast<size_t>(ow));
  double xo = ax * 0.5;
  for (int x = 0; x < ow; ++x, xo += ax) xs[size_t(x)] = std::min(in.width - 1, int(xo));
  double yo = ay * 0.5;
  for (int y = 0; y < oh; ++y, yo += ay) {
    const int yy = std::min(in.height - 1, int(yo));
    for (int x = 0; x < ow; ++x)
      std::memcpy(&out.pixels[(size_t(y) * ow + x) * in.channels],
                  &in.pixels[(size_t(yy) * in.width + xs[size_t(x)]) * in.channels],
                  size_t(in.channels));
  }
  return out;
}

// ATen's antialiased resize is separable (horizontal pass, then vertical; a dimension whose size
// does not change is left as it is), so the horizontal pass runs here on bands of rows and the
// vertical one on the narrow float intermediate: the same numbers as one call on the whole image,
// without the whole image ever existing as float (a 100-megapixel RGB image would take 1.2 GB).
// Images up to kWholeResizeSamples samples (32 MB as float) take one call, which is faster.
constexpr int kResizeBandRows = 128;
constexpr size_t kWholeResizeSamples = size_t(8) << 20;

at::Tensor bicubicAa(const at::Tensor& t, int oh, int ow) {
  if (t.size(2) == oh && t.size(3) == ow) return t;
  return at::_upsample_bicubic2d_aa(t, {oh, ow}, false, c10::nullopt, c10::nullopt);
}

DecodedImage resizeBicubic(const DecodedImage& in, int ow, int oh) {
  const int C = in.channels, W = in.width, H = in.height;
  const bool alpha = C == 2 || C == 4;
  std::vector<uint8_t> band;
  // Rows [y0, y0 + rows) as float (1, C, rows, W), colour premultiplied when there is alpha.
  // Without alpha the pixels are read in place (the float conversion is the only copy).
  auto rowsAsFloat = [&](int y0, int rows) {
    const uint8_t* first = in.pixels.data() + size_t(y0) * W * C;
    if (alpha) {  // PIL resizes "RGBa"/"La": colour premultiplied by alpha
      band.assign(first, first + size_t(rows) * W * C);
      for (size_t i = 0; i < size_t(rows) * W; ++i) {
        uint8_t* p = &band[i * C];
        int a = p[C - 1];
        for (int c = 0; c < C - 1; ++c) p[c] = uint8_t(mulDiv255(p[c], a));
      }
      first = band.data();
    }
    return at::from_blob(const_cast<uint8_t*>(first), {1, rows, W, C}, at::kByte)
        .permute({0, 3, 1, 2})
        .to(at::kFloat)
        .contiguous();
  };
  at::Tensor r;
  if (size_t(W) * H * C <= kWholeResizeSamples) {
    r = bicubicAa(rowsAsFloat(0, H), oh, ow);
  } else {
    at::Tensor mid = at::empty({1, C, H, ow}, at::kFloat);
    for (int y0 = 0; y0 < H; y0 += kResizeBandRows) {
      const int rows = std::min(kResizeBandRows, H - y0);
      mid.narrow(2, y0, rows).copy_(bicubicAa(rowsAsFloat(y0, rows), rows, ow));
    }
    r = bicubicAa(mid, oh, ow);
  }
  r = r.round_().clamp_(0, 255).to(at::kByte).permute({0, 2, 3, 1}).contiguous();
  DecodedImage out;
  out.width = ow;
  out.height = oh;
  out.channels = C;
  out.pixels.assign(r.data_ptr<uint8_t>(), r.data_ptr<uint8_t>() + r.numel());
  if (alpha) {  // back to straight alpha as PIL's "RGBa" -> "RGBA"
    const size_t m = size_t(ow) * oh;
    for (size_t i = 0; i < m; ++i) {
      uint8_t* p = &out.pixels[i * C];
      int a = p[C - 1];
      if (a == 0 || a == 255) continue;
      for (int c = 0; c < C - 1; ++c) p[c] = uint8_t(std::min(255, 255 * p[c] / a));
    }
  }
  return out;
}
}  // namespace

DecodedImage resizeShortSide(const DecodedImage& in, int shortSide) {
  checkImage(in);
  const int w = in.width, h = in.height;
  int ow, oh;
  if (w <= h) {
    ow = shortSide;
    oh = int(int64_t(shortSide) * h / w);
  } else {
    oh = shortSide;
    ow = int(int64_t(shortSide) * w / h);
  }
  if (ow == w && oh == h) return in;
  return in.nearestResample ? resizeNearest(in, ow, oh) : resizeBicubic(in, ow, oh);
}

at::Tensor clipPreprocess(const DecodedImage& image, int nPx) {
  if (nPx < 1 || nPx > 4096)
    throw Error("n_px must be in 1..4096, got " + std::to_string(nPx), "clipPreprocess");
  DecodedImage r = resizeShortSide(image, nPx);
  // torchvision's CenterCrop: offsets int(round((size - n) / 2)) (round half to even).
  const int top = int(std::nearbyint((r.height - nPx) / 2.0));
  const int left = int(std::nearbyint((r.width - nPx) / 2.0));
  at::Tensor out = at::empty({3, nPx, nPx}, at::kFloat);
  float* o = out.data_ptr<float>();
  const int C = r.channels;
  const bool grey = C <= 2;
  for (int c = 0; c < 3; ++c) {
    const int sc = grey ? 0 : c;
    const float mean = kClipMean[c], sd = kClipStd[c];
    for (int y = 0; y < nPx; ++y) {
      const uint8_t* row = &r.pixels[(size_t(y + top) * r.width + left) * C];
      float* dst = o + (size_t(c) * nPx + y) * nPx;
      for (int x = 0; x < nPx; ++x) dst[x] = (float(row[size_t(x) * C + sc]) / 255.0f - mean) / sd;
    }
  }
  return out;
}

at::Tensor clipPreprocessFile(const std::string& path, int nPx, const ImageDecodeOptions& options) {
  DecodedImage img = decodeImageFile(path, options);
  try {
    return clipPreprocess(img, nPx);
  } catch (const Error& e) {
    throw Error(e.what(), path);
  }
}

at::Tensor clipPreprocessPixels(const at::Tensor& pixels, int nPx) {
  if (pixels.scalar_type() != at::kByte || (pixels.dim() != 2 && pixels.dim() != 3))
    throw Error("expected uint8 pixels of shape (H, W) or (H, W, C)", "clipPreprocessPixels");
  at::Tensor p = pixels.dim() == 2 ? pixels.unsqueeze(2) : pixels;
  p = p.contiguous();
  DecodedImage img;
  img.height = int(p.size(0));
  img.width = int(p.size(1));
  img.channels = int(p.size(2));
  if (img.channels < 1 || img.channels > 4)
    throw Error("expected 1 to 4 channels, got " + std::to_string(img.channels),
                "clipPreprocessPixels");
  img.pixels.assign(p.data_ptr<uint8_t>(), p.data_ptr<uint8_t>() + p.numel());
  return clipPreprocess(img, nPx);
}

at::Tensor clipPreprocessFiles(const std::vector<std::string>& paths, int nPx,
                               const ImageDecodeOptions& options) {
  std::vector<at::Tensor> items;
  items.reserve(paths.size());
  for (const auto& p : paths) items.push_back(clipPreprocessFile(p, nPx, options));
  if (items.empty()) return at::empty({0, 3, nPx, nPx}, at::kFloat);
  return at::stack(items);
}

}  // namespace data

std::vector<float> preprocessImageFileForClip(const std::string& path, int nPx,
                                              const ImageDecodeOptions& options) {
  at::Tensor t = data::clipPreprocessFile(path, nPx, options);
  return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
}

std::vector<float> preprocessPixelsForClip(const uint8_t* pixels, int height, int width,
                                           int channels, int nPx) {
  if (!pixels || height <= 0 || width <= 0 || channels < 1 || channels > 4)
    throw Error("invalid pixel buffer " + std::to_string(height) + "x" + std::to_string(width) +
                    "x" + std::to_string(channels),
                "preprocessPixelsForClip");
  data::DecodedImage img;
  img.width = width;
  img.height = height;
  img.channels = channels;
  img.pixels.assign(pixels, pixels + size_t(width) * height * channels);
  at::Tensor t = data::clipPreprocess(img, nPx);
  return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
}

}  // namespace pd
