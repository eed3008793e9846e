// Prefix-Tuning (Li & Liang 2021) as HF PEFT implements it (PrefixTuningConfig, PrefixEncoder,
// PeftModel.get_prompt): a learned key/value prefix in every layer of the frozen model (see
// prefix_encoder.h), the text itself unchanged. GPT-2: PEFT's CAUSAL_LM path (the LM loss for
// parity, next-token label words for classification); BERT / RoBERTa: the base model call of
// PEFT's FEATURE_EXTRACTION / SEQ_CLS paths with the cloze head (PEFT has no masked-LM task
// type) or the classifier head. The PEFT export is PEFT's own adapter: "prompt_embeddings" =
// the encoder output for arange(P) (P, 2LC), with inference_mode true (PEFT then loads it into
// a plain Embedding(P, 2LC), also for prefix_projection, whose MLP is not saved).
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

struct PrefixTuningConfig {
  int numVirtualTokens = 20;
  bool prefixProjection = false;
  json encoderHiddenSize;  // null: the model's width (PEFT: None -> token_dim)
  TextTrainOptions train;
};

const ConfigDecl<PrefixTuningConfig>& prefixTuningConfig() {
  static const ConfigDecl<PrefixTuningConfig> d = [] {
    ConfigDecl<PrefixTuningConfig> c;
    c.integer(&PrefixTuningConfig::numVirtualTokens, "num_virtual_tokens", 20, 1, 4096,
              "virtual tokens P of the per-layer key/value prefix (PEFT's examples: 20)");
    c.flag(&PrefixTuningConfig::prefixProjection, "prefix_projection", false,
           "reparameterise the prefix by Embedding(P, width) - Linear - Tanh - Linear "
           "(PEFT's default: off, the prefix is Embedding(P, 2 x layers x width))");
    using D = ConfigDecl<PrefixTuningConfig>;
    c.add<json>(D::make("encoder_hidden_size", "int", json(nullptr),
                        "hidden size of the prefix projection MLP (null: the model's width, "
                        "PEFT's default)",
                        1, 1 << 20),
                [](PrefixTuningConfig& x) -> json& { return x.encoderHiddenSize; });
    // PEFT's prefix-tuning examples train with lr 1e-2 (the prefix is far from the model's own
    // activations at the start and needs large steps); the rest as LM-BFF.
    TextTrainOptions t;
    t.lr = 1e-2;
    declareTextTrainOptions(c, &PrefixTuningConfig::train, t);
    return c;
  }();
  return d;
}

class PrefixTuningMethod : public TextMethod {
 public:
  explicit PrefixTuningMethod(const PrefixTuningConfig& cfg) : cfg_(cfg) {}

  TextEncoded encode(const TextBatch& batch, bool /*training: PEFT's prefix has no dropout*/)
      override {
    TextEncoded enc = encodeWithPrefix(model(), encoder_, batch, 0.0, "prefix-tuning");
    enc.outputs["prompt_embeddings"] = encoder_.flat();
    return enc;
  }
  const TextTrainOptions& trainOptions() const override { return cfg_.train; }
  // The prefix shifts the text's positions by P: inputs are cut to the positions minus P.
  std::int64_t reservedPositions() const override { return encoder_.virtualTokens(); }

  json record() const override {
    json r{{"method", "prefix-tuning"},
           {"reference", "HF PEFT PrefixEncoder / get_prompt"},
           {"options", prefixTuningConfig().toJson(cfg_)},
           {"virtual_tokens", encoder_.virtualTokens()},
           {"prefix_width", encoder_.width()},
           {"head", head_ ? head().kind() : std::string()}};
    r["peft"] = peftConfig();
    return r;
  }

  json peftConfig() const override {
    const models::TextModelConfig& c = model().config();
    std::string task = "FEATURE_EXTRACTION";
    if (c.causal) task = "CAUSAL_LM";
    else if (head_ && head().kind() == "classifier") task = "SEQ_CLS";
    return json{{"peft_type", "PREFIX_TUNING"},
                {"task_type", task},
                {"num_virtual_tokens", encoder_.virtualTokens()},
                {"token_dim", c.hidden},
                {"num_transformer_submodules", 1},
                {"num_attention_heads", c.heads},
                {"num_layers", c.layers},
                {"encoder_hidden_size", hiddenSize()},
                {"prefix_projection", cfg_.prefixProjection},
                {"inference_mode", true}};
  }

  std::map<std::string, at::Tensor> peftTensors() override {
    at::NoGradGuard ng;
    return {{"prompt_embeddings", encoder_.flat().detach().clone().contiguous()}};
  }

 protected:
  void setupMethod() override {
    const models::TextModelConfig& c = model().config();
    PrefixEncoderSpec spec;
    spec.virtualTokens = cfg_.numVirtualTokens;
    spec.projection = cfg_.prefixProjection;
    spec.projectionHidden = hiddenSize();
    spec.prefix = "";
    spec.mlpName = "transform";
    spec.tokensField = "num_virtual_tokens";
    spec.hiddenField = "encoder_hidden_size";
    if (spec.virtualTokens >= c.maxInputLength())
      throw Error("num_virtual_tokens " + std::to_string(spec.virtualTokens) +
                      " leaves no room for text in the model's " +
                      std::to_string(c.maxInputLength()) + " positions",
                  "num_virtual_tokens");
    refuseClassifierOnCausal(c, task_.head.empty() ? defaultHead() : task_.head,
                             "prefix-tuning");
    encoder_ = PrefixEncoder(c, spec, task_.seed);
  }
  std::vector<NamedTensor> adaptation() override { return encoder_.named(); }

 private:
  std::int64_t hiddenSize() const {
    if (cfg_.encoderHiddenSize.is_number_integer())
      return cfg_.encoderHiddenSize.get<std::int64_t>();
    return backbone_.model ? model().config().hidden : 0;
  }
  PrefixTuningConfig cfg_;
  PrefixEncoder encoder_;
};

}  // namespace

MethodEntry prefixTuningMethod() {
  MethodEntry e;
  e.info.name = "prefix-tuning";
  e.info.title = "Prefix-Tuning";
  e.info.description =
      "a learned key/value prefix in every attention layer of the frozen model (Li & Liang "
      "2021, as HF PEFT's PrefixEncoder), optionally reparameterised by an MLP";
  e.info.families = {"bert", "roberta", "gpt2"};
  e.info.options = prefixTuningConfig().schema();
  e.info.presets = {
      {"prefix-tuning-proj", "Prefix-Tuning with the MLP reparameterisation",
       R"({"prefix_projection":true})"},
  };
  e.makeText = [](const json& options) -> std::unique_ptr<TextMethod> {
    return std::make_unique<PrefixTuningMethod>(
        prefixTuningConfig().parse(options, "prefix-tuning"));
  };
  return e;
}

}  // namespace pd::methods
