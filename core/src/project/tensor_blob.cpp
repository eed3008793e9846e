#include "project/tensor_blob.h"

#include <cstring>

#include <nlohmann/json.hpp>

#include "promptdesk/error.h"

using nlohmann::json;

namespace pd::project {

std::string encodeSafetensors(const std::map<std::string, at::Tensor>& tensors,
                              const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string data;
  std::vector<at::Tensor> contiguous;
  for (const auto& [name, t0] : tensors) {
    at::Tensor t = t0.detach().contiguous().cpu();
    const char* dtype = nullptr;
    if (t.scalar_type() == at::kFloat) dtype = "F32";
    else if (t.scalar_type() == at::kLong) dtype = "I64";
    else t = t.to(at::kFloat), dtype = "F32";
    std::size_t begin = data.size();
    std::size_t n = static_cast<std::size_t>(t.numel()) * t.element_size();
    data.append(static_cast<const char*>(t.data_ptr()), n);
    header[name] = {{"dtype", dtype}, {"shape", t.sizes().vec()}, {"data_offsets", {begin, begin + n}}};
  }
  std::string h = header.dump();
  while ((8 + h.size()) % 8 != 0) h.push_back(' ');
  std::string out(8, '\0');
  std::uint64_t len = h.size();
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((len >> (8 * i)) & 0xff);
  out += h;
  out += data;
  return out;
}

io::StateDict decodeSafetensors(const std::string& bytes, const std::string& source) {
  if (bytes.size() < 8) throw Error("safetensors blob shorter than its 8-byte header", source);
  std::uint64_t len = 0;
  for (int i = 0; i < 8; ++i)
    len |= std::uint64_t(static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)])) << (8 * i);
  if (len > bytes.size() - 8) throw Error("safetensors header length out of range", source);
  json header = json::parse(bytes.substr(8, len), nullptr, false);
  if (!header.is_object()) throw Error("safetensors header is not a JSON object", source);
  const char* base = bytes.data() + 8 + len;
  std::uint64_t dataSize = bytes.size() - 8 - len;
  io::StateDict sd;
  sd.source = source;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      for (auto m = it->begin(); m != it->end(); ++m)
        if (m->is_string()) sd.metadata[m.key()] = m->get<std::string>();
      continue;
    }
    const json& e = *it;
    std::string where = source + ": tensor '" + it.key() + "'";
    if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") ||
        !e.contains("data_offsets"))
      throw Error("malformed tensor entry", where);
    std::string dt = e["dtype"].get<std::string>();
    at::ScalarType st;
    if (dt == "F32") st = at::kFloat;
    else if (dt == "I64") st = at::kLong;
    else throw Error("unsupported dtype " + dt, where);
    std::vector<std::int64_t> shape = e["shape"].get<std::vector<std::int64_t>>();
    std::uint64_t b = e["data_offsets"][0].get<std::uint64_t>();
    std::uint64_t en = e["data_offsets"][1].get<std::uint64_t>();
    std::int64_t numel = 1;
    for (auto s : shape) {
      if (s < 0) throw Error("negative dimension", where);
      numel *= s;
    }
    if (en < b || en > dataSize || en - b != std::uint64_t(numel) * at::elementSize(st))
      throw Error("data offsets out of range", where);
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(st));
    if (numel) std::memcpy(t.data_ptr(), base + b, en - b);
    sd.tensors[it.key()] = t;
  }
  return sd;
}

}  // namespace pd::project
