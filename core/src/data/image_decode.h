#pragma once
// Decoding of image files to 8-bit pixels as PIL opens them (internal to the core).
#include <cstdint>
#include <string>
#include <vector>

#include "promptdesk/image.h"

namespace pd::data {

struct DecodedImage {
  int width = 0;
  int height = 0;
  int channels = 0;  // 1 L, 2 LA, 3 RGB, 4 RGBA (alpha not premultiplied)
  // PIL resizes palette ("P") and 1-bit ("1") images with NEAREST whatever filter is asked for.
  bool nearestResample = false;
  std::vector<uint8_t> pixels;  // height x width x channels
};

// Whole file (at most `maxBytes`); pd::Error naming the file when unreadable.
std::vector<uint8_t> readFileBytes(const std::string& path, size_t maxBytes);

// JPEG or PNG by signature; pd::Error naming `path` for anything else or any decoding failure.
DecodedImage decodeImageFile(const std::string& path, const ImageDecodeOptions& options = {});
DecodedImage decodeJpeg(const std::vector<uint8_t>& bytes, const std::string& path,
                        const ImageDecodeOptions& options);
DecodedImage decodePng(const std::vector<uint8_t>& bytes, const std::string& path,
                       const ImageDecodeOptions& options);

// Header only (bytes may be a prefix of the file).
ImageInfo probeJpeg(const std::vector<uint8_t>& bytes, const std::string& path);
ImageInfo probePng(const std::vector<uint8_t>& bytes, const std::string& path);

bool isJpeg(const std::vector<uint8_t>& bytes);
bool isPng(const std::vector<uint8_t>& bytes);

// EXIF orientation (1..8) from an APP1 payload ("Exif\0\0" + TIFF); 1 when absent or malformed.
int exifOrientation(const uint8_t* data, size_t size);
// Applies an EXIF orientation as PIL's ImageOps.exif_transpose does.
DecodedImage applyExifOrientation(const DecodedImage& image, int orientation);

}  // namespace pd::data
