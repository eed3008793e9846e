// P-Tuning (Liu et al. 2021, "GPT Understands, Too") as HF PEFT implements it
// (PromptEncoderConfig, PromptEncoder, PeftModel's prompt-learning forward; the fixtures'
// methods/README.md section 6): the P virtual tokens are the output of a small encoder
// (prompt_encoder.h: MLP, or bidirectional LSTM + MLP) run once on arange(P), prepended to every
// row as in prompt tuning (soft_prompt.h). placement "template" is THUDM/P-tuning's own layout:
// the pseudo tokens sit at the template's {soft} slots, so its 3+3+3 interleaving is the template
// "{soft:3} {text} {soft:3} {mask} {soft:3}" with num_virtual_tokens 9 (preset p-tuning-thudm:
// also THUDM's LSTM encoder of width C/2 per direction). The PEFT export is the encoder's output
// "prompt_embeddings" [P, C] with PromptEncoderConfig's fields and inference_mode true (PEFT then
// loads it into a plain Embedding; the encoder itself is not saved).
#include <nlohmann/json.hpp>

#include "methods/common/config.h"
#include "methods/common/method.h"
#include "methods/p_tuning/prompt_encoder.h"
#include "methods/prompt_tuning/soft_prompt.h"
#include "methods/text_common/text_head.h"
#include "promptdesk/error.h"

using nlohmann::json;

namespace pd::methods {
namespace {

struct PTuningConfig {
  int numVirtualTokens = 20;
  std::string encoderType = "MLP";
  int encoderHiddenSize = 128;
  int encoderNumLayers = 2;
  double encoderDropout = 0.0;
  std::string placement = "prepend";
  TextTrainOptions train;
};

const ConfigDecl<PTuningConfig>& pTuningConfig() {
  static const ConfigDecl<PTuningConfig> d = [] {
    ConfigDecl<PTuningConfig> c;
    c.integer(&PTuningConfig::numVirtualTokens, "num_virtual_tokens", 20, 0, 4096,
              "virtual tokens P (PEFT's examples: 20); with placement 'template', the number of "
              "the template's {soft} slots (left at 20, it follows the template)");
    c.choice(&PTuningConfig::encoderType, "encoder_reparameterization_type", "MLP",
             {"MLP", "LSTM"},
             "the prompt encoder: MLP (Linear-ReLU-Linear-ReLU-Linear, PEFT's default) or LSTM "
             "(bidirectional LSTM then Linear-ReLU-Linear, as the paper)");
    c.integer(&PTuningConfig::encoderHiddenSize, "encoder_hidden_size", 128, -1, 1 << 20,
              "the encoder's hidden size Hh (PEFT's examples: 128); -1: THUDM's choice, half the "
              "model's width for the LSTM (both directions give the width), the width for the MLP");
    c.integer(&PTuningConfig::encoderNumLayers, "encoder_num_layers", 2, 1, 64,
              "LSTM layers (the MLP always has 3 linears, as in PEFT)");
    c.real(&PTuningConfig::encoderDropout, "encoder_dropout", 0.0, 0.0, 0.99,
           "dropout between the LSTM's layers in training");
    c.choice(&PTuningConfig::placement, "placement", "prepend", {"prepend", "template"},
             "prepend the virtual tokens (PEFT) or put them at the template's {soft} slots "
             "(THUDM/P-tuning)");
    // PEFT's P-tuning examples (the sequence-classification guide, the P_Tuning notebook) train
    // with AdamW at lr 1e-3; the encoder's output moves fast, so no larger rate is needed.
    TextTrainOptions t;
    t.lr = 1e-3;
    declareTextTrainOptions(c, &PTuningConfig::train, t);
    return c;
  }();
  return d;
}

class PTuningMethod : public VirtualTokenMethod {
 public:
  explicit PTuningMethod(const PTuningConfig& cfg) : cfg_(cfg) {
    if (cfg_.numVirtualTokens <= 0)
      throw Error("num_virtual_tokens is 0: P-tuning needs at least one virtual token",
                  "num_virtual_tokens");
    if (cfg_.encoderHiddenSize == 0)
      throw Error("encoder_hidden_size is 0: give the prompt encoder's hidden size (at least "
                  "1), or -1 for THUDM's choice",
                  "encoder_hidden_size");
  }

  TextEncoded encode(const TextBatch& batch, bool training) override {
    const at::Tensor prompts = encoder_.prompts(training);
    return encodeWithVirtualTokens(model(), prompts, batch, placement(), "num_virtual_tokens");
  }
  std::int64_t reservedPositions() const override {
    return placement() == VirtualPlacement::Prepend ? cfg_.numVirtualTokens : 0;
  }
  const TextTrainOptions& trainOptions() const override { return cfg_.train; }

  json record() const override {
    json r{{"method", "p-tuning"},
           {"reference", cfg_.placement == "template"
                             ? "THUDM/P-tuning pseudo tokens at the template's slots, HF PEFT "
                               "PromptEncoder"
                             : "HF PEFT PromptEncoder / PeftModel prompt learning"},
           {"options", pTuningConfig().toJson(cfg_)},
           {"virtual_tokens", cfg_.numVirtualTokens},
           {"encoder_hidden_size", hiddenSize()},
           {"placement", cfg_.placement},
           {"head", head_ ? head().kind() : std::string()}};
    r["peft"] = peftConfig();
    return r;
  }

  json peftConfig() const override {
    const models::TextModelConfig& c = model().config();
    return json{{"peft_type", "P_TUNING"},
                {"task_type", peftTaskType(c, head_ ? head().kind() : defaultHead())},
                {"num_virtual_tokens", cfg_.numVirtualTokens},
                {"token_dim", c.hidden},
                {"num_transformer_submodules", 1},
                {"num_attention_heads", c.heads},
                {"num_layers", c.layers},
                {"encoder_reparameterization_type", cfg_.encoderType},
                {"encoder_hidden_size", hiddenSize()},
                {"encoder_num_layers", cfg_.encoderNumLayers},
                {"encoder_dropout", cfg_.encoderDropout},
                {"inference_mode", true}};
  }

  std::map<std::string, at::Tensor> peftTensors() override {
    at::NoGradGuard ng;
    return {{"prompt_embeddings", encoder_.prompts(false).detach().clone().contiguous()}};
  }

  void setTemplateSlots(const std::vector<int>& slotInit) override {
    // The pseudo tokens come from the encoder: {soft:"words"} gives slots, not initial values.
    VirtualTokenMethod::setTemplateSlots(slotInit);
  }

 protected:
  void setupMethod() override {
    const models::TextModelConfig& c = model().config();
    cfg_.numVirtualTokens = static_cast<int>(slotAwareCount(cfg_.numVirtualTokens, 20));
    const std::int64_t p = cfg_.numVirtualTokens;
    if (placement() == VirtualPlacement::Prepend && p >= c.maxInputLength())
      throw Error("num_virtual_tokens " + std::to_string(p) + " leaves no room for text in the "
                      "model's " + std::to_string(c.maxInputLength()) + " positions",
                  "num_virtual_tokens");
    if (!templateSlots_.empty() && placement() == VirtualPlacement::Prepend)
      throw Error("the template has {soft} slots, but the virtual tokens are prepended: use "
                  "placement 'template' (or a template without {soft})",
                  "placement");
    if (!templateSlots_.empty() && static_cast<std::int64_t>(templateSlots_.size()) != p)
      throw Error("the template has " + std::to_string(templateSlots_.size()) +
                      " soft slots but num_virtual_tokens is " + std::to_string(p) +
                      ": they must be equal",
                  "num_virtual_tokens");
    refuseCausalClassifier(c, task_.head.empty() ? defaultHead() : task_.head, "p-tuning");
    PromptEncoderSpec s;
    s.virtualTokens = p;
    s.tokenDim = c.hidden;
    s.hidden = hiddenSize();
    s.lstm = cfg_.encoderType == "LSTM";
    s.lstmLayers = cfg_.encoderNumLayers;
    s.dropout = cfg_.encoderDropout;
    if (s.hidden <= 0)
      throw Error("encoder_hidden_size " + std::to_string(s.hidden) + " for a model " +
                      std::to_string(c.hidden) + " wide",
                  "encoder_hidden_size");
    encoder_ = PromptEncoder(s, task_.seed * 1000003ull + 29);
  }
  std::vector<NamedTensor> adaptation() override { return encoder_.named(); }

 private:
  VirtualPlacement placement() const {
    return cfg_.placement == "template" ? VirtualPlacement::Template : VirtualPlacement::Prepend;
  }
  std::int64_t hiddenSize() const {
    if (cfg_.encoderHiddenSize > 0) return cfg_.encoderHiddenSize;
    const std::int64_t width = backbone_.model ? model().config().hidden : 0;
    return cfg_.encoderType == "LSTM" ? width / 2 : width;
  }
  PTuningConfig cfg_;
  PromptEncoder encoder_;
};

}  // namespace

MethodEntry pTuningMethod() {
  MethodEntry e;
  e.info.name = "p-tuning";
  e.info.title = "P-Tuning";
  e.info.description =
      "virtual tokens produced by a small MLP or bidirectional-LSTM prompt encoder (Liu et al. "
      "2021, as HF PEFT's PromptEncoder), prepended to the input or placed at the template's "
      "{soft} slots (THUDM/P-tuning)";
  e.info.families = {"bert", "roberta", "gpt2"};
  e.info.usesTrainingData = true;
  e.info.options = pTuningConfig().schema();
  e.info.presets = {
      {"p-tuning-lstm", "P-Tuning with PEFT's LSTM encoder",
       R"({"encoder_reparameterization_type":"LSTM"})"},
      {"p-tuning-thudm",
       "THUDM/P-tuning: 9 pseudo tokens at the template's {soft:3} {text} {soft:3} {mask} "
       "{soft:3} slots, bidirectional LSTM of half the model's width",
       R"({"placement":"template","encoder_reparameterization_type":"LSTM","encoder_hidden_size":-1,"num_virtual_tokens":9})"},
  };
  e.makeText = [](const json& options) -> std::unique_ptr<TextMethod> {
    return std::make_unique<PTuningMethod>(pTuningConfig().parse(options, "p-tuning"));
  };
  return e;
}

}  // namespace pd::methods
