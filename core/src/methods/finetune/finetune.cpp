// The fine-tuning baselines of the survey on the text models, as VPT's baseline suite names them
// (Jia et al. 2022: Linear, Partial-k, Full) and LM-BFF's prompt-based fine-tuning (Gao et al.
// 2021):
//   linear     the frozen model; a linear layer on the [CLS] / <s> hidden state (BERT, RoBERTa:
//              "classifier.weight/bias") or on the last real token's (GPT-2, as HF
//              GPT2ForSequenceClassification: "score.weight", no bias). Only the head trains.
//   partial-k  the last k blocks trainable (every tensor of those layers, HF keys) plus the
//              final norm where the model has one after the last block (GPT-2's ln_f; BERT and
//              RoBERTa have none), with the head; the rest frozen.
//   full       every backbone tensor trainable (HF keys), with the head.
//   lm-bff     LM-BFF's prompt-based fine-tuning: the whole model trained with the cross-entropy
//              over the label words' logits at the mask (the verbalizer head only; LM-BFF's
//              demonstrations are not used).
// None of these is a PEFT type: peftConfig() is empty (the exporter writes our own type; the
// tensors keep their HF keys / head names).
#include <ATen/CPUGeneratorImpl.h>
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

// The linear probe head: Linear(D, C) on the first text token ([CLS] / <s>) of a masked LM, on
// the last real token of a causal LM (the only one that has read the whole text). Weights
// N(0, 0.02) and zero bias, as HF initialises a new classification layer.
class LinearProbeHead : public TextHead {
 public:
  LinearProbeHead(const TextBackbone& b, const TextTaskSpec& task) {
    causal_ = b.model->config().causal;
    const std::int64_t d = b.model->config().hidden;
    const std::int64_t c = static_cast<std::int64_t>(task.classNames.size());
    if (c < 2) throw Error("the linear head needs at least 2 classes", "head");
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(task.seed + 7);
    weight_ = at::normal(0.0, 0.02, {c, d}, gen).requires_grad_(true);
    if (!causal_) bias_ = at::zeros({c}).requires_grad_(true);
  }
  std::string kind() const override { return "linear"; }
  std::vector<NamedTensor> trainable() override {
    if (causal_) return {{"score.weight", weight_, {}}};
    return {{"classifier.weight", weight_, {}}, {"classifier.bias", bias_, {}}};
  }
  // (N, D): the hidden state the head reads.
  at::Tensor features(const TextEncoded& enc) const {
    if (!causal_) return enc.hidden.select(1, enc.inserted);
    const std::int64_t n = enc.hidden.size(0), t = enc.hidden.size(1);
    at::Tensor last;
    if (enc.attentionMask.defined()) {
      // The last position whose mask is 1 (right or left padding alike).
      at::Tensor pos = at::arange(t, at::kLong).unsqueeze(0);
      last = (enc.attentionMask.to(at::kLong).ne(0).to(at::kLong) * pos).amax(1);
    } else {
      last = at::full({n}, t - 1, at::kLong);
    }
    return enc.hidden.index({at::arange(n, at::kLong), last});
  }
  at::Tensor classLogits(models::TextLM&, const TextEncoded& enc, const TextBatch&) override {
    return at::linear(features(enc), weight_, bias_);
  }
  at::Tensor loss(models::TextLM& model, const TextEncoded& enc, const TextBatch& batch,
                  std::map<std::string, at::Tensor>* outputs, const at::Tensor&) override {
    at::Tensor logits = classLogits(model, enc, batch);
    if (outputs) {
      (*outputs)["features"] = features(enc);
      (*outputs)["logits"] = logits;
    }
    return at::cross_entropy_loss(logits, batch.labels.to(at::kLong));
  }

 private:
  bool causal_ = false;
  at::Tensor weight_, bias_;
};

enum class Mode { Linear, PartialK, Full, LmBff };

struct FinetuneConfig {
  int k = 1;  // partial-k only
  TextTrainOptions train;
};

const char* modeName(Mode m) {
  switch (m) {
    case Mode::Linear: return "linear";
    case Mode::PartialK: return "partial-k";
    case Mode::Full: return "full";
    case Mode::LmBff: return "lm-bff";
  }
  return "";
}

const ConfigDecl<FinetuneConfig>& finetuneConfig(Mode mode) {
  auto build = [](Mode m) {
    ConfigDecl<FinetuneConfig> c;
    TextTrainOptions t;
    if (m == Mode::PartialK)
      c.integer(&FinetuneConfig::k, "k", 1, 1, 1000,
                "trainable blocks at the top of the model (VPT's Partial-k; 1 = the last block)");
    // linear: a fresh linear head on frozen features trains at 1e-3 (our choice, the rate the
    // other head-only methods here use). partial-k / full / lm-bff update pretrained weights:
    // LM-BFF's run_experiment.sh (lr 1e-5, batch 8, 1000 steps, dev every 100).
    t.lr = m == Mode::Linear ? 1e-3 : 1e-5;
    declareTextTrainOptions(c, &FinetuneConfig::train, t);
    return c;
  };
  static const ConfigDecl<FinetuneConfig> linear = build(Mode::Linear),
                                          partial = build(Mode::PartialK),
                                          full = build(Mode::Full), lmbff = build(Mode::LmBff);
  switch (mode) {
    case Mode::Linear: return linear;
    case Mode::PartialK: return partial;
    case Mode::Full: return full;
    case Mode::LmBff: return lmbff;
  }
  return full;
}

class FinetuneMethod : public TextMethod {
 public:
  FinetuneMethod(Mode mode, const FinetuneConfig& cfg) : mode_(mode), cfg_(cfg) {}

  TextEncoded encode(const TextBatch& batch, bool) override {
    ensureLinearHead();
    return encodePlain(model(), batch, modeName(mode_));
  }
  const TextTrainOptions& trainOptions() const override { return cfg_.train; }

  json record() const override {
    json r{{"method", modeName(mode_)},
           {"options", finetuneConfig(mode_).toJson(cfg_)},
           {"backbone_tensors", backbone_tensors_.size()},
           {"backbone_parameters_trained", numelOf(backbone_tensors_)},
           {"head", head_ ? head().kind() : std::string()}};
    switch (mode_) {
      case Mode::Linear:
        r["reference"] = "VPT's Linear baseline: a linear layer on the frozen model's features";
        r["features"] = model().config().causal ? "last real token" : "first token ([CLS] / <s>)";
        break;
      case Mode::PartialK:
        r["reference"] = "VPT's Partial-k: the last k blocks (and the final norm) fine-tuned";
        r["layers_trained"] = trainedLayers_;
        break;
      case Mode::Full:
        r["reference"] = "full fine-tuning of every backbone tensor";
        break;
      case Mode::LmBff:
        r["reference"] = "LM-BFF (princeton-nlp/LM-BFF) prompt-based fine-tuning, no demonstrations";
        break;
    }
    return r;
  }

 protected:
  std::string defaultHead() const override {
    return mode_ == Mode::Linear ? "classifier" : "verbalizer";
  }

  void setupMethod() override {
    linearHeadPending_ = false;
    trainedLayers_.clear();
    backbone_tensors_.clear();
    models::TextLM& m = model();
    const std::string head = task_.head.empty() ? defaultHead() : task_.head;
    switch (mode_) {
      case Mode::Linear:
        if (head == "verbalizer" || head == "lm")
          throw Error("linear trains only its head: with the '" + head +
                          "' head nothing would be trained (that is zero-shot); use the default "
                          "linear head (head 'classifier') or an MLP head",
                      "head");
        // The linear probe replaces the pooled classifier head (which pools the first token
        // through a tanh pooler): see ensureLinearHead.
        linearHeadPending_ = head == "classifier";
        break;
      case Mode::PartialK: {
        const std::int64_t layers = m.config().layers;
        if (cfg_.k > layers)
          throw Error("k " + std::to_string(cfg_.k) + " exceeds the model's " +
                          std::to_string(layers) + " layers (use k <= " + std::to_string(layers) +
                          ", or 'full')",
                      "k");
        std::vector<std::string> prefixes;
        for (const auto& bb : backboneBlocks(m))
          if (bb.index >= layers - cfg_.k) {
            prefixes.push_back(bb.modulePath + ".");
            trainedLayers_.push_back(bb.index);
          }
        // The final norm after the last block (GPT-2's ln_f).
        prefixes.push_back("ln_f.");
        backbone_tensors_ = backboneTensors(m, [&](const models::KeyBinding& b) {
          for (const auto& p : prefixes)
            if (b.target.rfind(p, 0) == 0) return true;
          return false;
        });
        break;
      }
      case Mode::LmBff:
        if (head != "verbalizer")
          throw Error("lm-bff is prompt-based fine-tuning: its head is the verbalizer (label "
                          "words at the mask); for another head use 'full'",
                      "head");
        [[fallthrough]];
      case Mode::Full:
        backbone_tensors_ = backboneTensors(m, [](const models::KeyBinding&) { return true; });
        break;
    }
  }

  std::vector<NamedTensor> adaptation() override {
    ensureLinearHead();
    return backbone_tensors_;
  }

 private:
  // TextMethod::setup builds the registered head after setupMethod(); the linear probe's own
  // head takes its place before the first use (trainable() and encode() both come here first).
  void ensureLinearHead() {
    if (!linearHeadPending_) return;
    linearHeadPending_ = false;
    head_ = std::make_unique<LinearProbeHead>(backbone_, task_);
  }

  Mode mode_;
  FinetuneConfig cfg_;
  std::vector<NamedTensor> backbone_tensors_;
  std::vector<std::int64_t> trainedLayers_;
  bool linearHeadPending_ = false;
};

MethodEntry finetuneEntry(Mode mode, std::string title, std::string description) {
  MethodEntry e;
  e.info.name = modeName(mode);
  e.info.title = std::move(title);
  e.info.description = std::move(description);
  e.info.families = {"bert", "roberta", "gpt2"};
  e.info.options = finetuneConfig(mode).schema();
  e.makeText = [mode](const json& options) -> std::unique_ptr<TextMethod> {
    return std::make_unique<FinetuneMethod>(mode, finetuneConfig(mode).parse(options, modeName(mode)));
  };
  return e;
}

}  // namespace

MethodEntry linearMethod() {
  return finetuneEntry(Mode::Linear, "Linear head",
                       "the frozen model with a trained linear layer on the [CLS] / first token "
                       "(last real token for GPT-2)");
}
MethodEntry partialKMethod() {
  return finetuneEntry(Mode::PartialK, "Partial-k fine-tuning",
                       "the last k blocks (and GPT-2's final norm) fine-tuned with the head, the "
                       "rest frozen");
}
MethodEntry fullFinetuneMethod() {
  return finetuneEntry(Mode::Full, "Full fine-tuning",
                       "every weight of the model fine-tuned with the head");
}
MethodEntry lmBffMethod() {
  return finetuneEntry(Mode::LmBff, "LM-BFF prompt-based fine-tuning",
                       "the whole model fine-tuned on the cloze template, cross-entropy over the "
                       "label words at the mask (Gao et al. 2021)");
}

}  // namespace pd::methods
