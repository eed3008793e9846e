// BitFit (Ben Zaken et al. 2022) as benzakenelad/BitFit's glue_evaluator.py selects it with
// trainable_components ['all']: every backbone parameter whose name contains "bias" is trained
// (BIAS_TERMS_DICT['all'] = 'bias'), with the head; everything else stays frozen. Names are the
// HF checkpoint keys: BERT's attention.self.{query,key,value}.bias (rows of our in_proj_bias),
// attention.output.dense.bias, intermediate/output dense biases, LayerNorm.bias (= beta), the
// MLM head's transform.dense.bias, transform.LayerNorm.bias and cls.predictions.bias; GPT-2's
// attn.c_attn.bias, attn.c_proj.bias, mlp.c_fc.bias, mlp.c_proj.bias, ln_*.bias. The key biases'
// gradient is exactly zero (a constant added to every key shifts each query's scores uniformly).
// PEFT has no BitFit: peftConfig() is empty; the artifact is the bias tensors under their HF keys
// (a delta of the checkpoint).
#include <nlohmann/json.hpp>

#include "methods/common/config.h"
#include "methods/common/method.h"
#include "methods/finetune/backbone_params.h"
#include "methods/text_common/text_head.h"
#include "methods/text_common/text_method.h"
#include "promptdesk/error.h"

using nlohmann::json;

namespace pd::methods {
namespace {

struct BitFitConfig {
  TextTrainOptions train;
};

const ConfigDecl<BitFitConfig>& bitfitConfig() {
  static const ConfigDecl<BitFitConfig> d = [] {
    ConfigDecl<BitFitConfig> c;
    // BitFit's paper picks the learning rate from {1e-4, 4e-4, 7e-4, 1e-3} (1e-3 in its README's
    // example run): biases alone need larger steps than full fine-tuning.
    TextTrainOptions t;
    t.lr = 1e-3;
    declareTextTrainOptions(c, &BitFitConfig::train, t);
    return c;
  }();
  return d;
}

class BitFitMethod : public TextMethod {
 public:
  explicit BitFitMethod(const BitFitConfig& cfg) : cfg_(cfg) {}

  TextEncoded encode(const TextBatch& batch, bool) override {
    return encodePlain(model(), batch, "bitfit");
  }
  const TextTrainOptions& trainOptions() const override { return cfg_.train; }

  json record() const override {
    json names = json::array();
    for (const auto& t : biases_) names.push_back(t.name);
    return json{{"method", "bitfit"},
                {"reference", "benzakenelad/BitFit glue_evaluator.py, trainable_components 'all'"},
                {"options", bitfitConfig().toJson(cfg_)},
                {"bias_tensors", biases_.size()},
                {"bias_parameters", numelOf(biases_)},
                {"trained", names},
                {"head", head_ ? head().kind() : std::string()},
                {"peft", "none (PEFT has no BitFit): our own type, the biases under their HF keys"}};
  }

 protected:
  void setupMethod() override {
    biases_ = backboneTensors(model(), [](const models::KeyBinding& b) {
      return b.key.find("bias") != std::string::npos;
    });
    if (biases_.empty())
      throw Error("the " + model().config().family + " model has no bias parameters", "model");
  }
  std::vector<NamedTensor> adaptation() override { return biases_; }

 private:
  BitFitConfig cfg_;
  std::vector<NamedTensor> biases_;
};

}  // namespace

MethodEntry bitfitMethod() {
  MethodEntry e;
  e.info.name = "bitfit";
  e.info.title = "BitFit (bias terms only)";
  e.info.description =
      "fine-tunes only the model's bias terms (every parameter named *bias*) and the head "
      "(Ben Zaken et al. 2022, as benzakenelad/BitFit)";
  e.info.families = {"bert", "roberta", "gpt2"};
  e.info.options = bitfitConfig().schema();
  e.makeText = [](const json& options) -> std::unique_ptr<TextMethod> {
    return std::make_unique<BitFitMethod>(bitfitConfig().parse(options, "bitfit"));
  };
  return e;
}

}  // namespace pd::methods
