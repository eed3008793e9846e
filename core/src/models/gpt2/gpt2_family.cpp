// GPT-2 as a model family: GPT2LMHeadModel / GPT2Model checkpoints, with or without the
// `transformer.` prefix (hub files have none), config.json model_type "gpt2".
#include "models/family.h"
#include "models/gpt2/gpt2_model.h"

namespace pd::models {

ModelFamily gpt2Family() {
  ModelFamily f;
  f.info.name = "gpt2";
  f.info.title = "GPT-2 (Hugging Face GPT2LMHeadModel, causal LM)";
  f.info.modelTypes = {"gpt2"};
  f.detect = [](const nlohmann::json& config, const std::vector<std::string>& keys) {
    if (architectureIs(config, "GPT2")) return true;
    for (const auto& k : keys)
      if (k == "transformer.wte.weight" || k == "wte.weight") return true;
    return false;
  };
  f.buildText = buildGpt2;
  f.describe = describeTextFamily(f.buildText);
  f.summarize = summarizeTextRecord;
  f.ownsRecord = [](const nlohmann::json& j) { return j.value("family", nlohmann::json()) == "gpt2"; };
  return f;
}

}  // namespace pd::models
