// P-Tuning v2 (Liu et al. 2022) as THUDM/P-tuning-v2 implements it
// (model/prefix_encoder.py, model/sequence_classification.py Bert/RobertaPrefixFor
// SequenceClassification, arguments.py defaults): the deep prefix of prefix-tuning
// (methods/prefix_tuning/prefix_encoder.h) under the module names "prefix_encoder.*", with
// Dropout(hidden_dropout_prob) on the prefix key/values in training, then the frozen model's
// pooled [CLS] into a linear classifier ("classifier.*", the shared classifier head of
// text_head.cpp; its pooled-output dropout is the head's). The cloze ("verbalizer") head is
// the alternative for prompt-based classification, and the only one on GPT-2.
//
// We do NOT reproduce the reference's shallow "prompt" mode (Bert/RobertaPromptFor
// SequenceClassification): it runs the embeddings layer on the text and then calls the model
// with inputs_embeds, so positions, token types and the embedding LayerNorm are applied twice.
#include <nlohmann/json.hpp>

#include "methods/common/config.h"
#include "methods/common/method.h"
#include "methods/prefix_tuning/prefix_encoder.h"
#include "methods/text_common/text_head.h"
#include "methods/text_common/text_method.h"
#include "promptdesk/error.h"

using nlohmann::json;

namespace pd::methods {
namespace {

struct PTuningV2Config {
  int preSeqLen = 4;
  bool prefixProjection = false;
  json prefixHiddenSize;  // null: 512, the reference's default
  double hiddenDropoutProb = 0.1;
  std::string head = "classifier";
  TextTrainOptions train;
};

const ConfigDecl<PTuningV2Config>& pTuningV2Config() {
  static const ConfigDecl<PTuningV2Config> d = [] {
    ConfigDecl<PTuningV2Config> c;
    c.integer(&PTuningV2Config::preSeqLen, "pre_seq_len", 4, 1, 4096,
              "prefix length P (virtual key/value tokens in every layer; reference default 4)");
    c.flag(&PTuningV2Config::prefixProjection, "prefix_projection", false,
           "reparameterise the prefix by Embedding(P, width) - Linear - Tanh - Linear");
    using D = ConfigDecl<PTuningV2Config>;
    c.add<json>(D::make("prefix_hidden_size", "int", json(nullptr),
                        "hidden size of the prefix projection MLP (null: 512, the reference's "
                        "default)",
                        1, 1 << 20),
                [](PTuningV2Config& x) -> json& { return x.prefixHiddenSize; });
    c.real(&PTuningV2Config::hiddenDropoutProb, "hidden_dropout_prob", 0.1, 0.0, 0.99,
           "dropout on the prefix key/values in training (reference: the model's 0.1)");
    c.choice(&PTuningV2Config::head, "head", "classifier", {"classifier", "verbalizer"},
             "classifier: pooled [CLS] + linear layer (the reference); verbalizer: cloze scores "
             "of the label words at the mask (next token on GPT-2)");
    // The reference's run scripts use lr 5e-3 .. 1e-2 for the prefix and the classifier; we
    // default to 1e-2. The rest as LM-BFF.
    TextTrainOptions t;
    t.lr = 1e-2;
    declareTextTrainOptions(c, &PTuningV2Config::train, t);
    return c;
  }();
  return d;
}

class PTuningV2Method : public TextMethod {
 public:
  explicit PTuningV2Method(const PTuningV2Config& cfg) : cfg_(cfg) {}

  TextEncoded encode(const TextBatch& batch, bool training) override {
    return encodeWithPrefix(model(), encoder_, batch, training ? cfg_.hiddenDropoutProb : 0.0,
                            "p-tuning-v2");
  }
  const TextTrainOptions& trainOptions() const override { return cfg_.train; }
  // The prefix shifts the text's positions by P: inputs are cut to the positions minus P.
  std::int64_t reservedPositions() const override { return encoder_.virtualTokens(); }

  json record() const override {
    return json{{"method", "p-tuning-v2"},
                {"reference", "THUDM/P-tuning-v2 PrefixEncoder / *PrefixForSequenceClassification"},
                {"options", pTuningV2Config().toJson(cfg_)},
                {"virtual_tokens", encoder_.virtualTokens()},
                {"prefix_width", encoder_.width()},
                {"head", head_ ? head().kind() : std::string()}};
  }

 protected:
  std::string defaultHead() const override { return cfg_.head; }

  void setupMethod() override {
    const models::TextModelConfig& c = model().config();
    PrefixEncoderSpec spec;
    spec.virtualTokens = cfg_.preSeqLen;
    spec.projection = cfg_.prefixProjection;
    spec.projectionHidden =
        cfg_.prefixHiddenSize.is_number_integer() ? cfg_.prefixHiddenSize.get<std::int64_t>() : 512;
    spec.prefix = "prefix_encoder.";
    spec.mlpName = "trans";
    spec.tokensField = "pre_seq_len";
    spec.hiddenField = "prefix_hidden_size";
    if (spec.virtualTokens >= c.maxInputLength())
      throw Error("pre_seq_len " + std::to_string(spec.virtualTokens) +
                      " leaves no room for text in the model's " +
                      std::to_string(c.maxInputLength()) + " positions",
                  "pre_seq_len");
    refuseClassifierOnCausal(c, task_.head.empty() ? defaultHead() : task_.head, "p-tuning-v2");
    encoder_ = PrefixEncoder(c, spec, task_.seed);
  }
  std::vector<NamedTensor> adaptation() override { return encoder_.named(); }

 private:
  PTuningV2Config cfg_;
  PrefixEncoder encoder_;
};

}  // namespace

MethodEntry pTuningV2Method() {
  MethodEntry e;
  e.info.name = "p-tuning-v2";
  e.info.title = "P-Tuning v2";
  e.info.description =
      "deep prompt tuning (Liu et al. 2022, THUDM/P-tuning-v2): a learned key/value prefix in "
      "every layer with a classifier on the pooled [CLS], or cloze scores of label words";
  e.info.families = {"bert", "roberta", "gpt2"};
  e.info.options = pTuningV2Config().schema();
  e.makeText = [](const json& options) -> std::unique_ptr<TextMethod> {
    return std::make_unique<PTuningV2Method>(pTuningV2Config().parse(options, "p-tuning-v2"));
  };
  return e;
}

}  // namespace pd::methods
