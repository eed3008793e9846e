// The model-family registry: one line per family.
#include "models/family.h"

#include "promptdesk/error.h"

namespace pd::models {

const std::vector<ModelFamily>& familyRegistry() {
  static const std::vector<ModelFamily> all{
      clipFamily(),
      bertFamily(),
      robertaFamily(),
      gpt2Family(),
  };
  return all;
}

const ModelFamily& detectFamily(const io::LoadedCheckpoint& ck, const std::string& source) {
  const nlohmann::json config = io::checkpointConfig(ck);
  std::vector<std::string> keys;
  keys.reserve(ck.weights.tensors.size());
  for (const auto& [k, v] : ck.weights.tensors) keys.push_back(k);
  // config.json's model_type decides first; then each family's own test.
  if (config.is_object() && config.contains("model_type") && config["model_type"].is_string()) {
    const std::string type = config["model_type"];
    std::string known;
    for (const auto& f : familyRegistry())
      for (const auto& t : f.info.modelTypes) {
        if (t == type) return f;
        known += (known.empty() ? "" : ", ") + t;
      }
    throw Error("config.json model_type '" + type + "' is not supported (known: " + known + ")",
                source);
  }
  for (const auto& f : familyRegistry())
    if (f.detect(config, keys)) return f;
  std::string known;
  for (const auto& f : familyRegistry()) known += (known.empty() ? "" : ", ") + f.info.name;
  throw Error("no model family recognises this checkpoint (known: " + known + ")", source);
}

}  // namespace pd::models

namespace pd {

const std::vector<ModelFamilyInfo>& modelFamilies() {
  static const std::vector<ModelFamilyInfo> infos = [] {
    std::vector<ModelFamilyInfo> v;
    for (const auto& f : models::familyRegistry()) v.push_back(f.info);
    return v;
  }();
  return infos;
}

ModelSummary summarizeArchitecture(const std::string& architectureJson) {
  const nlohmann::json j = nlohmann::json::parse(architectureJson, nullptr, false);
  if (j.is_object())
    for (const auto& f : models::familyRegistry())
      if (f.ownsRecord && f.summarize && f.ownsRecord(j)) return f.summarize(j);
  ModelSummary s;
  s.title = "unknown";
  return s;
}

ModelDescription describeModel(const std::string& path) {
  io::LoadedCheckpoint ck = io::readCheckpoint(path);
  const std::string source = ck.weights.source.empty() ? path : ck.weights.source;
  return models::detectFamily(ck, source).describe(ck, source);
}

}  // namespace pd
