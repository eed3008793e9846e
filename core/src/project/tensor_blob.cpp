#include "project/tensor_blob.h"

#include <cstring>

#include <nlohmann/json.hpp>

#include "io/safetensors.h"
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
    if (t.scalar_type() == at::kFloat)
      dtype = "F32";
    else if (t.scalar_type() == at::kLong)
      dtype = "I64";
    else
      t = t.to(at::kFloat), dtype = "F32";
    std::size_t begin = data.size();
    std::size_t n = static_cast<std::size_t>(t.numel()) * t.element_size();
    data.append(static_cast<const char*>(t.data_ptr()), n);
    header[name] = {
        {"dtype", dtype}, {"shape", t.sizes().vec()}, {"data_offsets", {begin, begin + n}}};
  }
  std::string h = header.dump();
  while ((8 + h.size()) % 8 != 0) h.push_back(' ');
  std::string out(8, '\0');
  std::uint64_t len = h.size();
  for (int i = 0; i < 8; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<char>((len >> (8 * i)) & 0xff);
  out += h;
  out += data;
  return out;
}

io::StateDict decodeSafetensors(const std::string& bytes, const std::string& source) {
  // The same validated reader as for files (header length, tensor table, shape products, offsets
  // against the real size): a blob in a project file is as untrusted as any other file.
  return io::readSafetensorsBytes(bytes, source);
}

}  // namespace pd::project
