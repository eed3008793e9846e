#include "io/hf_folder.h"

#include <filesystem>
#include <set>

#include "io/json_limits.h"
#include "io/safetensors.h"
#include "io/torchscript_archive.h"
#include "promptdesk/error.h"

namespace pd::io {

namespace fs = std::filesystem;

namespace {

using ShardReader = StateDict (*)(const std::string&);

// A shard index (weight_map -> shard files inside the folder): every shard read with `read`, each
// tensor in the shard the index names, none in two, none missing.
HfFolderWeights readSharded(const fs::path& dir, const fs::path& index, ShardReader read) {
  HfFolderWeights out;
  const nlohmann::json idx = parseJsonLimited(readJsonFileText(index.string()), index.string());
  auto wm = idx.is_object() ? idx.find("weight_map") : idx.end();
  if (!idx.is_object() || wm == idx.end() || !wm->is_object())
    throw pd::Error("no 'weight_map' object", index.string());
  std::set<std::string> shards;
  for (auto it = wm->begin(); it != wm->end(); ++it) {
    if (!it->is_string())
      throw pd::Error("weight_map value of '" + it.key() + "' is not a string", index.string());
    const std::string s = it->get<std::string>();
    if (s.empty() || s.find('/') != std::string::npos || s.find('\\') != std::string::npos ||
        s.find("..") != std::string::npos)
      throw pd::Error("shard name '" + s + "' leaves the folder", index.string());
    shards.insert(s);
  }
  out.weights.source = index.string();
  for (const auto& s : shards) {
    StateDict part = read((dir / s).string());
    for (auto& [k, t] : part.tensors) {
      auto listed = wm->find(k);
      if (listed == wm->end() || *listed != s)
        throw pd::Error("tensor '" + k + "' is in shard " + s +
                            " but the index does not place it there",
                        index.string());
      if (!out.weights.tensors.emplace(k, t).second)
        throw pd::Error("tensor '" + k + "' appears in two shards", index.string());
    }
    out.weights.metadata.insert(part.metadata.begin(), part.metadata.end());
  }
  for (auto it = wm->begin(); it != wm->end(); ++it)
    if (!out.weights.has(it.key()))
      throw pd::Error("tensor '" + it.key() + "' listed in the index is not in shard " +
                          it->get<std::string>(),
                      index.string());
  out.weightFile = index.string();
  out.sharded = true;
  return out;
}

HfFolderWeights readSingleOrSharded(const fs::path& dir, const char* single, const char* index,
                                    ShardReader read, bool* found) {
  std::error_code ec;
  *found = true;
  if (fs::is_regular_file(dir / single, ec)) {
    HfFolderWeights out;
    out.weights = read((dir / single).string());
    out.weightFile = (dir / single).string();
    return out;
  }
  if (fs::is_regular_file(dir / index, ec)) return readSharded(dir, dir / index, read);
  *found = false;
  return {};
}

StateDict readSafetensorsFile(const std::string& path) { return readSafetensors(path); }
StateDict readPickleFile(const std::string& path) { return readTorchPickle(path); }

}  // namespace

HfFolderWeights readHfFolderWeights(const std::string& folder) {
  const fs::path dir(folder);
  bool found = false;
  HfFolderWeights out = readSingleOrSharded(dir, "model.safetensors",
                                            "model.safetensors.index.json", readSafetensorsFile,
                                            &found);
  if (found) return out;
  std::error_code ec;
  const bool bin = fs::exists(dir / "pytorch_model.bin", ec) ||
                   fs::exists(dir / "pytorch_model.bin.index.json", ec);
  throw pd::Error(std::string("no model.safetensors (or model.safetensors.index.json) in the "
                              "Hugging Face model folder") +
                      (bin ? ": it holds pytorch_model.bin, a pickle, which is only read by the "
                             "isolated import (promptdesk-cli import-checkpoint FOLDER --out "
                             "OUT.safetensors, --model FOLDER, or Add model in the GUI)"
                           : ""),
                  folder);
}

bool hfFolderHasOnlyPickles(const std::string& folder) {
  const fs::path dir(folder);
  std::error_code ec;
  if (!fs::is_directory(dir, ec) || !fs::is_regular_file(dir / "config.json", ec)) return false;
  if (fs::exists(dir / "model.safetensors", ec) ||
      fs::exists(dir / "model.safetensors.index.json", ec))
    return false;
  return fs::is_regular_file(dir / "pytorch_model.bin", ec) ||
         fs::is_regular_file(dir / "pytorch_model.bin.index.json", ec);
}

HfFolderWeights readHfFolderPickles(const std::string& folder) {
  bool found = false;
  HfFolderWeights out = readSingleOrSharded(fs::path(folder), "pytorch_model.bin",
                                            "pytorch_model.bin.index.json", readPickleFile, &found);
  if (!found)
    throw pd::Error("no pytorch_model.bin (or pytorch_model.bin.index.json) in the Hugging Face "
                    "model folder",
                    folder);
  return out;
}

}  // namespace pd::io
