#include "models/gpt2/gpt2_model.h"

#include "models/layers/binding.h"
#include "promptdesk/error.h"

namespace pd::models {

Gpt2LM::Gpt2LM(const TextModelConfig& c, bool untiedHead) : TextLM(c), untied_(untiedHead) {
  wte = register_module("wte", torch::nn::Embedding(c.vocabSize, c.hidden));
  wpe = register_module("wpe", torch::nn::Embedding(c.maxPositions, c.hidden));
  h = register_module("h", Transformer(blockOptions(c, true), c.layers));
  ln_f = register_module(
      "ln_f", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden}).eps(c.eps)));
  if (untied_) lm_head_weight = register_parameter("lm_head_weight", at::zeros({c.vocabSize, c.hidden}));
}

at::Tensor Gpt2LM::embedTokens(const at::Tensor& ids) { return wte->forward(ids); }

at::Tensor Gpt2LM::defaultPositionIds(const TextInputs& in) const {
  const std::int64_t n = in.inputIds.defined() ? in.inputIds.size(0) : in.inputsEmbeds.size(0);
  const std::int64_t t = in.inputIds.defined() ? in.inputIds.size(1) : in.inputsEmbeds.size(1);
  const std::int64_t p = prefixLength(in);
  return at::arange(p, p + t, at::kLong).unsqueeze(0).expand({n, t});
}

at::Tensor Gpt2LM::hiddenStates(const TextInputs& in) {
  const auto [n, t] = checkInputs(in);
  at::Tensor positions = in.positionIds.defined() ? in.positionIds : defaultPositionIds(in);
  checkPositions(positions);
  at::Tensor x = in.inputIds.defined() ? wte->forward(in.inputIds) : in.inputsEmbeds;
  x = x + wpe->forward(positions);
  // GPT-2 embeds token types with the token table (HF GPT2Model).
  if (in.tokenTypeIds.defined()) x = x + wte->forward(in.tokenTypeIds);
  const std::int64_t p = prefixLength(in);
  at::Tensor mask = textAttentionMask(attentionMaskOrOnes(in, n, t), t, true, p);
  return layerNormFp32(ln_f, h->forward(x, mask, in.prefixes));
}

at::Tensor Gpt2LM::lmLogits(const at::Tensor& hidden, const at::Tensor& vocabIds) {
  const at::Tensor& w = untied_ ? lm_head_weight : wte->weight;
  if (!vocabIds.defined()) return at::matmul(hidden, w.t());
  return at::matmul(hidden, w.index_select(0, vocabIds).t());
}

namespace {
bool endsWith(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}
}  // namespace

std::shared_ptr<TextLM> buildGpt2(const io::LoadedCheckpoint& ck, const std::string& source) {
  const io::StateDict& sd = ck.weights;
  const std::string where = ck.weightFile.empty() ? source : ck.weightFile;
  const nlohmann::json config = io::checkpointConfig(ck);
  if (!config.is_object())
    throw Error("no config.json beside the weights: the number of attention heads cannot be read "
                "from the tensors (put the model's config.json next to it)",
                where);
  const std::string cw = "config.json (" + where + ")";
  const std::string p = sd.has("transformer.wte.weight") ? "transformer." : "";
  TextModelConfig c;
  c.family = "gpt2";
  c.modelType = configString(config, "model_type", "gpt2", cw);
  c.architecture = configArchitecture(config);
  c.vocabSize = configInt(config, "vocab_size", 50257, cw);
  c.hidden = configInt(config, "n_embd", 768, cw);
  c.layers = configInt(config, "n_layer", 12, cw);
  c.heads = configInt(config, "n_head", 12, cw);
  c.intermediate = configInt(config, "n_inner", 4 * c.hidden, cw);
  c.maxPositions = configInt(config, "n_positions", 1024, cw);
  c.typeVocabSize = 0;
  c.eps = configDouble(config, "layer_norm_epsilon", 1e-5, cw);
  c.activationName = configString(config, "activation_function", "gelu_new", cw);
  c.activation = activationByName(c.activationName, cw + " activation_function");
  c.causal = true;
  c.bosTokenId = configInt(config, "bos_token_id", 50256, cw);
  c.eosTokenId = configInt(config, "eos_token_id", 50256, cw);
  c.padTokenId = configInt(config, "pad_token_id", -1, cw);
  for (const char* unsupported : {"scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn"})
    if (configBool(config, unsupported, false, cw))
      throw Error(std::string(unsupported) + ": true is not supported", cw);
  if (!configBool(config, "scale_attn_weights", true, cw))
    throw Error("scale_attn_weights: false is not supported", cw);
  checkTextConfig(c, cw);
  std::int64_t found = 0;
  while (sd.has(p + "h." + std::to_string(found) + ".attn.c_attn.weight")) ++found;
  if (found != c.layers && found > 0)  // none at all: requireShapes names the missing keys
    throw Error("config.json says n_layer " + std::to_string(c.layers) + " but the checkpoint has " +
                    std::to_string(found) + " layers" +
                    (found == 0 ? std::string(" (no ") + p + "h.0.*)"
                                : " (" + p + "h.0 .. " + std::to_string(found - 1) + ")"),
                where);

  bool untied = false;
  if (sd.has("lm_head.weight") && sd.has(p + "wte.weight")) {
    const at::Tensor& a = sd.tensors.at("lm_head.weight");
    const at::Tensor& b = sd.tensors.at(p + "wte.weight");
    untied = !(a.sizes() == b.sizes() && at::equal(a, b));
  }
  requireShapes(sd,
                {{p + "wte.weight", {c.vocabSize, c.hidden}},
                 {p + "wpe.weight", {c.maxPositions, c.hidden}},
                 {p + "h.0.mlp.c_fc.weight", {c.hidden, c.intermediate}}},
                where);
  auto model = std::make_shared<Gpt2LM>(c, untied);
  WeightBinder bind(sd, where);
  bind.copy("wte.weight", p + "wte.weight");
  bind.copy("wpe.weight", p + "wpe.weight");
  for (std::int64_t i = 0; i < c.layers; ++i) {
    const std::string src = p + "h." + std::to_string(i) + ".";
    const std::string dst = "h.resblocks." + std::to_string(i) + ".";
    bind.copy(dst + "ln_1.weight", src + "ln_1.weight");
    bind.copy(dst + "ln_1.bias", src + "ln_1.bias");
    bind.transpose(dst + "attn.in_proj_weight", src + "attn.c_attn.weight");
    bind.copy(dst + "attn.in_proj_bias", src + "attn.c_attn.bias");
    bind.transpose(dst + "attn.out_proj.weight", src + "attn.c_proj.weight");
    bind.copy(dst + "attn.out_proj.bias", src + "attn.c_proj.bias");
    bind.copy(dst + "ln_2.weight", src + "ln_2.weight");
    bind.copy(dst + "ln_2.bias", src + "ln_2.bias");
    bind.transpose(dst + "mlp.c_fc.weight", src + "mlp.c_fc.weight");
    bind.copy(dst + "mlp.c_fc.bias", src + "mlp.c_fc.bias");
    bind.transpose(dst + "mlp.c_proj.weight", src + "mlp.c_proj.weight");
    bind.copy(dst + "mlp.c_proj.bias", src + "mlp.c_proj.bias");
  }
  bind.copy("ln_f.weight", p + "ln_f.weight");
  bind.copy("ln_f.bias", p + "ln_f.bias");
  if (untied) bind.copy("lm_head_weight", "lm_head.weight");
  else if (sd.has("lm_head.weight")) bind.consume("lm_head.weight");
  // Older checkpoints saved the causal-mask buffers (attn.bias [1,1,n,n], attn.masked_bias []).
  bind.ignoreIf([](const std::string& k) {
    return endsWith(k, ".attn.bias") || endsWith(k, ".attn.masked_bias");
  });
  bind.apply(*model);
  model->setKeyBindings(bind.bindings());
  model->freeze();
  return model;
}

}  // namespace pd::models
