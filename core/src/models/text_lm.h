#pragma once
// Text language models (BERT, RoBERTa: masked LM; GPT-2: causal LM) as one interface over the
// shared layers (models/layers/transformer.h). A family (models/<family>/) parses its config.json
// into a TextModelConfig, builds its TextLM and binds the checkpoint's keys onto it strictly.
//
// Hooks that prompt methods use sit here, not in copies of the model: embedTokens() (embeddings
// in: a method builds inputs_embeds with virtual tokens), per-layer prefix keys/values
// (TextInputs::prefixes), and lmLogits() over the full vocabulary or only over given ids (the
// label words), which is exact and much cheaper.
#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>

#include "io/checkpoint.h"
#include "models/layers/binding.h"
#include "models/layers/transformer.h"

namespace pd::models {

struct TextModelConfig {
  std::string family;     // "bert", "roberta", "gpt2"
  std::string modelType;  // config.json model_type as written
  std::string architecture;  // config.json architectures[0], if any
  std::int64_t vocabSize = 0, hidden = 0, layers = 0, heads = 0, intermediate = 0;
  std::int64_t maxPositions = 0;  // rows of the position table
  std::int64_t typeVocabSize = 0;  // 0: no token type embeddings (GPT-2)
  double eps = 1e-12;
  std::string activationName;      // as in config.json
  Activation activation = Activation::Gelu;
  bool causal = false;              // GPT-2
  std::int64_t padTokenId = -1, bosTokenId = -1, eosTokenId = -1;
  // RoBERTa: positions are padding_idx + cumsum(ids != pad) (pads get padding_idx); the longest
  // input is maxPositions - padTokenId - 1.
  bool positionsFromPadding = false;

  // The longest input (tokens) the position table allows.
  std::int64_t maxInputLength() const {
    return positionsFromPadding ? maxPositions - padTokenId - 1 : maxPositions;
  }
  nlohmann::json toJson() const;  // the architecture record (config.json's own names)
};

// A model's inputs, HF names. Give inputIds or inputsEmbeds.
struct TextInputs {
  at::Tensor inputIds;       // (N, T) int64
  at::Tensor inputsEmbeds;   // (N, T, D) float (e.g. virtual tokens ++ embedTokens(ids))
  at::Tensor attentionMask;  // (N, T): 1 real, 0 padding; undefined: all ones
  at::Tensor tokenTypeIds;   // (N, T) or undefined (zeros)
  at::Tensor positionIds;    // (N, T) or undefined: the family's default (HF's rule)
  std::vector<PrefixKV> prefixes;  // one per layer (prefix-tuning), or empty
};

class TextLM : public torch::nn::Module {
 public:
  explicit TextLM(TextModelConfig config) : config_(std::move(config)) {}
  ~TextLM() override = default;
  const TextModelConfig& config() const { return config_; }

  // Word embeddings of ids (N, T) -> (N, T, D); the lookup only (no positions, no LayerNorm).
  virtual at::Tensor embedTokens(const at::Tensor& ids) = 0;
  // The position ids HF uses when none are given (see each family).
  virtual at::Tensor defaultPositionIds(const TextInputs& in) const = 0;
  // last_hidden_state (N, T, D): encoder output (BERT, RoBERTa) or after ln_f (GPT-2). Runs in
  // the caller's grad mode. Throws pd::Error on bad shapes or ids out of range (naming the input).
  virtual at::Tensor hiddenStates(const TextInputs& in) = 0;
  // LM-head logits of hidden states (..., D) -> (..., V), or (..., K) for vocabIds (K,) int64:
  // exactly the columns vocabIds of the full logits.
  virtual at::Tensor lmLogits(const at::Tensor& hidden, const at::Tensor& vocabIds = {}) = 0;
  virtual bool hasLmHead() const { return true; }
  virtual bool tiedHead() const { return true; }  // the LM head is the word embedding matrix
  // The LM head split in two, lmLogits(h) = lmTransform(h) @ lmDecoderWeight()^T + lmDecoderBias():
  // the transform (BERT/RoBERTa: dense, activation, LayerNorm; GPT-2: none) and the decoder
  // (V, D) (the word embeddings when tied) with its bias (V) (undefined: none, GPT-2). Heads that
  // replace the decoder (the soft verbalizer) keep the transform.
  virtual at::Tensor lmTransform(const at::Tensor& hidden) { return hidden; }
  virtual const at::Tensor& lmDecoderWeight() const { return wordEmbeddingMatrix(); }
  virtual at::Tensor lmDecoderBias() const { return {}; }
  // (V, D) word embedding matrix.
  virtual const at::Tensor& wordEmbeddingMatrix() const = 0;

  // Frozen weights (requires_grad false), eval mode.
  void freeze();

  // The checkpoint's own names (HF keys, e.g. "bert.encoder.layer.0.attention.self.query.bias")
  // of the module's tensors, as the family bound them. Methods that train or save backbone
  // tensors (BitFit, LayerNorms, partial-k) address them by these names.
  void setKeyBindings(std::vector<KeyBinding> bindings);
  const std::vector<KeyBinding>& keyBindings() const { return keyBindings_; }
  // The binding of `key`; throws pd::Error naming the key when the model has no such tensor.
  const KeyBinding& keyBinding(const std::string& key) const;
  // The module tensor (a parameter or buffer) a binding points into.
  at::Tensor moduleTensor(const std::string& target) const;
  std::int64_t parameterCount() const;

 protected:
  // Checks shapes/ranges of `in` and returns (N, T); throws pd::Error naming the field.
  std::pair<std::int64_t, std::int64_t> checkInputs(const TextInputs& in) const;
  void checkPositions(const at::Tensor& positions) const;
  at::Tensor attentionMaskOrOnes(const TextInputs& in, std::int64_t n, std::int64_t t) const;
  std::int64_t prefixLength(const TextInputs& in) const;
  TextModelConfig config_;
  std::vector<KeyBinding> keyBindings_;
};

// Builds a text model from a loaded checkpoint (config.json + weights), detecting the family.
// Throws pd::Error naming the file and the keys or fields at fault.
std::shared_ptr<TextLM> buildTextModel(const io::LoadedCheckpoint& ck, const std::string& source);
// io::readCheckpoint + buildTextModel.
std::shared_ptr<TextLM> loadTextModel(const std::string& path);

// config.json field helpers (errors name the field and the file).
std::int64_t configInt(const nlohmann::json& c, const char* key, std::int64_t fallback,
                       const std::string& where, bool required = false);
double configDouble(const nlohmann::json& c, const char* key, double fallback,
                    const std::string& where);
std::string configString(const nlohmann::json& c, const char* key, const std::string& fallback,
                         const std::string& where);
// config.json's architectures[0] ("" when absent).
// A boolean field; a value of another type is an error naming the key.
bool configBool(const nlohmann::json& c, const char* key, bool fallback, const std::string& where);
std::string configArchitecture(const nlohmann::json& c);
// The shared blocks at a text config's sizes (post-LN for BERT-style encoders, pre-LN for GPT-2).
BlockOptions blockOptions(const TextModelConfig& c, bool preNorm);
// The common consistency checks (positive sizes, hidden % heads == 0).
void checkTextConfig(const TextModelConfig& c, const std::string& where);

}  // namespace pd::models
