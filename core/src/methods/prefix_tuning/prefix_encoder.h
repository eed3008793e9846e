#pragma once
// The deep prefix shared by Prefix-Tuning (HF PEFT's PrefixEncoder) and P-Tuning v2
// (THUDM/P-tuning-v2's PrefixEncoder): P virtual tokens whose 2*L*C vector holds, for every
// layer l, a key and a value of C = H * head_dim numbers that are prepended to that layer's own
// keys and values (TextInputs::prefixes). Semantics as in the fixtures' methods/README.md
// sections 4 and 5:
//   prefix_projection off: embedding = Embedding(P, 2LC), the prefix is its weight;
//   prefix_projection on:  embedding = Embedding(P, C), then Linear(C, hidden) - Tanh -
//                          Linear(hidden, 2LC) (PEFT "transform.{0,2}", P-tuning-v2 "trans.{0,2}").
// Layout (get_prompt): past (B, P, 2LC) -> view(B, P, 2L, H, hd) -> permute(2, 0, 3, 1, 4) ->
// split(2): layer l's key is row 2l, its value row 2l + 1 (each (B, H, P, hd)). Each virtual
// token's vector is thus [layer 0 key (head-major) | layer 0 value | layer 1 key | ...].
// No token is added to the text: the attention mask is extended by P ones (the model's
// textAttentionMask keeps the P prefix keys always visible), positions start at P (the families'
// defaultPositionIds with a prefix), the mask / prediction position is not shifted.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

#include "methods/text_common/text_method.h"
#include "models/text_lm.h"

namespace pd::methods {

struct PrefixEncoderSpec {
  std::int64_t virtualTokens = 0;     // P
  bool projection = false;            // prefix_projection
  std::int64_t projectionHidden = 0;  // encoder_hidden_size / prefix_hidden_size
  std::string prefix;                 // name prefix: "" (PEFT) or "prefix_encoder." (P-tuning-v2)
  std::string mlpName;                // "transform" (PEFT) or "trans" (P-tuning-v2)
  std::string tokensField;            // option naming P in messages: num_virtual_tokens / pre_seq_len
  std::string hiddenField;            // option naming the MLP width: encoder_hidden_size / ...
};

class PrefixEncoder {
 public:
  PrefixEncoder() = default;
  // Parameters at the model's sizes, initialised as PyTorch initialises the reference modules
  // (Embedding N(0, 1); Linear U(-1/sqrt(in), 1/sqrt(in)) for weight and bias) from `seed`.
  PrefixEncoder(const models::TextModelConfig& model, const PrefixEncoderSpec& spec,
                std::uint64_t seed);

  // The trainable tensors under the reference names.
  std::vector<NamedTensor> named() const;
  // The encoder output for arange(P): (P, 2LC) (what PEFT saves as "prompt_embeddings").
  at::Tensor flat() const;
  // The per-layer prefixes for a batch of `batch` rows; `dropout` > 0 applies
  // Dropout(dropout) to the (B, P, 2L, H, hd) key/values first (P-tuning-v2 in training; one
  // mask per row, as the reference draws it on the batch-expanded tensor). `stacked` receives
  // [L, 2, B, H, P, hd] (PEFT's get_prompt tuple stacked) when not null.
  std::vector<models::PrefixKV> prefixes(std::int64_t batch, double dropout,
                                         at::Tensor* stacked = nullptr) const;

  std::int64_t virtualTokens() const { return spec_.virtualTokens; }
  std::int64_t layers() const { return layers_; }
  std::int64_t heads() const { return heads_; }
  std::int64_t headDim() const { return headDim_; }
  std::int64_t width() const { return 2 * layers_ * heads_ * headDim_; }  // 2LC
  const PrefixEncoderSpec& spec() const { return spec_; }

 private:
  PrefixEncoderSpec spec_;
  std::int64_t layers_ = 0, heads_ = 0, headDim_ = 0, hidden_ = 0;
  at::Tensor embedding_, w0_, b0_, w2_, b2_;
};

// Checks that the text fits beside the prefix: P + T <= the model's usable positions; throws
// pd::Error naming `field` and both numbers.
void checkPrefixFits(const models::TextModelConfig& model, std::int64_t virtualTokens,
                     std::int64_t textLength, const std::string& field);

// The shared encode of the two prefix methods: the text (no tokens added) with per-layer
// prefixes; outputs "past_key_values" [L, 2, B, H, P, hd].
TextEncoded encodeWithPrefix(models::TextLM& model, const PrefixEncoder& encoder,
                             const TextBatch& batch, double dropout, const std::string& method);

// The classifier head pools the first token ([CLS] / <s>); a causal model (GPT-2) has seen
// nothing else there. Throws pd::Error naming "head" for that combination.
void refuseClassifierOnCausal(const models::TextModelConfig& model, const std::string& head,
                              const std::string& method);

}  // namespace pd::methods
