// JPEG decoding with libjpeg. Errors long-jump out of a frame that holds only plain C data, so
// libjpeg never exit()s the process; a truncated file (libjpeg's "premature end" warning) is an
// error, as in PIL.
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>
// jerror.h after jpeglib.h
#include <jerror.h>

#include "data/image_decode.h"
#include "promptdesk/error.h"

namespace pd::data {

namespace {
struct ErrorMgr {
  jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void onError(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorMgr*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  longjmp(err->jump, 1);
}

void onMessage(j_common_ptr cinfo, int level) {
  // Warnings (level -1): a premature end of data means a truncated file; treat it as fatal.
  if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) onError(cinfo);
}

void silent(j_common_ptr) {}

enum class Failure { None, Libjpeg, TooLarge, TooSmallFile, Unsupported };

// A sequential Huffman-coded scan spends at least 2 bits (DC code + end-of-block) on every 8x8
// block of its full-resolution component: at least width*height/256 bytes; a progressive
// Huffman-coded file at least 1 bit per block in the first DC scan of that component:
// width*height/512 bytes. Half that is required of such files before the coefficient and pixel
// buffers are allocated (libjpeg would pad a truncated or scan-less file with grey rather than
// fail). Arithmetic-coded files have no such bound (an adaptive coder spends less than a bit).
constexpr uint64_t kMinPixelsPerByte = 512;
constexpr uint64_t kMinPixelsPerByteProgressive = 1024;

struct Job {
  const uint8_t* data = nullptr;
  size_t size = 0;
  bool headerOnly = false;
  int64_t maxPixels = 0;
  std::vector<uint8_t>* out = nullptr;  // sized here, after the limit check
  // results
  int width = 0, height = 0, components = 0, outChannels = 0, orientation = 1;
  bool cmyk = false;
  bool progressive = false;
  Failure failure = Failure::None;
  char message[JMSG_LENGTH_MAX] = {0};
};

// Only plain C data lives in this frame: safe to long-jump out of.
bool runLibjpeg(Job& job) {
  jpeg_decompress_struct cinfo;
  ErrorMgr err;
  std::memset(&cinfo, 0, sizeof(cinfo));
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = onError;
  err.pub.emit_message = onMessage;
  err.pub.output_message = silent;
  err.message[0] = 0;
  if (setjmp(err.jump)) {
    std::snprintf(job.message, sizeof(job.message), "%s", err.message);
    job.failure = Failure::Libjpeg;
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, job.data, static_cast<unsigned long>(job.size));
  jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&cinfo, TRUE);
  job.width = int(cinfo.image_width);
  job.height = int(cinfo.image_height);
  job.components = cinfo.num_components;
  job.progressive = cinfo.progressive_mode;
  for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next) {
    if (m->marker == JPEG_APP0 + 1) {
      int o = exifOrientation(m->data, m->data_length);
      if (o != 1) {
        job.orientation = o;
        break;
      }
    }
  }
  if (job.headerOnly) {
    jpeg_destroy_decompress(&cinfo);
    return true;
  }
  if (int64_t(job.width) * job.height > job.maxPixels) {
    job.failure = Failure::TooLarge;
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  const uint64_t pixelsPerByte =
      cinfo.progressive_mode ? kMinPixelsPerByteProgressive : kMinPixelsPerByte;
  if (!cinfo.arith_code &&
      uint64_t(job.width) * uint64_t(job.height) > pixelsPerByte * uint64_t(job.size) + 65536) {
    job.failure = Failure::TooSmallFile;
    std::snprintf(job.message, sizeof(job.message),
                  "more than the %zu-byte file can hold (truncated or corrupt)", job.size);
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
      cinfo.out_color_space = JCS_GRAYSCALE;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      cinfo.out_color_space = JCS_CMYK;
      job.cmyk = true;
      break;
    case JCS_RGB:
    case JCS_YCbCr:
      cinfo.out_color_space = JCS_RGB;
      break;
    default:
      job.failure = Failure::Unsupported;
      std::snprintf(job.message, sizeof(job.message), "unsupported JPEG colour space %d",
                    int(cinfo.jpeg_color_space));
      jpeg_destroy_decompress(&cinfo);
      return false;
  }
  jpeg_start_decompress(&cinfo);
  job.outChannels = cinfo.output_components;
  const size_t stride = size_t(cinfo.output_width) * size_t(cinfo.output_components);
  job.out->resize(stride * cinfo.output_height);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = job.out->data() + stride * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

[[noreturn]] void fail(const Job& job, const std::string& path) {
  switch (job.failure) {
    case Failure::TooLarge:
      throw Error("image is " + std::to_string(job.width) + "x" + std::to_string(job.height) +
                      ", more pixels than the limit of " + std::to_string(job.maxPixels) +
                      " (PROMPTDESK_MAX_IMAGE_PIXELS raises it)",
                  path);
    case Failure::TooSmallFile:
      throw Error("JPEG header claims " + std::to_string(job.width) + "x" +
                      std::to_string(job.height) + " pixels, " + job.message,
                  path);
    case Failure::Unsupported:
      throw Error(job.message, path);
    default:
      throw Error(std::string("corrupt or truncated JPEG: ") + job.message, path);
  }
}
}  // namespace

bool isJpeg(const std::vector<uint8_t>& b) {
  return b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
}

ImageInfo probeJpeg(const std::vector<uint8_t>& bytes, const std::string& path) {
  Job job;
  job.data = bytes.data();
  job.size = bytes.size();
  job.headerOnly = true;
  if (!runLibjpeg(job)) fail(job, path);
  ImageInfo info;
  info.width = job.width;
  info.height = job.height;
  info.channels = job.components;
  info.bitDepth = 8;
  info.format = "jpeg";
  info.exifOrientation = job.orientation;
  return info;
}

DecodedImage decodeJpeg(const std::vector<uint8_t>& bytes, const std::string& path,
                        const ImageDecodeOptions& options) {
  DecodedImage img;
  Job job;
  job.data = bytes.data();
  job.size = bytes.size();
  job.maxPixels = options.maxPixels;
  job.out = &img.pixels;
  if (!runLibjpeg(job)) fail(job, path);
  img.width = job.width;
  img.height = job.height;
  if (job.cmyk) {
    // PIL reads CMYK JPEGs with Adobe's inverted convention ("CMYK;I") and converts to RGB as
    // c' = 255 - c, then RGB = (255 - k') - (255 - k') * c' / 255 (rounded as PIL's MULDIV255).
    const size_t n = size_t(img.width) * img.height;
    std::vector<uint8_t> rgb(n * 3);
    for (size_t i = 0; i < n; ++i) {
      const uint8_t* p = &img.pixels[i * 4];
      int nk = p[3];  // 255 - (255 - raw k)
      for (int c = 0; c < 3; ++c) {
        int ci = 255 - p[c];
        int tmp = ci * nk + 128;
        int v = nk - (((tmp >> 8) + tmp) >> 8);
        rgb[i * 3 + size_t(c)] = uint8_t(v < 0 ? 0 : (v > 255 ? 255 : v));
      }
    }
    img.pixels.swap(rgb);
    img.channels = 3;
  } else {
    img.channels = job.outChannels;
  }
  if (options.applyExifOrientation && job.orientation != 1)
    img = applyExifOrientation(img, job.orientation);
  return img;
}

}  // namespace pd::data
