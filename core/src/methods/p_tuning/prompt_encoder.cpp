// HF PEFT's PromptEncoder (MLP and LSTM reparameterisations): see prompt_encoder.h.
#include "methods/p_tuning/prompt_encoder.h"

#include <cmath>
#include <string>

#include "promptdesk/error.h"

namespace pd::methods {

PromptEncoder::PromptEncoder(const PromptEncoderSpec& spec, std::uint64_t seed) : spec_(spec) {
  const std::int64_t p = spec.virtualTokens, c = spec.tokenDim, h = spec.hidden;
  at::Generator gen = at::detail::createCPUGenerator(seed);
  at::NoGradGuard ng;
  embedding_ = at::empty({p, c}, at::kFloat);
  embedding_.normal_(0.0, 1.0, gen);
  embedding_.set_requires_grad(true);
  auto linear = [&](std::int64_t in, std::int64_t out, int index) {
    const double k = 1.0 / std::sqrt(static_cast<double>(in));
    at::Tensor w = at::empty({out, in}, at::kFloat), b = at::empty({out}, at::kFloat);
    w.uniform_(-k, k, gen);
    b.uniform_(-k, k, gen);
    weights_.push_back(w.set_requires_grad(true));
    biases_.push_back(b.set_requires_grad(true));
    linearIndex_.push_back(index);
  };
  if (spec.lstm) {
    lstm_ = torch::nn::LSTM(torch::nn::LSTMOptions(c, h)
                                .num_layers(spec.lstmLayers)
                                .dropout(spec.dropout)
                                .bidirectional(true)
                                .batch_first(true));
    const double k = 1.0 / std::sqrt(static_cast<double>(h));
    for (auto& t : lstm_->named_parameters()) t.value().uniform_(-k, k, gen);
    linear(2 * h, 2 * h, 0);
    linear(2 * h, c, 2);
  } else {
    linear(c, h, 0);
    linear(h, h, 2);
    linear(h, c, 4);
  }
}

std::vector<NamedTensor> PromptEncoder::named() const {
  std::vector<NamedTensor> out{{"embedding.weight", embedding_, {}}};
  if (lstm_)
    for (const auto& t : lstm_->named_parameters()) out.push_back({"lstm_head." + t.key(), t.value(), {}});
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    const std::string n = "mlp_head." + std::to_string(linearIndex_[i]);
    out.push_back({n + ".weight", weights_[i], {}});
    out.push_back({n + ".bias", biases_[i], {}});
  }
  return out;
}

at::Tensor PromptEncoder::prompts(bool training) const {
  at::Tensor x = embedding_;  // Embedding(arange(P)) is the whole table, in order
  if (lstm_) {
    lstm_->train(training);
    x = std::get<0>(lstm_->forward(x.unsqueeze(0))).squeeze(0);  // (P, 2Hh)
  }
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    x = at::linear(x, weights_[i], biases_[i]);
    if (i + 1 < weights_.size()) x = at::relu(x);
  }
  return x;
}

}  // namespace pd::methods
