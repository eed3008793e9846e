#include "methods/text_common/text_head.h"

#include <torch/nn/init.h>

#include <cmath>

#include "promptdesk/error.h"
#include "promptdesk/text_methods.h"

namespace pd::methods {

// The heads in methods/text_common/heads/ (text_heads.h).
std::unique_ptr<TextHead> makeSoftVerbalizerHead(const TextBackbone&, const TextTaskSpec&);
std::unique_ptr<TextHead> makeKnowledgeableHead(const TextBackbone&, const TextTaskSpec&);
std::unique_ptr<TextHead> makeMlpHead(const TextBackbone&, const TextTaskSpec&);

at::Tensor maskIndexInEncoding(const TextEncoded& enc, const TextBatch& batch) {
  if (!batch.maskPos.defined())
    throw Error("this head needs the mask (or prediction) position of every row", "mask_pos");
  at::Tensor pos = batch.maskPos.to(at::kLong);
  if (enc.textIndex.defined()) return enc.textIndex.gather(1, pos.unsqueeze(1)).squeeze(1);
  return pos + enc.inserted;
}

at::Tensor hiddenAtMask(const TextEncoded& enc, const TextBatch& batch) {
  at::Tensor idx = maskIndexInEncoding(enc, batch);
  const std::int64_t n = enc.hidden.size(0);
  return enc.hidden.index({at::arange(n, idx.options()), idx});
}

at::Tensor TextHead::loss(models::TextLM& model, const TextEncoded& enc, const TextBatch& batch,
                          std::map<std::string, at::Tensor>* outputs, const at::Tensor&) {
  at::Tensor logits = classLogits(model, enc, batch);
  if (outputs) (*outputs)["label_logits"] = logits;
  return at::cross_entropy_loss(logits, batch.labels.to(at::kLong));
}

namespace {

// First-token ids of every label word, and the class of each word.
struct WordTable {
  at::Tensor ids;      // (W) int64
  at::Tensor classOf;  // (W) int64
  std::int64_t classes = 0;
};
WordTable wordTable(const TextTaskSpec& task, const std::string& head) {
  WordTable t;
  std::vector<std::int64_t> ids, cls;
  for (std::size_t c = 0; c < task.labelWordIds.size(); ++c) {
    if (task.labelWordIds[c].empty())
      throw Error("class '" + (c < task.classNames.size() ? task.classNames[c] : std::to_string(c)) +
                      "' has no label word",
                  head);
    for (const auto& w : task.labelWordIds[c]) {
      if (w.empty()) throw Error("an empty label word", head);
      ids.push_back(w[0]);
      cls.push_back(static_cast<std::int64_t>(c));
    }
  }
  if (ids.empty()) throw Error("the " + head + " head needs label words for every class", head);
  t.ids = at::tensor(ids, at::kLong);
  t.classOf = at::tensor(cls, at::kLong);
  t.classes = static_cast<std::int64_t>(task.labelWordIds.size());
  return t;
}

// Mean over each class's words of (N, W) word scores -> (N, C).
at::Tensor meanPerClass(const at::Tensor& wordScores, const WordTable& t) {
  if (t.ids.size(0) == t.classes) {
    bool identity = at::equal(t.classOf, at::arange(t.classes, at::kLong));
    if (identity) return wordScores;
  }
  at::Tensor sum = at::zeros({wordScores.size(0), t.classes}, wordScores.options())
                       .index_add(1, t.classOf, wordScores);
  at::Tensor count = at::zeros({t.classes}, wordScores.options())
                         .index_add(0, t.classOf, at::ones({t.classOf.size(0)}, wordScores.options()));
  return sum / count;
}

class VerbalizerHead : public TextHead {
 public:
  VerbalizerHead(const TextBackbone& b, const TextTaskSpec& task, std::string kind)
      : kind_(std::move(kind)) {
    if (kind_ != "lm" || !task.labelWordIds.empty()) words_ = wordTable(task, kind_);
    if (!b.model->hasLmHead())
      throw Error("the " + kind_ + " head needs the model's LM head, and this checkpoint has none "
                  "(an encoder-only checkpoint: use the 'classifier' head)",
                  "head");
  }
  std::string kind() const override { return kind_; }
  at::Tensor classLogits(models::TextLM& model, const TextEncoded& enc,
                         const TextBatch& batch) override {
    if (!words_.ids.defined()) throw Error("the " + kind_ + " head has no label words", "head");
    at::Tensor h = hiddenAtMask(enc, batch);
    return meanPerClass(model.lmLogits(h, words_.ids), words_);
  }
  at::Tensor loss(models::TextLM& model, const TextEncoded& enc, const TextBatch& batch,
                  std::map<std::string, at::Tensor>* outputs,
                  const at::Tensor& vocabIds) override {
    if (kind_ == "lm" && batch.labels.defined() && batch.labels.dim() == 2)
      return lmLoss(model, enc, batch, outputs, vocabIds);
    if (!words_.ids.defined()) throw Error("the " + kind_ + " head has no label words", "head");
    at::Tensor h = hiddenAtMask(enc, batch);
    at::Tensor logits = meanPerClass(model.lmLogits(h, words_.ids), words_);
    if (outputs) {
      (*outputs)["label_logits"] = logits;
      at::NoGradGuard ng;
      if (vocabIds.defined()) (*outputs)["mask_logits_slice"] = model.lmLogits(h, vocabIds);
      (*outputs)["mask_logits_logsumexp"] = model.lmLogits(h).logsumexp(-1);
    }
    return at::cross_entropy_loss(logits, batch.labels.to(at::kLong));
  }

 private:
  // HF causal-LM loss: labels aligned with the hidden states (inserted tokens -100), shifted by
  // one, mean over labels != -100.
  at::Tensor lmLoss(models::TextLM& model, const TextEncoded& enc, const TextBatch& batch,
                    std::map<std::string, at::Tensor>* outputs, const at::Tensor& vocabIds) {
    const std::int64_t n = enc.hidden.size(0), t = enc.hidden.size(1);
    at::Tensor labels = batch.labels.to(at::kLong);
    at::Tensor full = at::full({n, t}, -100, labels.options());
    if (enc.textIndex.defined()) full.scatter_(1, enc.textIndex, labels);
    else full.narrow(1, enc.inserted, labels.size(1)).copy_(labels);
    at::Tensor logits = model.lmLogits(enc.hidden);  // (N, T', V)
    if (outputs) {
      at::NoGradGuard ng;
      if (vocabIds.defined()) (*outputs)["lm_logits_slice"] = logits.index_select(-1, vocabIds);
      (*outputs)["lm_logits_logsumexp"] = logits.logsumexp(-1);
    }
    at::Tensor shifted = logits.narrow(1, 0, t - 1).reshape({-1, logits.size(-1)});
    at::Tensor target = full.narrow(1, 1, t - 1).reshape({-1});
    return at::cross_entropy_loss(shifted, target, {}, at::Reduction::Mean, -100);
  }

  std::string kind_;
  WordTable words_;
};

// tanh(pooler(h[:, 0])) -> dropout -> classifier (HF BertForSequenceClassification; P-tuning-v2).
class ClassifierHead : public TextHead {
 public:
  ClassifierHead(const TextBackbone& b, const TextTaskSpec& task) {
    const std::int64_t d = b.model->config().hidden;
    const std::int64_t c = static_cast<std::int64_t>(task.classNames.size());
    if (c < 2) throw Error("the classifier head needs at least 2 classes", "head");
    for (const auto& [k, v] : task.frozen) {
      if (k.size() >= 19 && k.compare(k.size() - 19, 19, "pooler.dense.weight") == 0)
        poolW_ = v.clone();
      if (k.size() >= 17 && k.compare(k.size() - 17, 17, "pooler.dense.bias") == 0)
        poolB_ = v.clone();
    }
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(task.seed + 7);
    if (!poolW_.defined() || !poolB_.defined()) {
      // The checkpoint has no pooler (a *ForMaskedLM one): a new pooler, trained with the head,
      // initialised as HF initialises new weights (N(0, 0.02), zero bias).
      poolW_ = at::normal(0.0, 0.02, {d, d}, gen);
      poolB_ = at::zeros({d});
      trainPooler_ = true;
    }
    if (poolW_.sizes() != at::IntArrayRef({d, d}) || poolB_.sizes() != at::IntArrayRef({d}))
      throw Error("the pooler is " + models::shapeText(poolW_.sizes()) + ", expected [" +
                      std::to_string(d) + ", " + std::to_string(d) + "]",
                  "frozen.pooler.dense.weight");
    weight_ = at::normal(0.0, 0.02, {c, d}, gen).requires_grad_(true);
    bias_ = at::zeros({c}).requires_grad_(true);
    if (trainPooler_) poolW_.requires_grad_(true), poolB_.requires_grad_(true);
  }
  std::string kind() const override { return "classifier"; }
  std::vector<NamedTensor> trainable() override {
    std::vector<NamedTensor> out{{"classifier.weight", weight_, {}}, {"classifier.bias", bias_, {}}};
    if (trainPooler_) {
      out.push_back({"pooler.dense.weight", poolW_, {}});
      out.push_back({"pooler.dense.bias", poolB_, {}});
    }
    return out;
  }
  void setTraining(bool on) override { training_ = on; }
  at::Tensor pooled(const TextEncoded& enc) const {
    at::Tensor cls = enc.hidden.select(1, enc.inserted);  // [CLS] / <s>: the first text token
    return at::tanh(at::linear(cls, poolW_, poolB_));
  }
  at::Tensor classLogits(models::TextLM&, const TextEncoded& enc, const TextBatch&) override {
    at::Tensor p = pooled(enc);
    if (training_ && dropout_ > 0) p = at::dropout(p, dropout_, true);
    return at::linear(p, weight_, bias_);
  }
  at::Tensor loss(models::TextLM& model, const TextEncoded& enc, const TextBatch& batch,
                  std::map<std::string, at::Tensor>* outputs, const at::Tensor&) override {
    at::Tensor logits = classLogits(model, enc, batch);
    if (outputs) {
      (*outputs)["pooled_output"] = pooled(enc);
      (*outputs)["logits"] = logits;
    }
    return at::cross_entropy_loss(logits, batch.labels.to(at::kLong));
  }

 private:
  at::Tensor poolW_, poolB_, weight_, bias_;
  bool trainPooler_ = false, training_ = false;
  double dropout_ = 0.1;
};

}  // namespace

const std::vector<std::string>& textHeadKinds() {
  static const std::vector<std::string> k{"verbalizer", "soft-verbalizer", "knowledgeable",
                                          "classifier", "mlp", "lm"};
  return k;
}

std::unique_ptr<TextHead> makeTextHead(const std::string& kind, const TextBackbone& b,
                                       const TextTaskSpec& task) {
  if (kind == "verbalizer" || kind == "lm") return std::make_unique<VerbalizerHead>(b, task, kind);
  if (kind == "classifier") return std::make_unique<ClassifierHead>(b, task);
  if (kind == "soft-verbalizer") return makeSoftVerbalizerHead(b, task);
  if (kind == "knowledgeable") return makeKnowledgeableHead(b, task);
  if (kind == "mlp") return makeMlpHead(b, task);
  std::string list;
  for (const auto& k : textHeadKinds()) list += (list.empty() ? "" : ", ") + k;
  throw Error("unknown head '" + kind + "' (known: " + list + ")", "head");
}

}  // namespace pd::methods

namespace pd {
const std::vector<std::string>& textHeadChoices() { return methods::textHeadKinds(); }
}  // namespace pd
