// PNG decoding with libpng, to the 8-bit layouts PIL gives (see promptdesk/image.h). libpng errors
// long-jump out of a frame that holds only plain C data; the image size is checked against the
// pixel limit right after the header, before any pixel buffer exists.
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <png.h>

#include "data/image_decode.h"
#include "promptdesk/error.h"

namespace pd::data {

namespace {
enum class Failure { None, Libpng, TooLarge, TooSmallFile };

// DEFLATE cannot expand data more than 1032:1 (258-byte matches coded in 2 bits), so the file
// bounds the pixel data it can hold: a header that claims more is refused before any allocation.
constexpr uint64_t kMaxDeflateRatio = 1032;

struct Job {
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
  bool headerOnly = false;
  int64_t maxPixels = 0;
  std::vector<uint8_t>* out = nullptr;
  std::vector<uint8_t>* rows16 = nullptr;  // 16-bit grey read buffer
  std::vector<png_bytep>* rowPointers = nullptr;
  // results
  uint32_t width = 0, height = 0;
  int bitDepth = 0, colorType = 0, channels = 0, outChannels = 0;
  bool grey16 = false;
  Failure failure = Failure::None;
  char message[256] = {0};
};

void onError(png_structp png, png_const_charp msg) {
  auto* job = static_cast<Job*>(png_get_error_ptr(png));
  std::snprintf(job->message, sizeof(job->message), "%s", msg ? msg : "libpng error");
  png_longjmp(png, 1);
}
void onWarning(png_structp, png_const_charp) {}

void readData(png_structp png, png_bytep dst, png_size_t n) {
  auto* job = static_cast<Job*>(png_get_io_ptr(png));
  if (job->size - job->pos < n) png_error(png, "unexpected end of file (truncated PNG)");
  std::memcpy(dst, job->data + job->pos, n);
  job->pos += n;
}

bool runLibpng(Job& job) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, onError, onWarning);
  if (!png) {
    std::snprintf(job.message, sizeof(job.message), "cannot create the PNG reader");
    job.failure = Failure::Libpng;
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    std::snprintf(job.message, sizeof(job.message), "cannot create the PNG reader");
    job.failure = Failure::Libpng;
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    job.failure = Failure::Libpng;
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_read_fn(png, &job, readData);
  png_read_info(png, info);
  job.width = png_get_image_width(png, info);
  job.height = png_get_image_height(png, info);
  job.bitDepth = png_get_bit_depth(png, info);
  job.colorType = png_get_color_type(png, info);
  job.channels = png_get_channels(png, info);
  if (job.headerOnly) {
    png_destroy_read_struct(&png, &info, nullptr);
    return true;
  }
  if (int64_t(job.width) * int64_t(job.height) > job.maxPixels) {
    job.failure = Failure::TooLarge;
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  {
    const uint64_t rowBits = uint64_t(job.width) * uint64_t(job.channels) * uint64_t(job.bitDepth);
    const uint64_t rawBytes = ((rowBits + 7) / 8 + 1) * uint64_t(job.height);  // + filter bytes
    if (rawBytes > kMaxDeflateRatio * uint64_t(job.size) + 65536) {
      job.failure = Failure::TooSmallFile;
      std::snprintf(job.message, sizeof(job.message),
                    "%llu bytes of pixel data, more than the %zu-byte file can hold compressed",
                    static_cast<unsigned long long>(rawBytes), job.size);
      png_destroy_read_struct(&png, &info, nullptr);
      return false;
    }
  }
  // PIL keeps tRNS out of RGB/grey images, and its RGB conversion of a palette ignores it.
  if (job.colorType == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (job.colorType == PNG_COLOR_TYPE_GRAY && job.bitDepth < 8) png_set_expand_gray_1_2_4_to_8(png);
  job.grey16 = job.bitDepth == 16 && job.colorType == PNG_COLOR_TYPE_GRAY;
  if (job.bitDepth == 16 && !job.grey16) png_set_strip_16(png);  // keeps the high byte
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  job.outChannels = png_get_channels(png, info);
  const size_t rowBytes = png_get_rowbytes(png, info);
  std::vector<uint8_t>& buf = job.grey16 ? *job.rows16 : *job.out;
  buf.resize(rowBytes * job.height);
  job.rowPointers->resize(job.height);
  for (uint32_t y = 0; y < job.height; ++y) (*job.rowPointers)[y] = buf.data() + rowBytes * y;
  png_read_image(png, job.rowPointers->data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

[[noreturn]] void fail(const Job& job, const std::string& path) {
  if (job.failure == Failure::TooLarge)
    throw Error("image is " + std::to_string(job.width) + "x" + std::to_string(job.height) +
                    ", more pixels than the limit of " + std::to_string(job.maxPixels) +
                    " (PROMPTDESK_MAX_IMAGE_PIXELS raises it)",
                path);
  if (job.failure == Failure::TooSmallFile)
    throw Error("PNG header claims " + std::to_string(job.width) + "x" +
                    std::to_string(job.height) + " pixels: " + job.message +
                    " (truncated or corrupt)",
                path);
  throw Error(std::string("corrupt or truncated PNG: ") + job.message, path);
}
}  // namespace

bool isPng(const std::vector<uint8_t>& b) {
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  return b.size() >= 8 && std::memcmp(b.data(), sig, 8) == 0;
}

ImageInfo probePng(const std::vector<uint8_t>& bytes, const std::string& path) {
  Job job;
  job.data = bytes.data();
  job.size = bytes.size();
  job.headerOnly = true;
  if (!runLibpng(job)) fail(job, path);
  ImageInfo info;
  info.width = int(job.width);
  info.height = int(job.height);
  info.bitDepth = job.bitDepth;
  info.channels = job.colorType == PNG_COLOR_TYPE_PALETTE ? 3 : job.channels;
  info.format = "png";
  return info;
}

DecodedImage decodePng(const std::vector<uint8_t>& bytes, const std::string& path,
                       const ImageDecodeOptions& options) {
  DecodedImage img;
  std::vector<uint8_t> rows16;
  std::vector<png_bytep> rowPointers;
  Job job;
  job.data = bytes.data();
  job.size = bytes.size();
  job.maxPixels = options.maxPixels;
  job.out = &img.pixels;
  job.rows16 = &rows16;
  job.rowPointers = &rowPointers;
  if (!runLibpng(job)) fail(job, path);
  img.width = int(job.width);
  img.height = int(job.height);
  img.channels = job.outChannels;
  const size_t n = size_t(img.width) * size_t(img.height);
  if (job.grey16) {
    // PIL opens 16-bit grey as mode "I"; its conversion to RGB clips to 0..255.
    img.pixels.resize(n);
    for (size_t i = 0; i < n; ++i) {
      unsigned v = (unsigned(rows16[2 * i]) << 8) | rows16[2 * i + 1];
      img.pixels[i] = uint8_t(v > 255 ? 255 : v);
    }
    img.channels = 1;
  }
  if (job.colorType == PNG_COLOR_TYPE_PALETTE) {
    img.nearestResample = true;
    if (img.channels == 4) {  // tRNS expanded to alpha: PIL's P -> RGB ignores transparency
      for (size_t i = 0; i < n; ++i)
        for (int c = 0; c < 3; ++c) img.pixels[i * 3 + size_t(c)] = img.pixels[i * 4 + size_t(c)];
      img.pixels.resize(n * 3);
      img.channels = 3;
    }
  }
  if (job.colorType == PNG_COLOR_TYPE_GRAY && job.bitDepth == 1) img.nearestResample = true;
  return img;
}

}  // namespace pd::data
