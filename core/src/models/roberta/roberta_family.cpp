// RoBERTa as a model family: RobertaForMaskedLM / RobertaModel checkpoints (keys roberta.*,
// lm_head.*), config.json model_type "roberta". The BERT-style module (models/bert/) with positions
// from the padding mask and its own head names.
#include "models/bert/bert_model.h"
#include "models/family.h"

namespace pd::models {

namespace {
const BertStyleNames& robertaNames() {
  static const BertStyleNames n{"roberta",
                                "lm_head.dense",
                                "lm_head.layer_norm",
                                "lm_head.bias",
                                "lm_head.decoder",
                                {"roberta.pooler.", "pooler."}};
  return n;
}
}  // namespace

ModelFamily robertaFamily() {
  ModelFamily f;
  f.info.name = "roberta";
  f.info.title = "RoBERTa (Hugging Face RobertaForMaskedLM, masked LM)";
  f.info.modelTypes = {"roberta"};
  f.detect = [](const nlohmann::json& config, const std::vector<std::string>& keys) {
    if (architectureIs(config, "Roberta")) return true;
    for (const auto& k : keys)
      if (k.rfind("roberta.embeddings.", 0) == 0) return true;
    return false;
  };
  f.buildText = [](const io::LoadedCheckpoint& ck, const std::string& source) {
    return buildBertStyle(ck, "roberta", robertaNames(), source);
  };
  f.describe = describeTextFamily(f.buildText);
  f.summarize = summarizeTextRecord;
  f.ownsRecord = [](const nlohmann::json& j) { return j.value("family", nlohmann::json()) == "roberta"; };
  return f;
}

}  // namespace pd::models
