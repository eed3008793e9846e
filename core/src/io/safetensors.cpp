#include "io/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <vector>

#include "promptdesk/error.h"

namespace pd::io {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct DtypeInfo {
  const char* name;
  at::ScalarType type;
  std::int64_t size;
};

constexpr DtypeInfo kDtypes[] = {
    {"F64", at::kDouble, 8},    {"F32", at::kFloat, 4}, {"F16", at::kHalf, 2},
    {"BF16", at::kBFloat16, 2}, {"I64", at::kLong, 8},  {"I32", at::kInt, 4},
    {"I16", at::kShort, 2},     {"I8", at::kChar, 1},   {"U8", at::kByte, 1},
    {"BOOL", at::kBool, 1},
};

const DtypeInfo* dtypeByName(const std::string& name) {
  for (const auto& d : kDtypes)
    if (name == d.name) return &d;
  return nullptr;
}

const DtypeInfo* dtypeByType(at::ScalarType t) {
  for (const auto& d : kDtypes)
    if (t == d.type) return &d;
  return nullptr;
}

// Random-access bytes: a file or a string in memory.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual std::uint64_t size() const = 0;
  // Copies [offset, offset+n) into dst; the caller has checked the range against size().
  virtual void read(std::uint64_t offset, std::uint64_t n, void* dst) = 0;
};

class MemorySource : public ByteSource {
 public:
  explicit MemorySource(const std::string& bytes) : bytes_(bytes) {}
  std::uint64_t size() const override { return bytes_.size(); }
  void read(std::uint64_t offset, std::uint64_t n, void* dst) override {
    if (n) std::memcpy(dst, bytes_.data() + offset, n);
  }

 private:
  const std::string& bytes_;
};

class FileSource : public ByteSource {
 public:
  explicit FileSource(const std::string& path) : path_(path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) throw pd::Error("is a folder, not a safetensors file", path);
    size_ = fs::file_size(path, ec);
    if (ec) throw pd::Error("cannot open: " + ec.message(), path);
    in_.open(path, std::ios::binary);
    if (!in_) throw pd::Error("cannot open for reading", path);
  }
  std::uint64_t size() const override { return size_; }
  void read(std::uint64_t offset, std::uint64_t n, void* dst) override {
    in_.seekg(static_cast<std::streamoff>(offset));
    char* out = static_cast<char*>(dst);
    while (n > 0) {  // read in chunks: std::streamsize may be narrower than the request
      const std::uint64_t chunk = std::min<std::uint64_t>(n, 1ull << 30);
      in_.read(out, static_cast<std::streamsize>(chunk));
      if (static_cast<std::uint64_t>(in_.gcount()) != chunk)
        throw pd::Error("read failed (file changed or truncated while reading?)", path_);
      out += chunk;
      n -= chunk;
    }
  }

 private:
  std::string path_;
  std::uint64_t size_ = 0;
  std::ifstream in_;
};

std::string quoted(const std::string& name) { return "tensor '" + name + "'"; }

// Non-negative integer that fits int64 (JSON unsigned or non-negative signed; never a float).
bool asIndex(const json& v, std::uint64_t& out) {
  if (v.is_number_unsigned()) {
    out = v.get<std::uint64_t>();
    return true;
  }
  if (v.is_number_integer()) {
    const auto s = v.get<std::int64_t>();
    if (s < 0) return false;
    out = static_cast<std::uint64_t>(s);
    return true;
  }
  return false;
}

struct Header {
  std::uint64_t dataStart = 0;  // 8 + N
  std::map<std::string, SafetensorsEntry> entries;
  std::map<std::string, std::string> metadata;
};

// Parses and fully validates the header against the source size. Allocates nothing but the JSON.
Header parseHeader(ByteSource& src, const std::string& name) {
  const std::uint64_t total = src.size();
  if (total < 8)
    throw pd::Error("not a safetensors file: " + std::to_string(total) +
                        " bytes, too short for the 8-byte header length",
                    name);
  unsigned char lenBytes[8];
  src.read(0, 8, lenBytes);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | lenBytes[i];
  if (n > kSafetensorsMaxHeader)
    throw pd::Error("safetensors header length " + std::to_string(n) + " exceeds the " +
                        std::to_string(kSafetensorsMaxHeader) + "-byte limit",
                    name);
  if (n > total - 8)
    throw pd::Error("safetensors header length " + std::to_string(n) + " is past the end of the " +
                        std::to_string(total) + "-byte file (truncated?)",
                    name);
  if (n < 2) throw pd::Error("safetensors header is empty", name);
  std::string text(n, '\0');
  src.read(8, n, text.data());

  // Duplicate keys: nlohmann keeps the last silently, so watch the key events while parsing.
  std::vector<std::set<std::string>> open;
  std::string duplicate;
  // Nesting: the format needs 3 levels (header, entry, shape); refuse deep input while parsing.
  // Tensor count: refused while parsing too, before the table is built.
  std::size_t topLevelKeys = 0;
  json::parser_callback_t cb = [&](int depth, json::parse_event_t ev, json& parsed) {
    if ((ev == json::parse_event_t::object_start || ev == json::parse_event_t::array_start) &&
        depth >= kSafetensorsMaxDepth)
      throw pd::Error("safetensors header nests deeper than " +
                          std::to_string(kSafetensorsMaxDepth) + " levels",
                      name);
    if (ev == json::parse_event_t::key && depth == 1 && ++topLevelKeys > kSafetensorsMaxTensors + 1)
      throw pd::Error("safetensors header lists more than " +
                          std::to_string(kSafetensorsMaxTensors) + " tensors",
                      name);
    if (ev == json::parse_event_t::object_start) {
      open.emplace_back();
    } else if (ev == json::parse_event_t::object_end) {
      if (!open.empty()) open.pop_back();
    } else if (ev == json::parse_event_t::key && !open.empty()) {
      const std::string key = parsed.get<std::string>();
      if (!open.back().insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  json h;
  try {
    h = json::parse(text, cb, /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const json::exception& e) {
    throw pd::Error(std::string("safetensors header is not valid JSON: ") + e.what(), name);
  }
  if (!duplicate.empty())
    throw pd::Error("safetensors header has the key '" + duplicate + "' twice", name);
  if (!h.is_object()) throw pd::Error("safetensors header is not a JSON object", name);

  Header out;
  out.dataStart = 8 + n;
  const std::uint64_t dataSize = total - out.dataStart;
  for (auto it = h.begin(); it != h.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (key == "__metadata__") {
      if (!v.is_object()) throw pd::Error("__metadata__ is not an object", name);
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string())
          throw pd::Error("__metadata__ value of '" + m.key() + "' is not a string", name);
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string who = quoted(key);
    if (key.empty()) throw pd::Error("tensor with an empty name", name);
    if (!v.is_object()) throw pd::Error(who + ": entry is not an object", name);
    auto dt = v.find("dtype"), sh = v.find("shape"), off = v.find("data_offsets");
    if (dt == v.end() || !dt->is_string()) throw pd::Error(who + ": missing string 'dtype'", name);
    const DtypeInfo* info = dtypeByName(dt->get<std::string>());
    if (!info) throw pd::Error(who + ": unknown dtype '" + dt->get<std::string>() + "'", name);
    if (sh == v.end() || !sh->is_array()) throw pd::Error(who + ": missing array 'shape'", name);
    if (sh->size() > 64) throw pd::Error(who + ": shape has more than 64 dimensions", name);
    SafetensorsEntry e;
    e.dtype = info->name;
    std::int64_t numel = 1;
    for (const json& d : *sh) {
      std::uint64_t u = 0;
      if (!asIndex(d, u) ||
          u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        throw pd::Error(who + ": shape " + sh->dump() + " has a negative or non-integer dimension",
                        name);
      const auto dim = static_cast<std::int64_t>(u);
      if (__builtin_mul_overflow(numel, dim, &numel))
        throw pd::Error(who + ": shape " + sh->dump() + " has more elements than int64 can count",
                        name);
      e.shape.push_back(dim);
    }
    std::int64_t nbytes = 0;
    if (__builtin_mul_overflow(numel, info->size, &nbytes))
      throw pd::Error(who + ": shape " + sh->dump() + " is too large (byte count overflows)", name);
    if (off == v.end() || !off->is_array() || off->size() != 2 || !asIndex((*off)[0], e.begin) ||
        !asIndex((*off)[1], e.end))
      throw pd::Error(who + ": 'data_offsets' is not [begin, end] with non-negative integers",
                      name);
    if (e.begin > e.end)
      throw pd::Error(who + ": data_offsets begin " + std::to_string(e.begin) + " > end " +
                          std::to_string(e.end),
                      name);
    if (e.end > dataSize)
      throw pd::Error(who + ": data_offsets end " + std::to_string(e.end) +
                          " is past the data section (" + std::to_string(dataSize) +
                          " bytes; truncated file?)",
                      name);
    if (e.end - e.begin != static_cast<std::uint64_t>(nbytes))
      throw pd::Error(who + ": data_offsets span " + std::to_string(e.end - e.begin) +
                          " bytes but shape " + sh->dump() + " of " + info->name + " needs " +
                          std::to_string(nbytes),
                      name);
    out.entries.emplace(key, std::move(e));
  }

  // Overlaps (empty tensors occupy nothing).
  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> byStart;
  for (const auto& [k, e] : out.entries)
    if (e.end > e.begin) byStart.emplace_back(&k, &e);
  std::sort(byStart.begin(), byStart.end(),
            [](const auto& a, const auto& b) { return a.second->begin < b.second->begin; });
  for (std::size_t i = 1; i < byStart.size(); ++i)
    if (byStart[i].second->begin < byStart[i - 1].second->end)
      throw pd::Error(quoted(*byStart[i].first) + ": data_offsets overlap those of " +
                          quoted(*byStart[i - 1].first),
                      name);
  return out;
}

StateDict readAll(ByteSource& src, const std::string& name) {
  Header h = parseHeader(src, name);
  StateDict sd;
  sd.source = name;
  sd.metadata = std::move(h.metadata);
  for (const auto& [key, e] : h.entries) {
    const DtypeInfo* info = dtypeByName(e.dtype);
    at::Tensor t = at::empty(e.shape, at::TensorOptions().dtype(info->type));
    src.read(h.dataStart + e.begin, e.end - e.begin, t.data_ptr());
    if (info->type == at::kHalf || info->type == at::kBFloat16) t = t.to(at::kFloat);
    sd.tensors.emplace(key, std::move(t));
  }
  return sd;
}

}  // namespace

StateDict readSafetensors(const std::string& path) {
  FileSource src(path);
  return readAll(src, path);
}

StateDict readSafetensorsBytes(const std::string& bytes, const std::string& sourceName) {
  MemorySource src(bytes);
  return readAll(src, sourceName);
}

std::map<std::string, SafetensorsEntry> readSafetensorsHeader(
    const std::string& path, std::map<std::string, std::string>* metadata) {
  FileSource src(path);
  Header h = parseHeader(src, path);
  if (metadata) *metadata = std::move(h.metadata);
  return std::move(h.entries);
}

bool looksLikeSafetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char b[9] = {};
  if (!in.read(b, 9)) return false;
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(b[i]);
  return n >= 2 && n <= kSafetensorsMaxHeader && b[8] == '{';
}

void writeSafetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  struct Item {
    std::string name;
    const DtypeInfo* info;
    at::Tensor t;
  };
  std::vector<Item> items;
  for (const auto& [name, t] : tensors) {
    if (name.empty() || name == "__metadata__")
      throw pd::Error("invalid tensor name '" + name + "'", path);
    if (!t.defined()) throw pd::Error(quoted(name) + ": undefined tensor", path);
    const DtypeInfo* info = dtypeByType(t.scalar_type());
    if (!info)
      throw pd::Error(quoted(name) + ": dtype " + std::string(c10::toString(t.scalar_type())) +
                          " cannot be stored in safetensors",
                      path);
    items.push_back({name, info, t.to(at::kCPU).contiguous()});
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.info->size != b.info->size ? a.info->size > b.info->size : a.name < b.name;
  });

  json h = json::object();
  std::uint64_t offset = 0;
  for (const Item& it : items) {
    const std::uint64_t nbytes = it.t.numel() * it.info->size;
    h[it.name] = {{"dtype", it.info->name},
                  {"shape", it.t.sizes().vec()},
                  {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  if (!metadata.empty()) h["__metadata__"] = metadata;
  std::string header = h.dump();
  header.append((8 - header.size() % 8) % 8, ' ');

  const fs::path target(path);
  std::random_device rd;
  const fs::path tmp = target.string() + ".tmp-" + std::to_string(rd());
  try {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw pd::Error("cannot open for writing", tmp.string());
    unsigned char len[8];
    std::uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>((n >> (8 * i)) & 0xff);
    out.write(reinterpret_cast<const char*>(len), 8);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (const Item& it : items)
      out.write(static_cast<const char*>(it.t.data_ptr()),
                static_cast<std::streamsize>(it.t.numel() * it.info->size));
    out.flush();
    if (!out) throw pd::Error("write failed (disk full?)", tmp.string());
    out.close();
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) throw pd::Error("cannot rename the temporary file into place: " + ec.message(), path);
  } catch (...) {
    std::error_code ignore;
    fs::remove(tmp, ignore);
    throw;
  }
}

}  // namespace pd::io
