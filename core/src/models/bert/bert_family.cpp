// BERT as a model family: BertForMaskedLM / BertModel / BertForPreTraining checkpoints (keys
// bert.* or bare embeddings.*/encoder.*, cls.predictions.*), config.json model_type "bert".
#include "models/bert/bert_model.h"
#include "models/family.h"

namespace pd::models {

namespace {
const BertStyleNames& bertNames() {
  static const BertStyleNames n{"bert",
                                "cls.predictions.transform.dense",
                                "cls.predictions.transform.LayerNorm",
                                "cls.predictions.bias",
                                "cls.predictions.decoder",
                                {"bert.pooler.", "pooler.", "cls.seq_relationship."}};
  return n;
}
}  // namespace

ModelFamily bertFamily() {
  ModelFamily f;
  f.info.name = "bert";
  f.info.title = "BERT (Hugging Face BertForMaskedLM, masked LM)";
  f.info.modelTypes = {"bert"};
  f.detect = [](const nlohmann::json& config, const std::vector<std::string>& keys) {
    if (architectureIs(config, "Bert")) return true;
    for (const auto& k : keys)
      if (k.rfind("bert.embeddings.", 0) == 0 || k.rfind("cls.predictions.", 0) == 0) return true;
    return false;
  };
  f.buildText = [](const io::LoadedCheckpoint& ck, const std::string& source) {
    return buildBertStyle(ck, "bert", bertNames(), source);
  };
  f.describe = describeTextFamily(f.buildText);
  f.summarize = summarizeTextRecord;
  f.ownsRecord = [](const nlohmann::json& j) { return j.value("family", nlohmann::json()) == "bert"; };
  return f;
}

}  // namespace pd::models
