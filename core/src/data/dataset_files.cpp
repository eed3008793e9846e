// File helpers shared by the dataset loaders: bytes, image decoding (stb, private copy), class
// names files, UTF-8 validation.
#include <cctype>
#include <fstream>
#include <sstream>

#include "data/dataset_loaders.h"
#include "promptdesk/error.h"

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_HDR
#define STBI_NO_LINEAR
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#endif
#include <stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace pd::data {

std::string readWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open file", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error("read error", path);
  return ss.str();
}

Image loadImageFileStb(const std::string& path) {
  std::string bytes = readWholeFile(path);
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) throw Error("image file too large", path);
  int w = 0, h = 0, c = 0;
  auto* buf = reinterpret_cast<const stbi_uc*>(bytes.data());
  if (!stbi_info_from_memory(buf, static_cast<int>(bytes.size()), &w, &h, &c))
    throw Error(std::string("not a readable image (") + stbi_failure_reason() + ")", path);
  if (w <= 0 || h <= 0 || static_cast<long long>(w) * h > 100'000'000LL)
    throw Error("image size " + std::to_string(w) + "x" + std::to_string(h) + " not supported",
                path);
  const int want = (c == 1 || c == 2) ? 1 : 3;
  stbi_uc* px = stbi_load_from_memory(buf, static_cast<int>(bytes.size()), &w, &h, &c, want);
  if (!px) throw Error(std::string("cannot decode image (") + stbi_failure_reason() + ")", path);
  Image img;
  img.width = w;
  img.height = h;
  img.channels = want;
  img.pixels.assign(px, px + static_cast<std::size_t>(w) * h * want);
  stbi_image_free(px);
  return img;
}

bool probeImageFile(const std::string& path, std::string* why) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    if (why) *why = "cannot open file";
    return false;
  }
  int w = 0, h = 0, c = 0;
  int ok = stbi_info_from_file(f, &w, &h, &c);
  std::fclose(f);
  if (!ok || w <= 0 || h <= 0) {
    if (why) *why = std::string("not a readable image (") + stbi_failure_reason() + ")";
    return false;
  }
  return true;
}

bool hasImageExtension(const std::string& filename) {
  auto dot = filename.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = filename.substr(dot + 1);
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return ext == "jpg" || ext == "jpeg" || ext == "png" || ext == "bmp" || ext == "gif" ||
         ext == "ppm" || ext == "pgm" || ext == "tga";
}

std::vector<std::pair<std::string, std::string>> readClassNamesFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot open class names file", path);
  std::vector<std::pair<std::string, std::string>> out;
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#') continue;
    std::size_t e = line.find_first_of(" \t", b);
    std::string key = line.substr(b, e == std::string::npos ? std::string::npos : e - b);
    std::string name;
    if (e != std::string::npos) {
      std::size_t nb = line.find_first_not_of(" \t", e);
      if (nb != std::string::npos) {
        std::size_t ne = line.find_last_not_of(" \t");
        name = line.substr(nb, ne - nb + 1);
      }
    }
    if (name.empty())
      throw Error("expected '<folder-or-label> <class name>'", path + ":" + std::to_string(lineNo));
    if (!isValidUtf8(name))
      throw Error("class name is not valid UTF-8", path + ":" + std::to_string(lineNo));
    out.emplace_back(key, name);
  }
  return out;
}

bool isValidUtf8(const std::string& s, std::size_t* badOffset) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      if (badOffset) *badOffset = i;
      return false;
    }
    if (i + len > n) {
      if (badOffset) *badOffset = i;
      return false;
    }
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) {
        if (badOffset) *badOffset = i;
        return false;
      }
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
                          (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      if (badOffset) *badOffset = i;
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace pd::data
