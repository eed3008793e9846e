// Image files: reading bytes, format detection by signature, probing and decoding.
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "data/image_decode.h"
#include "promptdesk/error.h"
#include "promptdesk/image.h"

namespace pd {
namespace data {

namespace {
constexpr size_t kMaxFileBytes = size_t(1) << 30;  // 1 GiB
constexpr size_t kProbeBytes = size_t(4) << 20;    // headers sit in the first few MiB

std::vector<uint8_t> readPrefix(const std::string& path, size_t maxBytes, bool mustFit) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error("not a readable file", path);
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error("cannot read file size: " + ec.message(), path);
  if (mustFit && size > maxBytes)
    throw Error("file is larger than " + std::to_string(maxBytes >> 20) + " MiB", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open file", path);
  std::vector<uint8_t> bytes(size_t(std::min<uintmax_t>(size, maxBytes)));
  in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size()));
  if (in.gcount() != std::streamsize(bytes.size())) throw Error("read error", path);
  return bytes;
}

[[noreturn]] void notAnImage(const std::vector<uint8_t>& bytes, const std::string& path) {
  if (bytes.empty()) throw Error("empty file, not an image", path);
  throw Error("not a JPEG or PNG image (unrecognised file signature)", path);
}
}  // namespace

std::vector<uint8_t> readFileBytes(const std::string& path, size_t maxBytes) {
  return readPrefix(path, maxBytes, true);
}

DecodedImage decodeImageFile(const std::string& path, const ImageDecodeOptions& options) {
  std::vector<uint8_t> bytes = readFileBytes(path, kMaxFileBytes);
  if (isJpeg(bytes)) return decodeJpeg(bytes, path, options);
  if (isPng(bytes)) return decodePng(bytes, path, options);
  notAnImage(bytes, path);
}

}  // namespace data

int64_t defaultMaxImagePixels() {
  const char* v = std::getenv("PROMPTDESK_MAX_IMAGE_PIXELS");
  if (!v || !*v) return kDefaultMaxImagePixels;
  errno = 0;
  char* end = nullptr;
  const long long n = std::strtoll(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || n <= 0)
    throw Error(std::string("'") + v + "' is not a positive number of pixels",
                "PROMPTDESK_MAX_IMAGE_PIXELS");
  return n;
}

ImageInfo probeImage(const std::string& path) {
  std::vector<uint8_t> bytes = data::readPrefix(path, data::kProbeBytes, false);
  if (data::isJpeg(bytes)) return data::probeJpeg(bytes, path);
  if (data::isPng(bytes)) return data::probePng(bytes, path);
  data::notAnImage(bytes, path);
}

}  // namespace pd
