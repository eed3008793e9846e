#include "io/hf_folder.h"

#include <filesystem>
#include <set>

#include "io/json_limits.h"
#include "io/safetensors.h"
#include "promptdesk/error.h"

namespace pd::io {

namespace fs = std::filesystem;

HfFolderWeights readHfFolderWeights(const std::string& folder) {
  const fs::path dir(folder);
  HfFolderWeights out;
  std::error_code ec;
  const fs::path single = dir / "model.safetensors";
  const fs::path index = dir / "model.safetensors.index.json";
  if (fs::is_regular_file(single, ec)) {
    out.weights = readSafetensors(single.string());
    out.weightFile = single.string();
    return out;
  }
  if (fs::is_regular_file(index, ec)) {
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
      StateDict part = readSafetensors((dir / s).string());
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
  const bool bin = fs::exists(dir / "pytorch_model.bin", ec);
  throw pd::Error(std::string("no model.safetensors (or model.safetensors.index.json) in the "
                              "Hugging Face model folder") +
                      (bin ? ": it holds pytorch_model.bin, a pickle, which is only read by the "
                             "isolated import (promptdesk-cli import-checkpoint FOLDER --out "
                             "OUT.safetensors, or Add model in the GUI)"
                           : ""),
                  folder);
}

}  // namespace pd::io
