#pragma once
// GPT-2 causal LM (GPT2LMHeadModel): token + position embeddings, a pre-LN stack of the shared
// blocks (gelu_new), ln_f, logits = h @ wte^T (or an untied lm_head.weight). Conv1D weights are
// transposed into the layers' [out, in] layout when binding.
#include <torch/nn/modules/embedding.h>

#include "models/text_lm.h"

namespace pd::models {

class Gpt2LM : public TextLM {
 public:
  Gpt2LM(const TextModelConfig& config, bool untiedHead);

  at::Tensor embedTokens(const at::Tensor& ids) override;
  // arange(P, P + T) (P = prefix length). HF does NOT derive positions from the attention mask:
  // with left padding, pass position_ids explicitly (cumsum(mask) - 1).
  at::Tensor defaultPositionIds(const TextInputs& in) const override;
  at::Tensor hiddenStates(const TextInputs& in) override;
  at::Tensor lmLogits(const at::Tensor& hidden, const at::Tensor& vocabIds = {}) override;
  const at::Tensor& wordEmbeddingMatrix() const override { return wte->weight; }
  bool tiedHead() const override { return !untied_; }
  const at::Tensor& lmDecoderWeight() const override { return untied_ ? lm_head_weight : wte->weight; }

  torch::nn::Embedding wte{nullptr}, wpe{nullptr};
  Transformer h{nullptr};
  torch::nn::LayerNorm ln_f{nullptr};
  at::Tensor lm_head_weight;  // untied checkpoints only

 private:
  bool untied_;
};

std::shared_ptr<TextLM> buildGpt2(const io::LoadedCheckpoint& ck, const std::string& source);

}  // namespace pd::models
