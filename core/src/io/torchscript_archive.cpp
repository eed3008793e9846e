#include "io/torchscript_archive.h"

#include <torch/script.h>
#include <torch/serialize.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "promptdesk/error.h"

namespace pd::io {
namespace {

const char* const kScalarAttributes[] = {"input_resolution", "context_length", "vocab_size"};

// First line of a c10 error, without the C++ backtrace and the "[enforce fail at f.cc:1] . "
// prefix of TORCH_ENFORCE messages.
std::string firstLine(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  if (line.rfind("[enforce fail at ", 0) == 0) {
    const auto close = line.find("] ");
    if (close != std::string::npos) line = line.substr(close + 2);
    if (line.rfind(". ", 0) == 0) line = line.substr(2);
  }
  // Torch quotes bytes of the file in some messages ("Couldn't parse the version <bytes>"): keep
  // the message printable (control and non-ASCII bytes -> one '?' per run) and short.
  std::string clean;
  for (unsigned char c : line) {
    if (c >= 0x20 && c < 0x7f)
      clean += static_cast<char>(c);
    else if (clean.empty() || clean.back() != '?')
      clean += '?';
  }
  if (clean.size() > 300) clean = clean.substr(0, 300) + "...";
  return clean.empty() ? "unreadable archive" : clean;
}

at::Tensor normalise(const at::Tensor& t) {
  at::Tensor c = t.detach();
  if (c.scalar_type() == at::kHalf || c.scalar_type() == at::kBFloat16) c = c.to(at::kFloat);
  return c.contiguous();
}

}  // namespace

bool looksLikeZip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char b[4] = {};
  return in.read(b, 4) && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
}

StateDict readTorchScriptArchive(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw pd::Error("no such file (or not a regular file)", path);
  if (!looksLikeZip(path))
    throw pd::Error("not a TorchScript archive: the file is not a zip archive", path);

  torch::jit::Module module;
  try {
    module = torch::jit::load(path, torch::kCPU);
  } catch (const c10::Error& e) {
    throw pd::Error("not a TorchScript archive: " + firstLine(e.what_without_backtrace()), path);
  } catch (const std::exception& e) {
    throw pd::Error("not a TorchScript archive: " + firstLine(e.what()), path);
  }

  StateDict sd;
  sd.source = path;
  try {
    for (const auto& p : module.named_parameters(/*recurse=*/true))
      sd.tensors[p.name] = normalise(p.value);
    for (const auto& b : module.named_buffers(/*recurse=*/true))
      sd.tensors[b.name] = normalise(b.value);
    for (const char* name : kScalarAttributes) {
      auto it = sd.tensors.find(name);
      if (it != sd.tensors.end()) {
        if (it->second.numel() != 1)
          throw pd::Error(std::string("'") + name + "' is not a scalar", path);
        sd.metadata[name] = std::to_string(it->second.to(at::kLong).item<std::int64_t>());
        sd.tensors.erase(it);
      } else if (module.hasattr(name)) {
        const c10::IValue v = module.attr(name);
        if (v.isInt())
          sd.metadata[name] = std::to_string(v.toInt());
        else if (v.isTensor() && v.toTensor().numel() == 1)
          sd.metadata[name] = std::to_string(v.toTensor().to(at::kLong).item<std::int64_t>());
      }
    }
  } catch (const c10::Error& e) {
    throw pd::Error("cannot read the archive's tensors: " + firstLine(e.what_without_backtrace()),
                    path);
  }
  if (sd.tensors.empty())
    throw pd::Error("TorchScript archive holds no parameters or buffers", path);
  return sd;
}

StateDict readTorchPickle(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw pd::Error("no such file (or not a regular file)", path);
  std::vector<char> bytes;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw pd::Error("cannot open the file", path);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (bytes.size() < 4 || bytes[0] != 'P' || bytes[1] != 'K' || bytes[2] != 3 || bytes[3] != 4) {
    if (!bytes.empty() && static_cast<unsigned char>(bytes[0]) == 0x80)
      throw pd::Error("not a readable torch.save file: it is in the legacy (pre-PyTorch-1.6, "
                      "non-zip) pickle format, which is not supported; re-save it with a recent "
                      "torch.save or as safetensors",
                      path);
    throw pd::Error("not a torch.save file: it is not a zip archive", path);
  }
  c10::IValue value;
  try {
    value = torch::pickle_load(bytes);
  } catch (const c10::Error& e) {
    const std::string m = e.what_without_backtrace();
    if (m.find("Expected GenericDict but got None") != std::string::npos)
      throw pd::Error("not a readable torch.save file: its state dict is a "
                      "collections.OrderedDict, which LibTorch's unpickler cannot rebuild; re-save "
                      "it as a plain dict (torch.save(dict(state_dict), ...)) or as safetensors",
                      path);
    throw pd::Error("not a readable torch.save file: " + firstLine(m), path);
  } catch (const std::exception& e) {
    throw pd::Error("not a readable torch.save file: " + firstLine(e.what()), path);
  }
  if (value.isNone())
    throw pd::Error("not a readable torch.save file: it holds None (a collections.OrderedDict, "
                    "which LibTorch's unpickler cannot rebuild, reads as None); re-save it as a "
                    "plain dict or as safetensors",
                    path);
  if (!value.isGenericDict())
    throw pd::Error("torch.save file holds a " + value.tagKind() +
                        ", not a dict of tensors by name",
                    path);
  StateDict sd;
  sd.source = path;
  for (const auto& kv : value.toGenericDict()) {
    if (!kv.key().isString())
      throw pd::Error("torch.save dict has a key of type " + kv.key().tagKind() +
                          " (expected tensor names)",
                      path);
    const std::string& name = kv.key().toStringRef();
    if (!kv.value().isTensor())
      throw pd::Error("entry '" + name + "' is a " + kv.value().tagKind() + ", not a tensor", path);
    if (!sd.tensors.emplace(name, normalise(kv.value().toTensor())).second)
      throw pd::Error("tensor '" + name + "' appears twice", path);
  }
  if (sd.tensors.empty()) throw pd::Error("torch.save file holds no tensors", path);
  return sd;
}

}  // namespace pd::io
