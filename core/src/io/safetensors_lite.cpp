#include "io/safetensors_lite.h"

#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "promptdesk/error.h"

namespace pd::io::lite {

StateDict readSafetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw pd::Error("cannot open file", path);
  in.seekg(0, std::ios::end);
  const std::int64_t fileSize = in.tellg();
  in.seekg(0);
  std::uint64_t headerLen = 0;
  unsigned char lenBytes[8];
  if (fileSize < 8 || !in.read(reinterpret_cast<char*>(lenBytes), 8))
    throw pd::Error("file too short for a safetensors header", path);
  for (int i = 7; i >= 0; --i) headerLen = (headerLen << 8) | lenBytes[i];
  if (headerLen > static_cast<std::uint64_t>(fileSize - 8))
    throw pd::Error("header length exceeds file size", path);
  std::string header(headerLen, '\0');
  in.read(header.data(), static_cast<std::streamsize>(headerLen));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(header);
  } catch (const std::exception& e) {
    throw pd::Error(std::string("bad JSON header: ") + e.what(), path);
  }
  const std::int64_t dataStart = 8 + static_cast<std::int64_t>(headerLen);
  const std::int64_t dataSize = fileSize - dataStart;
  StateDict sd;
  sd.source = path;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "__metadata__") {
      for (auto m = it->begin(); m != it->end(); ++m)
        if (m->is_string()) sd.metadata[m.key()] = m->get<std::string>();
      continue;
    }
    const std::string ctx = path + ": " + it.key();
    const std::string dtype = it->value("dtype", "");
    std::vector<std::int64_t> shape = it->at("shape").get<std::vector<std::int64_t>>();
    auto offs = it->at("data_offsets").get<std::vector<std::int64_t>>();
    if (offs.size() != 2 || offs[0] < 0 || offs[1] < offs[0] || offs[1] > dataSize)
      throw pd::Error("data_offsets out of range", ctx);
    std::int64_t numel = 1;
    for (auto s : shape) {
      if (s < 0) throw pd::Error("negative dimension", ctx);
      numel *= s;
    }
    at::ScalarType st;
    int elt;
    if (dtype == "F32") st = at::kFloat, elt = 4;
    else if (dtype == "F16") st = at::kHalf, elt = 2;
    else if (dtype == "BF16") st = at::kBFloat16, elt = 2;
    else if (dtype == "I64") st = at::kLong, elt = 8;
    else if (dtype == "I32") st = at::kInt, elt = 4;
    else throw pd::Error("unsupported dtype '" + dtype + "'", ctx);
    if (offs[1] - offs[0] != numel * elt) throw pd::Error("byte size does not match shape", ctx);
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(st));
    in.seekg(dataStart + offs[0]);
    in.read(static_cast<char*>(t.data_ptr()), numel * elt);
    if (!in) throw pd::Error("read failed", ctx);
    if (st == at::kHalf || st == at::kBFloat16) t = t.to(at::kFloat);
    if (st == at::kInt) t = t.to(at::kLong);
    sd.tensors[it.key()] = t;
  }
  return sd;
}

void writeSafetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::json j = nlohmann::json::object();
  if (!metadata.empty()) j["__metadata__"] = metadata;
  std::vector<at::Tensor> data;
  std::int64_t off = 0;
  for (const auto& [name, t0] : tensors) {
    at::Tensor t = t0.detach().cpu().contiguous();
    std::string dtype;
    if (t.scalar_type() == at::kLong || t.scalar_type() == at::kInt) {
      t = t.to(at::kLong);
      dtype = "I64";
    } else {
      t = t.to(at::kFloat).contiguous();
      dtype = "F32";
    }
    std::int64_t bytes = t.numel() * static_cast<std::int64_t>(t.element_size());
    j[name] = {{"dtype", dtype}, {"shape", t.sizes().vec()}, {"data_offsets", {off, off + bytes}}};
    off += bytes;
    data.push_back(t);
  }
  std::string header = j.dump();
  while ((header.size() + 8) % 8 != 0) header.push_back(' ');
  std::ofstream out(path, std::ios::binary);
  if (!out) throw pd::Error("cannot write file", path);
  std::uint64_t len = header.size();
  unsigned char lenBytes[8];
  for (int i = 0; i < 8; ++i) lenBytes[i] = static_cast<unsigned char>((len >> (8 * i)) & 0xff);
  out.write(reinterpret_cast<const char*>(lenBytes), 8);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (const auto& t : data)
    out.write(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
  if (!out) throw pd::Error("write failed", path);
}

}  // namespace pd::io::lite
