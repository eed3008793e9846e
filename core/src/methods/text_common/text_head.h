#pragma once
// Heads of the text methods: how the adapted model's hidden states become class scores.
//   verbalizer      OpenPrompt's ManualVerbalizer: the LM head at the mask (masked LM) or at the
//                   last context token (causal LM, next-token), only over the label words'
//                   first tokens; a class's score is the mean of its words' logits. Parity: the
//                   golden's label_logits = logits at in.verbalizer_ids.
//   soft-verbalizer OpenPrompt's SoftVerbalizer: Linear(D, C) on the LM head's transform of the
//                   mask hidden state, initialised from the label words' decoder rows.
//   knowledgeable   KPT: expanded label words (WordNet), filtered, with learned per-word weights.
//   classifier      P-tuning-v2 / HF *ForSequenceClassification: tanh(pooler(h[:, 0])) then
//                   Linear(D, C) ("classifier.*"); the pooler is frozen.
//   mlp             MLP-k on [CLS] (or the last real token for GPT-2).
//   lm              causal-LM loss (HF shift by one) for parity cases; scores as "verbalizer".
// Heads are registered in text_head.cpp (makeTextHead).
#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "methods/text_common/text_method.h"

namespace pd::methods {

class TextHead {
 public:
  virtual ~TextHead() = default;
  virtual std::string kind() const = 0;
  virtual std::vector<NamedTensor> trainable() { return {}; }
  // (N, C) class scores.
  virtual at::Tensor classLogits(models::TextLM& model, const TextEncoded& enc,
                                 const TextBatch& batch) = 0;
  // Mean CE of classLogits vs batch.labels (N); outputs as TextMethod::loss.
  virtual at::Tensor loss(models::TextLM& model, const TextEncoded& enc, const TextBatch& batch,
                          std::map<std::string, at::Tensor>* outputs,
                          const at::Tensor& logitsVocabIds);
  // Called by the training loop: head dropout on/off.
  virtual void setTraining(bool) {}
};

// The hidden index of batch.maskPos in the encoding (after inserted tokens).
at::Tensor maskIndexInEncoding(const TextEncoded& enc, const TextBatch& batch);
// Hidden states (N, D) at the mask / prediction position.
at::Tensor hiddenAtMask(const TextEncoded& enc, const TextBatch& batch);

// Head kinds, for option choices and messages.
const std::vector<std::string>& textHeadKinds();
// Builds the head `kind` for the backbone and task; throws pd::Error naming the head when the
// model cannot have it (a verbalizer on a model without an LM head, no label words, ...).
std::unique_ptr<TextHead> makeTextHead(const std::string& kind, const TextBackbone& backbone,
                                       const TextTaskSpec& task);

}  // namespace pd::methods
