// EXIF orientation: parsing the tag from a JPEG APP1 segment (bounds-checked) and applying it.
#include "data/image_decode.h"

#include <cstring>

namespace pd::data {

int exifOrientation(const uint8_t* d, size_t n) {
  // "Exif\0\0" then a TIFF header: byte order, 42, offset of IFD0.
  if (!d || n < 6 + 8 || std::memcmp(d, "Exif\0\0", 6) != 0) return 1;
  const uint8_t* t = d + 6;
  size_t tn = n - 6;
  bool little;
  if (t[0] == 'I' && t[1] == 'I') {
    little = true;
  } else if (t[0] == 'M' && t[1] == 'M') {
    little = false;
  } else {
    return 1;
  }
  auto u16 = [&](size_t off) -> uint32_t {
    return little ? uint32_t(t[off] | (t[off + 1] << 8)) : uint32_t((t[off] << 8) | t[off + 1]);
  };
  auto u32 = [&](size_t off) -> uint32_t {
    return little ? (uint32_t(t[off]) | (uint32_t(t[off + 1]) << 8) |
                     (uint32_t(t[off + 2]) << 16) | (uint32_t(t[off + 3]) << 24))
                  : ((uint32_t(t[off]) << 24) | (uint32_t(t[off + 1]) << 16) |
                     (uint32_t(t[off + 2]) << 8) | uint32_t(t[off + 3]));
  };
  if (u16(2) != 42) return 1;
  size_t ifd = u32(4);
  if (ifd < 8 || ifd > tn || tn - ifd < 2) return 1;
  size_t count = u16(ifd);
  for (size_t i = 0; i < count; ++i) {
    size_t e = ifd + 2 + i * 12;
    if (e > tn || tn - e < 12) return 1;
    if (u16(e) != 0x0112) continue;
    uint32_t type = u16(e + 2), cnt = u32(e + 4);
    if (type != 3 || cnt < 1) return 1;  // SHORT, value stored inline
    uint32_t v = u16(e + 8);
    return (v >= 1 && v <= 8) ? int(v) : 1;
  }
  return 1;
}

DecodedImage applyExifOrientation(const DecodedImage& in, int orientation) {
  if (orientation <= 1 || orientation > 8) return in;
  const int W = in.width, H = in.height, C = in.channels;
  const bool swap = orientation >= 5;
  DecodedImage out;
  out.width = swap ? H : W;
  out.height = swap ? W : H;
  out.channels = C;
  out.nearestResample = in.nearestResample;
  out.pixels.resize(in.pixels.size());
  for (int oy = 0; oy < out.height; ++oy) {
    for (int ox = 0; ox < out.width; ++ox) {
      int sx = ox, sy = oy;
      switch (orientation) {
        case 2: sx = W - 1 - ox; sy = oy; break;           // mirror horizontal
        case 3: sx = W - 1 - ox; sy = H - 1 - oy; break;   // rotate 180
        case 4: sx = ox; sy = H - 1 - oy; break;           // mirror vertical
        case 5: sx = oy; sy = ox; break;                   // transpose
        case 6: sx = oy; sy = H - 1 - ox; break;           // rotate 90 clockwise
        case 7: sx = W - 1 - oy; sy = H - 1 - ox; break;   // transverse
        case 8: sx = W - 1 - oy; sy = ox; break;           // rotate 90 counter-clockwise
        default: break;
      }
      std::memcpy(&out.pixels[(size_t(oy) * out.width + ox) * C],
                  &in.pixels[(size_t(sy) * W + sx) * C], size_t(C));
    }
  }
  return out;
}

}  // namespace pd::data
