#include "io/checkpoint.h"

#include <filesystem>
#include <fstream>
#include <set>

#include "io/hf_clip.h"
#include "io/hf_folder.h"
#include "io/json_limits.h"
#include "io/safetensors.h"
#include "io/sha256.h"
#include "io/torchscript_archive.h"
#include "promptdesk/error.h"

namespace pd::io {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

}  // namespace

bool isHfClipConfig(const json& c) {
  if (!c.is_object()) return false;
  if (stringOr(c, "model_type") == "clip") return true;
  auto a = c.find("architectures");
  if (a != c.end() && a->is_array())
    for (const auto& x : *a)
      if (x == "CLIPModel") return true;
  return false;
}

namespace {

json readConfigIfAny(const fs::path& cfg) {
  std::error_code ec;
  if (!fs::is_regular_file(cfg, ec)) return nullptr;
  json j = parseJsonLimited(readJsonFileText(cfg.string()), cfg.string());
  if (!j.is_object()) throw pd::Error("config.json is not a JSON object", cfg.string());
  return j;
}

// Float types to float32 (F16/BF16 already are; F64 too); integer buffers kept.
void toFloat32(StateDict& sd) {
  for (auto& [k, t] : sd.tensors)
    if (at::isFloatingType(t.scalar_type()) && t.scalar_type() != at::kFloat) t = t.to(at::kFloat);
}

std::string hashShards(const fs::path& dir, const fs::path& index) {
  json idx = parseJsonLimited(readJsonFileText(index.string()), index.string());
  std::set<std::string> shards;
  if (idx.is_object() && idx.contains("weight_map") && idx["weight_map"].is_object())
    for (const auto& v : idx["weight_map"])
      if (v.is_string()) shards.insert(v.get<std::string>());
  Sha256 h;
  std::vector<char> buf(1 << 20);
  for (const auto& s : shards) {
    std::ifstream f(dir / s, std::ios::binary);
    if (!f) throw pd::Error("cannot open shard for hashing", (dir / s).string());
    while (f) {
      f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      if (f.gcount() > 0) h.update(buf.data(), static_cast<std::size_t>(f.gcount()));
    }
  }
  return h.hexDigest();
}

LoadedCheckpoint readFolder(const fs::path& dir, bool allowPickles) {
  LoadedCheckpoint ck;
  json cfg = readConfigIfAny(dir / "config.json");
  std::error_code ec;
  if (cfg.is_null())
    throw pd::Error("folder has no config.json (expected a Hugging Face model folder)",
                    dir.string());
  const bool pickles = allowPickles && hfFolderHasOnlyPickles(dir.string());
  if (isHfClipConfig(cfg) && !pickles) {
    HfClipCheckpoint hf = readHfClipFolder(dir.string());
    ck.weights = std::move(hf.weights);
    ck.config = std::move(hf.config);
    ck.format = "hf-folder";
    ck.weightFile = hf.weightFile;
    ck.contentHash = fs::path(hf.weightFile).filename() == "model.safetensors.index.json"
                         ? hashShards(dir, hf.weightFile)
                         : sha256File(hf.weightFile);
    return ck;
  }
  // A text model's Hugging Face folder (BERT, RoBERTa, GPT-2, ...: the family binds the keys),
  // or a folder in our own CLIP layout (config.json with OpenAI numbers + model.safetensors).
  // Pickled weights (pytorch_model.bin) only in the isolated importer (allowPickles).
  HfFolderWeights w =
      pickles ? readHfFolderPickles(dir.string()) : readHfFolderWeights(dir.string());
  ck.weights = std::move(w.weights);
  if (isHfClipLayout(ck.weights)) ck.weights = mapHfClipToOpenai(ck.weights);
  const bool hfText = cfg.contains("model_type");
  ck.config = std::move(cfg);
  ck.format = pickles    ? (w.sharded ? "hf-folder (pytorch_model.bin, sharded)"
                                      : "hf-folder (pytorch_model.bin)")
              : !hfText  ? "safetensors"
              : w.sharded ? "hf-folder (sharded)"
                          : "hf-folder";
  ck.weightFile = w.weightFile;
  ck.contentHash = w.sharded ? hashShards(dir, w.weightFile) : sha256File(w.weightFile);
  return ck;
}

}  // namespace

LoadedCheckpoint readCheckpoint(const std::string& path, bool allowPickles) {
  const fs::path p(path);
  std::error_code ec;
  if (!fs::exists(p, ec)) throw pd::Error("no such file or folder", path);
  LoadedCheckpoint ck;
  if (fs::is_directory(p, ec)) {
    ck = readFolder(p, allowPickles);
  } else {
    if (looksLikeZip(path)) {
      ck.weights = readTorchScriptArchive(path);
      ck.format = "openai-torchscript";
    } else if (looksLikeSafetensors(path) || p.extension() == ".safetensors") {
      // (by name too, so that a damaged .safetensors gets the reader's precise diagnosis)
      ck.weights = readSafetensors(path);
      if (isHfClipLayout(ck.weights)) ck.weights = mapHfClipToOpenai(ck.weights);
      ck.format = "safetensors";
    } else {
      std::ifstream in(path, std::ios::binary);
      unsigned char b0 = 0;
      in.read(reinterpret_cast<char*>(&b0), 1);
      throw pd::Error(b0 == 0x80 ? "unsupported checkpoint: a legacy pickled torch.save file "
                                   "(only TorchScript .pt archives, safetensors and Hugging Face "
                                   "folders are read)"
                                 : "unrecognised checkpoint format (expected a TorchScript .pt "
                                   "archive, a safetensors file or a Hugging Face CLIP folder)",
                      path);
    }
    ck.config = readConfigIfAny(p.parent_path().empty() ? fs::path("config.json")
                                                        : p.parent_path() / "config.json");
    ck.weightFile = path;
    ck.contentHash = sha256File(path);
  }
  toFloat32(ck.weights);
  if (ck.weights.tensors.empty()) throw pd::Error("checkpoint holds no tensors", path);
  return ck;
}

nlohmann::json checkpointConfig(const LoadedCheckpoint& ck) {
  if (!ck.config.is_null()) return ck.config;
  auto it = ck.weights.metadata.find("config");
  if (it == ck.weights.metadata.end()) return nullptr;
  nlohmann::json j = nlohmann::json::parse(it->second, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw pd::Error("metadata 'config' is not a JSON object", ck.weights.source);
  return j;
}

}  // namespace pd::io
