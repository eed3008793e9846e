#pragma once
// Image files for CLIP (torch-free public API): probing, and CLIP's preprocessing to a flat
// float vector for tools. The tensor version is internal (core/src/data/clip_preprocess.h).
//
// Decoding: JPEG (libjpeg; EXIF orientation applied by default) and PNG (libpng: grey, grey+alpha,
// RGB, RGBA, palette; 1/2/4-bit grey scaled to 8 bits; 16-bit as PIL opens it: RGB/RGBA/grey+alpha
// keep the high byte, plain 16-bit grey is clipped to 0..255 as PIL's I -> RGB conversion does).
// Images whose header claims more than `maxPixels` are refused before any pixel buffer is
// allocated; the default limit is 100 megapixels, or the environment variable
// PROMPTDESK_MAX_IMAGE_PIXELS (a positive integer) for every decode that does not set its own.
// Corrupt, truncated or non-image files throw pd::Error naming the file.
#include <cstdint>
#include <string>
#include <vector>

namespace pd {

constexpr int64_t kDefaultMaxImagePixels = 100'000'000;  // 100 megapixels

// PROMPTDESK_MAX_IMAGE_PIXELS when set, else kDefaultMaxImagePixels. Throws pd::Error naming the
// variable when it is set to anything but a positive integer.
int64_t defaultMaxImagePixels();

struct ImageInfo {
  int width = 0;  // as stored (before EXIF orientation)
  int height = 0;
  int channels = 0;         // 1 grey, 2 grey+alpha, 3 colour, 4 colour+alpha or CMYK
  int bitDepth = 0;         // bits per sample as stored (1, 2, 4, 8 or 16)
  std::string format;       // "jpeg" or "png"
  int exifOrientation = 1;  // JPEG EXIF orientation tag 1..8 (1: none or absent)
};

// Reads only the header. Throws pd::Error for unreadable or unsupported files.
ImageInfo probeImage(const std::string& path);

struct ImageDecodeOptions {
  int64_t maxPixels = defaultMaxImagePixels();
  // OpenAI's reference (PIL Image.open) ignores EXIF orientation; PromptDesk applies it unless
  // this is false.
  bool applyExifOrientation = true;
};

// CLIP's preprocessing of an image file: resize the short side to nPx (antialiased bicubic as
// PIL), centre crop nPx x nPx, RGB, /255, normalise with CLIP's mean/std. Returns 3*nPx*nPx floats,
// channel-major (CHW).
std::vector<float> preprocessImageFileForClip(const std::string& path, int nPx,
                                              const ImageDecodeOptions& options = {});

// The same from pixels in memory: `data` is height x width x channels uint8 (channels 1, 3 or 4;
// row-major, no padding), e.g. a 28x28 grey Fashion-MNIST image.
std::vector<float> preprocessPixelsForClip(const uint8_t* data, int height, int width, int channels,
                                           int nPx);

// CLIP's normalisation constants (RGB).
extern const float kClipMean[3];
extern const float kClipStd[3];

}  // namespace pd
