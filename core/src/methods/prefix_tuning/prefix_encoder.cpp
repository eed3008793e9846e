// The deep prefix of Prefix-Tuning (PEFT PrefixEncoder) and P-Tuning v2: parameters, the
// (P, 2LC) encoder output and its view/permute/split into per-layer keys and values (see
// prefix_encoder.h for the layout).
#include "methods/prefix_tuning/prefix_encoder.h"

#include <cmath>

#include "promptdesk/error.h"

namespace pd::methods {

PrefixEncoder::PrefixEncoder(const models::TextModelConfig& model, const PrefixEncoderSpec& spec,
                             std::uint64_t seed)
    : spec_(spec) {
  if (spec.virtualTokens < 1)
    throw Error(spec.tokensField + " is " + std::to_string(spec.virtualTokens) +
                    ": a prefix needs at least 1 virtual token",
                spec.tokensField);
  if (spec.projection && spec.projectionHidden < 1)
    throw Error(spec.hiddenField + " is " + std::to_string(spec.projectionHidden) +
                    ": the prefix projection needs a hidden size of at least 1",
                spec.hiddenField);
  if (model.heads < 1 || model.hidden % model.heads != 0)
    throw Error("the model's width " + std::to_string(model.hidden) +
                    " is not a multiple of its " + std::to_string(model.heads) + " heads",
                "model");
  layers_ = model.layers;
  heads_ = model.heads;
  headDim_ = model.hidden / model.heads;
  hidden_ = model.hidden;
  const std::int64_t p = spec.virtualTokens, c = model.hidden, out = width();

  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  at::NoGradGuard ng;
  // torch.nn.Embedding: N(0, 1). torch.nn.Linear: weight and bias U(-1/sqrt(in), 1/sqrt(in)).
  embedding_ = at::normal(0.0, 1.0, {p, spec.projection ? c : out}, gen);
  auto linear = [&gen](std::int64_t in, std::int64_t o, at::Tensor& w, at::Tensor& b) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    w = at::empty({o, in}, at::kFloat).uniform_(-bound, bound, gen);
    b = at::empty({o}, at::kFloat).uniform_(-bound, bound, gen);
    w.requires_grad_(true);
    b.requires_grad_(true);
  };
  if (spec.projection) {
    linear(c, spec.projectionHidden, w0_, b0_);
    linear(spec.projectionHidden, out, w2_, b2_);
  }
  embedding_.requires_grad_(true);
}

std::vector<NamedTensor> PrefixEncoder::named() const {
  const std::string& p = spec_.prefix;
  std::vector<NamedTensor> out{{p + "embedding.weight", embedding_, {}}};
  if (spec_.projection) {
    const std::string m = p + spec_.mlpName;
    out.push_back({m + ".0.weight", w0_, {}});
    out.push_back({m + ".0.bias", b0_, {}});
    out.push_back({m + ".2.weight", w2_, {}});
    out.push_back({m + ".2.bias", b2_, {}});
  }
  return out;
}

at::Tensor PrefixEncoder::flat() const {
  // embedding(arange(P)) is the whole table, in order.
  if (!spec_.projection) return embedding_;
  return at::linear(at::tanh(at::linear(embedding_, w0_, b0_)), w2_, b2_);
}

std::vector<models::PrefixKV> PrefixEncoder::prefixes(std::int64_t batch, double dropout,
                                                      at::Tensor* stacked) const {
  const std::int64_t p = spec_.virtualTokens, l2 = 2 * layers_;
  // The reference runs the encoder on arange(P) expanded to (B, P): every row is the same, so
  // the encoder runs once and the rows are a broadcast (gradients add up over the batch).
  at::Tensor past = flat().unsqueeze(0).expand({batch, p, width()});
  if (dropout > 0) past = at::dropout(past.contiguous(), dropout, /*train=*/true);
  at::Tensor kv = past.view({batch, p, l2, heads_, headDim_}).permute({2, 0, 3, 1, 4});
  std::vector<models::PrefixKV> out;
  out.reserve(static_cast<std::size_t>(layers_));
  for (std::int64_t l = 0; l < layers_; ++l) out.push_back({kv[2 * l], kv[2 * l + 1]});
  if (stacked) *stacked = kv.reshape({layers_, 2, batch, heads_, p, headDim_});
  return out;
}

void checkPrefixFits(const models::TextModelConfig& model, std::int64_t virtualTokens,
                     std::int64_t textLength, const std::string& field) {
  const std::int64_t limit = model.maxInputLength();
  if (virtualTokens + textLength > limit)
    throw Error(field + " " + std::to_string(virtualTokens) + " + " + std::to_string(textLength) +
                    " text tokens = " + std::to_string(virtualTokens + textLength) +
                    " positions exceed the model's " + std::to_string(limit) +
                    " (the prefix shifts the text's positions by " + field +
                    "; use fewer virtual tokens or shorter inputs)",
                field);
}

TextEncoded encodeWithPrefix(models::TextLM& model, const PrefixEncoder& encoder,
                             const TextBatch& batch, double dropout, const std::string& method) {
  if (!batch.inputIds.defined() || batch.inputIds.dim() != 2)
    throw Error(method + " needs input_ids (batch, length)", "input_ids");
  if (batch.softSlots.defined() && batch.softSlots.numel() > 0 &&
      batch.softSlots.ge(0).any().item<bool>())
    throw Error(method + " adds no tokens to the text: the template's {soft} slots are for "
                         "prompt-tuning / p-tuning",
                "template");
  const std::int64_t n = batch.inputIds.size(0), t = batch.inputIds.size(1);
  checkPrefixFits(model.config(), encoder.virtualTokens(), t, encoder.spec().tokensField);

  TextEncoded enc;
  models::TextInputs in;
  in.inputIds = batch.inputIds;
  // The text mask (N, T): the model prepends the P always-visible prefix columns, which is
  // cat(ones(N, P), mask) of the references (in.attention_mask_extended).
  in.attentionMask = batch.attentionMask.defined() ? batch.attentionMask
                                                   : at::ones({n, t}, at::kLong);
  in.tokenTypeIds = batch.tokenTypeIds;  // length T, unchanged (as PEFT / P-tuning-v2 pass them)
  // positionIds left undefined: the family's past-aware default (BERT / GPT-2 arange(P, P+T),
  // RoBERTa (cumsum(ids != pad) + P) * (ids != pad) + pad).
  at::Tensor stacked;
  in.prefixes = encoder.prefixes(n, dropout, &stacked);
  enc.hidden = model.hiddenStates(in);
  enc.inserted = 0;
  enc.attentionMask = in.attentionMask;  // the hidden states are the text's T positions only
  enc.outputs["past_key_values"] = stacked;
  return enc;
}

void refuseClassifierOnCausal(const models::TextModelConfig& model, const std::string& head,
                              const std::string& method) {
  if (model.causal && head == "classifier")
    throw Error(method + "'s classifier head pools the first token ([CLS] / <s>), which a causal "
                "model (" + model.family + ") computes before it has read the text: use the "
                "'verbalizer' head (next-token scores of the label words) instead",
                "head");
}

}  // namespace pd::methods
