#pragma once
// The model-family interface (internal) and the registry's list (models/families.cpp). A family
// recognises itself from config.json or the checkpoint's keys and describes a loaded checkpoint.
// Building the model and its tokenizer stay with the family's own code (models/clip_*.h for CLIP).
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "io/checkpoint.h"
#include "promptdesk/models.h"

namespace pd::models {

struct ModelFamily {
  ModelFamilyInfo info;
  // True when this family owns a checkpoint with this config.json (may be null) and these keys.
  std::function<bool(const nlohmann::json& config, const std::vector<std::string>& keys)> detect;
  // The description of a loaded checkpoint of this family (checks shapes; throws naming keys).
  std::function<ModelDescription(const io::LoadedCheckpoint& ck, const std::string& source)>
      describe;
};

const std::vector<ModelFamily>& familyRegistry();
// The family of a loaded checkpoint (pd::Error listing the known families when none claims it).
const ModelFamily& detectFamily(const io::LoadedCheckpoint& ck, const std::string& source);

ModelFamily clipFamily();  // models/families/clip_family.cpp

}  // namespace pd::models
