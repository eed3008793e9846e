#pragma once
// The heads beyond verbalizer / lm / classifier, registered in text_head.cpp (makeTextHead):
//   soft-verbalizer  soft_verbalizer.cpp  OpenPrompt's SoftVerbalizer (WARP): the LM head's own
//                    transform, then a new Linear(D, C, bias=False) in place of the decoder,
//                    initialised from the label words' decoder rows.
//   knowledgeable    knowledgeable.cpp    KPT (Hu et al. 2022; OpenPrompt's KnowledgeableVerbalizer):
//                    label words expanded from WordNet, filtered (token count, contextualised
//                    prior), per-word weights learned (softmax within the class).
//   mlp              mlp_head.cpp         VPT's MLP-k head on [CLS] / GPT-2's last real token.
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "methods/text_common/text_head.h"

namespace pd::methods {

std::unique_ptr<TextHead> makeSoftVerbalizerHead(const TextBackbone& backbone,
                                                 const TextTaskSpec& task);
std::unique_ptr<TextHead> makeKnowledgeableHead(const TextBackbone& backbone,
                                                const TextTaskSpec& task);
std::unique_ptr<TextHead> makeMlpHead(const TextBackbone& backbone, const TextTaskSpec& task);

// KPT's knowledgeable verbalizer. Label words per class: the task's own (labelWordIds, kept first,
// in order) plus, when the backbone has a tokenizer, their WordNet relatives (synonyms: the other
// words of each synset of the word, any part of speech; direct hyponyms; adjectives' similar-to
// satellites), single words only (WordNet's multi-word lemmas are phrases), tokenized as the label
// words are (a leading space for byte-level BPE when the given words have one). An expansion is
// dropped when it contains the unknown token, when its scored (first) token is already another
// word's, or when it would belong to two classes. Words of more than kptMaxTokenSplit tokens are
// dropped (KPT's max_token_split; <= 0 keeps them, scored by the first token as OpenPrompt's
// multi_token_handler "first").
// Scores (OpenPrompt's ManualVerbalizer pipeline with KPT's aggregate): p = softmax over every
// label word's logit at the mask; after refine() with calibration p /= prior, renormalised; a
// class's score is sum_w alpha_w log(p_w + 1e-15), alpha = softmax of the learned
// label_words_weights (C, max words, zeros at first: the mean log probability) within the class.
class KnowledgeableHead : public TextHead {
 public:
  struct Word {
    std::string text;      // "" when the word came as ids only (no tokenizer)
    std::vector<int> ids;  // its tokens; ids[0] is scored
    bool expanded = false;  // from WordNet (false: one of the task's label words)
  };
  KnowledgeableHead(const TextBackbone& backbone, const TextTaskSpec& task);
  std::string kind() const override { return "knowledgeable"; }
  // "label_words_weights" (C, max words per class): OpenPrompt's parameter, padding masked.
  std::vector<NamedTensor> trainable() override;
  at::Tensor classLogits(models::TextLM& model, const TextEncoded& enc,
                         const TextBatch& batch) override;

  const std::vector<std::vector<Word>>& words() const { return words_; }
  // KPT's refinement with the contextualised prior (register_calibrate_logits): `priorLogits` (V)
  // are the mean LM logits at the mask over the training inputs. Words with a token among the
  // int(kptCandidateFrac * V) lowest-prior ids are dropped (a class keeps at least its word of
  // highest prior); with kptCalibrate the word probabilities are then divided by the prior. The
  // weights are re-created (zeros): call this before trainable() goes to the optimiser.
  void refine(const at::Tensor& priorLogits);
  bool refined() const { return refined_; }
  // alpha: the normalised weights (C, max words), 0 on padding.
  at::Tensor wordWeights() const;
  // Label-word probabilities p (N, W) (flat, class by class) from their logits, calibrated when
  // refine() set a prior.
  at::Tensor wordProbabilities(const at::Tensor& wordLogits) const;
  const at::Tensor& flatIds() const { return ids_; }      // (W) scored token of each word
  const at::Tensor& flatClass() const { return classOf_; }  // (W) its class

 private:
  void rebuild();
  std::vector<std::vector<Word>> words_;
  std::vector<std::string> classNames_;
  at::Tensor ids_, classOf_, slot_, mask_, weights_, prior_;
  double candidateFrac_ = 0.5;
  bool calibrate_ = true, refined_ = false;
};

// For the training loop, once after setup and before trainable() goes to the optimiser: heads
// that refine themselves on the training inputs (knowledgeable) take the mean LM logits at the
// mask over them; the others ignore it. headUsesPrior() says whether computing them is worth it.
bool headUsesPrior(const TextHead& head);
void refineHeadWithPrior(TextHead& head, const at::Tensor& meanMaskLogits);
// The same from batches of the training inputs: encodes them (no grad, dropout off), averages the
// full-vocabulary LM logits at the mask and refines the head. No-op for other heads.
void refineTextHead(TextMethod& method, const std::vector<TextBatch>& batches);

}  // namespace pd::methods
