// OpenPrompt's SoftVerbalizer (the WARP verbalizer): the model's LM head is kept up to its last
// layer (BERT/RoBERTa: the transform dense -> activation -> LayerNorm; GPT-2: nothing, the head
// is one Linear) and its decoder is replaced by a new Linear(D, C, bias=False), trained with the
// head. Its row c starts as the mean of the decoder rows of the tokens of class c's FIRST label
// word (OpenPrompt uses only each class's first word, warning about the others), so before
// training a class's logit is that word's LM logit without the decoder bias (OpenPrompt's new
// layer has none). The transform stays frozen with the backbone (OpenPrompt's group_parameters_1
// train with the PLM: a method that trains the backbone trains them under their HF keys).
// Names are OpenPrompt's verbalizer module keys: "head.weight" (GPT-2: the head is the Linear),
// "head.decoder.weight" (RoBERTa's lm_head.decoder), "head.predictions.decoder.weight" (BERT's
// cls.predictions.decoder; OpenPrompt itself refuses BERT, whose head's last child is not a Linear).
#include "methods/text_common/heads/text_heads.h"
#include "promptdesk/error.h"

namespace pd::methods {

namespace {

class SoftVerbalizerHead : public TextHead {
 public:
  SoftVerbalizerHead(const TextBackbone& b, const TextTaskSpec& task) {
    models::TextLM& model = *b.model;
    if (!model.hasLmHead())
      throw Error("the soft-verbalizer head starts from the model's LM head, and this checkpoint "
                  "has none (an encoder-only checkpoint: use the 'classifier' or 'mlp' head)",
                  "head");
    const std::size_t c = task.labelWordIds.size();
    if (c < 2) throw Error("the soft-verbalizer head needs label words for at least 2 classes", "head");
    const at::Tensor& dec = model.lmDecoderWeight();  // (V, D)
    const std::int64_t v = dec.size(0);
    std::vector<at::Tensor> rows;
    for (std::size_t k = 0; k < c; ++k) {
      const std::string cls = k < task.classNames.size() ? task.classNames[k] : std::to_string(k);
      if (task.labelWordIds[k].empty() || task.labelWordIds[k][0].empty())
        throw Error("class '" + cls + "' has no label word", "head");
      std::vector<std::int64_t> ids;
      for (int id : task.labelWordIds[k][0]) {
        if (id < 0 || id >= v)
          throw Error("label word token " + std::to_string(id) + " of class '" + cls +
                          "' is outside the vocabulary (" + std::to_string(v) + ")",
                      "head");
        ids.push_back(id);
      }
      at::NoGradGuard ng;
      rows.push_back(dec.index_select(0, at::tensor(ids, at::kLong)).mean(0));
    }
    {
      at::NoGradGuard ng;
      weight_ = at::stack(rows).detach().clone().contiguous();
    }
    weight_.requires_grad_(true);
    const std::string& fam = model.config().family;
    name_ = fam == "gpt2" ? "head.weight"
            : fam == "bert" ? "head.predictions.decoder.weight"
                            : "head.decoder.weight";
  }
  std::string kind() const override { return "soft-verbalizer"; }
  std::vector<NamedTensor> trainable() override { return {{name_, weight_, {}}}; }
  at::Tensor classLogits(models::TextLM& model, const TextEncoded& enc,
                         const TextBatch& batch) override {
    return at::linear(model.lmTransform(hiddenAtMask(enc, batch)), weight_);
  }

 private:
  at::Tensor weight_;  // (C, D)
  std::string name_;
};

}  // namespace

std::unique_ptr<TextHead> makeSoftVerbalizerHead(const TextBackbone& b, const TextTaskSpec& task) {
  return std::make_unique<SoftVerbalizerHead>(b, task);
}

}  // namespace pd::methods
