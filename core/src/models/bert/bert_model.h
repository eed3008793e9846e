#pragma once
// BERT-style masked LMs (BertForMaskedLM, RobertaForMaskedLM): embeddings (word + token type +
// position, then LayerNorm), a post-LN encoder of the shared blocks (exact erf GELU by default),
// and the MLM head (dense, activation, LayerNorm, decoder tied to the word embeddings, bias).
// RoBERTa is the same module with positions derived from the padding (positionsFromPadding).
// Module names are the layers' own; the families bind the checkpoint keys onto them
// (bindBertStyle below).
#include <torch/nn/modules/embedding.h>

#include "models/layers/binding.h"
#include "models/text_lm.h"

namespace pd::models {

class BertLM : public TextLM {
 public:
  // `untiedDecoder`: the checkpoint's decoder weight differs from the word embeddings;
  // `withHead`: false for an encoder-only checkpoint (BertModel), whose lmLogits() throws.
  BertLM(const TextModelConfig& config, bool withHead, bool untiedDecoder);

  at::Tensor embedTokens(const at::Tensor& ids) override;
  // BERT: arange(P, P + T) (P = prefix length, HF's past_key_values_length). RoBERTa, from
  // input_ids: padding_idx + (cumsum(ids != pad) + P) * (ids != pad); from inputs_embeds:
  // arange(padding_idx + 1, padding_idx + 1 + T) (cannot see padding).
  at::Tensor defaultPositionIds(const TextInputs& in) const override;
  at::Tensor hiddenStates(const TextInputs& in) override;
  at::Tensor lmLogits(const at::Tensor& hidden, const at::Tensor& vocabIds = {}) override;
  bool hasLmHead() const override { return withHead_; }
  bool tiedHead() const override { return !untied_; }
  const at::Tensor& wordEmbeddingMatrix() const override { return word_embeddings->weight; }
  at::Tensor lmTransform(const at::Tensor& hidden) override;  // dense, activation, LayerNorm
  const at::Tensor& lmDecoderWeight() const override {
    return untied_ ? decoder_weight : word_embeddings->weight;
  }
  at::Tensor lmDecoderBias() const override { return head_bias; }

  torch::nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr},
      token_type_embeddings{nullptr};
  torch::nn::LayerNorm embeddings_ln{nullptr};
  Transformer encoder{nullptr};
  torch::nn::Linear head_dense{nullptr};
  torch::nn::LayerNorm head_ln{nullptr};
  at::Tensor head_bias, decoder_weight;  // decoder_weight: untied checkpoints only

 private:
  bool withHead_, untied_;
};

// Checkpoint names of one BERT-style family.
struct BertStyleNames {
  std::string base;          // "bert" or "roberta": the encoder's key prefix (may be absent)
  std::string headDense;     // "cls.predictions.transform.dense" / "lm_head.dense"
  std::string headNorm;      // "cls.predictions.transform.LayerNorm" / "lm_head.layer_norm"
  std::string headBias;      // "cls.predictions.bias" / "lm_head.bias"
  std::string decoder;       // "cls.predictions.decoder" / "lm_head.decoder"
  std::vector<std::string> unusedPrefixes;  // pooler, NSP heads, ...
};

// Config (HF BertConfig / RobertaConfig names and defaults) of a checkpoint.
TextModelConfig bertStyleConfig(const nlohmann::json& config, const std::string& family,
                                const io::StateDict& sd, const BertStyleNames& names,
                                const std::string& where);
// The model with the checkpoint's weights bound (legacy LayerNorm.gamma/beta accepted,
// position_ids buffers, pooler and NSP heads ignored, tied or untied decoder).
std::shared_ptr<TextLM> buildBertStyle(const io::LoadedCheckpoint& ck, const std::string& family,
                                       const BertStyleNames& names, const std::string& source);

// Keys with a legacy TF-era name mapped to the current one (LayerNorm.gamma -> .weight,
// LayerNorm.beta -> .bias), sharing the tensors.
io::StateDict renameLegacyLayerNorm(const io::StateDict& sd);

}  // namespace pd::models
