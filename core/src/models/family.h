#pragma once
// The model-family interface (internal) and the registry's list (models/families.cpp). A family
// recognises itself from config.json or the checkpoint's keys and describes a loaded checkpoint.
// Text families (bert, roberta, gpt2) also build their model (models/text_lm.h); CLIP's model is
// built by models/clip/ (loadClipModel).
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/checkpoint.h"
#include "promptdesk/models.h"

namespace pd::models {

class TextLM;
using TextModelBuilder =
    std::function<std::shared_ptr<TextLM>(const io::LoadedCheckpoint& ck, const std::string& source)>;

struct ModelFamily {
  ModelFamilyInfo info;
  // True when this family owns a checkpoint with this config.json (may be null) and these keys.
  std::function<bool(const nlohmann::json& config, const std::vector<std::string>& keys)> detect;
  // The description of a loaded checkpoint of this family (checks shapes; throws naming keys).
  std::function<ModelDescription(const io::LoadedCheckpoint& ck, const std::string& source)>
      describe;
  // Title and facts from the family's architecture record (describe() uses it too).
  std::function<ModelSummary(const nlohmann::json& architecture)> summarize;
  // True when an architecture record is this family's.
  std::function<bool(const nlohmann::json& architecture)> ownsRecord;
  // Text language models only (null for CLIP): the model with the checkpoint's weights bound.
  TextModelBuilder buildText;
};

const std::vector<ModelFamily>& familyRegistry();
// The family of a loaded checkpoint (pd::Error listing the known families when none claims it).
const ModelFamily& detectFamily(const io::LoadedCheckpoint& ck, const std::string& source);

ModelFamily clipFamily();     // models/clip/clip_family.cpp
ModelFamily bertFamily();     // models/bert/bert_family.cpp
ModelFamily robertaFamily();  // models/roberta/roberta_family.cpp
ModelFamily gpt2Family();     // models/gpt2/gpt2_family.cpp

// True when config.json's architectures name `prefix`For..., `prefix`Model or `prefix`LMHeadModel.
bool architectureIs(const nlohmann::json& config, const std::string& prefix);
// Title and facts of a text family's architecture record (TextModelConfig::toJson +
// parameter_count + format).
ModelSummary summarizeTextRecord(const nlohmann::json& record);
// A describe() for a text family: builds the model (strict binding) and reports its facts.
std::function<ModelDescription(const io::LoadedCheckpoint&, const std::string&)> describeTextFamily(
    TextModelBuilder build);

}  // namespace pd::models
