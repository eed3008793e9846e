#pragma once
// HF PEFT's PromptEncoder (p_tuning/model.py; the fixtures' methods/README.md section 6): the
// P-Tuning reparameterisation of P virtual tokens.
//   embedding = Embedding(P, C), input arange(P)                       "embedding.weight"
//   MLP:  mlp_head = Linear(C, Hh) - ReLU - Linear(Hh, Hh) - ReLU - Linear(Hh, C)
//                                                                      "mlp_head.{0,2,4}.*"
//         (encoder_num_layers is not used by the MLP, as in PEFT)
//   LSTM: lstm_head = LSTM(C, Hh, num_layers, dropout, bidirectional, batch_first)
//                                                                      "lstm_head.*" (torch's names,
//         gates i, f, g, o), then mlp_head = Linear(2Hh, 2Hh) - ReLU - Linear(2Hh, C) on the whole
//         output sequence (forward and backward states concatenated, forward first)
//                                                                      "mlp_head.{0,2}.*"
// The encoder runs once on arange(P); the (P, C) result is shared by every row of a batch.
// THUDM/P-tuning's own encoder is the LSTM one with Hh = C / 2.
#include <ATen/ATen.h>
#include <torch/nn/modules/rnn.h>

#include <cstdint>
#include <vector>

#include "methods/text_common/text_method.h"

namespace pd::methods {

struct PromptEncoderSpec {
  std::int64_t virtualTokens = 0;  // P
  std::int64_t tokenDim = 0;       // C
  std::int64_t hidden = 0;         // Hh (encoder_hidden_size)
  bool lstm = false;               // encoder_reparameterization_type LSTM (else MLP)
  std::int64_t lstmLayers = 2;     // encoder_num_layers
  double dropout = 0.0;            // encoder_dropout (between LSTM layers, in training)
};

class PromptEncoder {
 public:
  PromptEncoder() = default;
  // Parameters initialised as PyTorch initialises the reference modules, from `seed`:
  // Embedding N(0, 1); Linear weight and bias U(-1/sqrt(in), 1/sqrt(in)); LSTM every tensor
  // U(-1/sqrt(Hh), 1/sqrt(Hh)).
  PromptEncoder(const PromptEncoderSpec& spec, std::uint64_t seed);

  // The trainable tensors under PEFT's names (embedding, lstm_head.*, mlp_head.*).
  std::vector<NamedTensor> named() const;
  // The virtual tokens (P, C); `training`: the LSTM's dropout between layers on.
  at::Tensor prompts(bool training) const;
  const PromptEncoderSpec& spec() const { return spec_; }

 private:
  PromptEncoderSpec spec_;
  at::Tensor embedding_;
  std::vector<at::Tensor> weights_, biases_;  // mlp_head linears in order
  std::vector<int> linearIndex_;              // their index in the Sequential (0, 2, 4)
  mutable torch::nn::LSTM lstm_{nullptr};
};

}  // namespace pd::methods
