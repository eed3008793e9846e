#include "models/bert/bert_model.h"

#include "promptdesk/error.h"

namespace pd::models {

namespace {
torch::nn::LayerNorm layerNorm(std::int64_t w, double eps) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({w}).eps(eps));
}
bool startsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
bool endsWith(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}
}  // namespace

BertLM::BertLM(const TextModelConfig& c, bool withHead, bool untiedDecoder)
    : TextLM(c), withHead_(withHead), untied_(untiedDecoder) {
  word_embeddings = register_module("word_embeddings", torch::nn::Embedding(c.vocabSize, c.hidden));
  position_embeddings =
      register_module("position_embeddings", torch::nn::Embedding(c.maxPositions, c.hidden));
  if (c.typeVocabSize > 0)
    token_type_embeddings =
        register_module("token_type_embeddings", torch::nn::Embedding(c.typeVocabSize, c.hidden));
  embeddings_ln = register_module("embeddings_ln", layerNorm(c.hidden, c.eps));
  encoder = register_module("encoder", Transformer(blockOptions(c, false), c.layers));
  if (withHead_) {
    head_dense = register_module("head_dense", torch::nn::Linear(c.hidden, c.hidden));
    head_ln = register_module("head_ln", layerNorm(c.hidden, c.eps));
    head_bias = register_parameter("head_bias", at::zeros({c.vocabSize}));
    if (untied_) decoder_weight = register_parameter("decoder_weight", at::zeros({c.vocabSize, c.hidden}));
  }
}

at::Tensor BertLM::embedTokens(const at::Tensor& ids) { return word_embeddings->forward(ids); }

at::Tensor BertLM::defaultPositionIds(const TextInputs& in) const {
  const std::int64_t p = prefixLength(in);
  if (!config_.positionsFromPadding) {
    const std::int64_t n = in.inputIds.defined() ? in.inputIds.size(0) : in.inputsEmbeds.size(0);
    const std::int64_t t = in.inputIds.defined() ? in.inputIds.size(1) : in.inputsEmbeds.size(1);
    return at::arange(p, p + t, at::kLong).unsqueeze(0).expand({n, t});
  }
  const std::int64_t pad = config_.padTokenId;
  if (in.inputIds.defined()) {
    at::Tensor real = in.inputIds.ne(pad).to(at::kLong);
    return (at::cumsum(real, 1) + p) * real + pad;
  }
  const std::int64_t n = in.inputsEmbeds.size(0), t = in.inputsEmbeds.size(1);
  return at::arange(pad + 1, pad + 1 + t, at::kLong).unsqueeze(0).expand({n, t});
}

at::Tensor BertLM::hiddenStates(const TextInputs& in) {
  const auto [n, t] = checkInputs(in);
  at::Tensor positions = in.positionIds.defined() ? in.positionIds : defaultPositionIds(in);
  checkPositions(positions);
  at::Tensor x = in.inputIds.defined() ? word_embeddings->forward(in.inputIds) : in.inputsEmbeds;
  if (token_type_embeddings) {
    at::Tensor tt = in.tokenTypeIds.defined() ? in.tokenTypeIds : at::zeros({n, t}, at::kLong);
    x = x + token_type_embeddings->forward(tt);
  } else if (in.tokenTypeIds.defined() && in.tokenTypeIds.ne(0).any().item<bool>()) {
    throw Error("this model has no token type embeddings", "token_type_ids");
  }
  x = x + position_embeddings->forward(positions);
  x = layerNormFp32(embeddings_ln, x);
  const std::int64_t p = prefixLength(in);
  at::Tensor mask = textAttentionMask(attentionMaskOrOnes(in, n, t), t, false, p);
  return encoder->forward(x, mask, in.prefixes);
}

at::Tensor BertLM::lmTransform(const at::Tensor& hidden) {
  if (!withHead_)
    throw Error("this checkpoint has no masked-LM head (an encoder-only checkpoint)", "lm head");
  return layerNormFp32(head_ln, activate(config_.activation, head_dense->forward(hidden)));
}

at::Tensor BertLM::lmLogits(const at::Tensor& hidden, const at::Tensor& vocabIds) {
  at::Tensor h = lmTransform(hidden);
  const at::Tensor& w = untied_ ? decoder_weight : word_embeddings->weight;
  if (!vocabIds.defined()) return at::linear(h, w, head_bias);
  return at::linear(h, w.index_select(0, vocabIds), head_bias.index_select(0, vocabIds));
}

io::StateDict renameLegacyLayerNorm(const io::StateDict& sd) {
  io::StateDict out;
  out.metadata = sd.metadata;
  out.source = sd.source;
  for (const auto& [k, v] : sd.tensors) {
    std::string key = k;
    if (endsWith(key, "LayerNorm.gamma")) key = key.substr(0, key.size() - 5) + "weight";
    else if (endsWith(key, "LayerNorm.beta")) key = key.substr(0, key.size() - 4) + "bias";
    if (!out.tensors.emplace(key, v).second)
      throw Error("both '" + k + "' and '" + key + "' are present", sd.source);
  }
  return out;
}

namespace {
std::string encoderPrefix(const io::StateDict& sd, const BertStyleNames& names) {
  const std::string withBase = names.base + ".embeddings.word_embeddings.weight";
  if (sd.has(withBase)) return names.base + ".";
  if (sd.has("embeddings.word_embeddings.weight")) return "";
  return names.base + ".";  // the binder will report the missing keys under the usual names
}

std::int64_t countLayers(const io::StateDict& sd, const std::string& prefix) {
  std::int64_t n = 0;
  while (sd.has(prefix + "encoder.layer." + std::to_string(n) + ".attention.self.query.weight")) ++n;
  return n;
}
}  // namespace

TextModelConfig bertStyleConfig(const nlohmann::json& config, const std::string& family,
                                const io::StateDict& sd, const BertStyleNames& names,
                                const std::string& where) {
  const bool roberta = family == "roberta";
  TextModelConfig c;
  c.family = family;
  const std::string p = encoderPrefix(sd, names);
  const nlohmann::json cfg = config.is_object() ? config : nlohmann::json::object();
  if (!config.is_object()) {
    // No config.json: sizes from the weights; the head count cannot be read from them.
    if (!sd.has(p + "embeddings.word_embeddings.weight"))
      throw Error("no config.json and no " + p + "embeddings.word_embeddings.weight", where);
    throw Error("no config.json beside the weights: the number of attention heads cannot be read "
                "from the tensors (put the model's config.json next to it)",
                where);
  }
  c.modelType = configString(cfg, "model_type", family, where);
  c.architecture = configArchitecture(cfg);
  c.vocabSize = configInt(cfg, "vocab_size", roberta ? 50265 : 30522, where);
  c.hidden = configInt(cfg, "hidden_size", 768, where);
  c.layers = configInt(cfg, "num_hidden_layers", 12, where);
  c.heads = configInt(cfg, "num_attention_heads", 12, where);
  c.intermediate = configInt(cfg, "intermediate_size", 3072, where);
  c.maxPositions = configInt(cfg, "max_position_embeddings", 512, where);
  c.typeVocabSize = configInt(cfg, "type_vocab_size", 2, where);
  c.eps = configDouble(cfg, "layer_norm_eps", 1e-12, where);
  c.activationName = configString(cfg, "hidden_act", "gelu", where);
  c.activation = activationByName(c.activationName, where + " hidden_act");
  c.padTokenId = configInt(cfg, "pad_token_id", roberta ? 1 : 0, where);
  c.bosTokenId = configInt(cfg, "bos_token_id", roberta ? 0 : -1, where);
  c.eosTokenId = configInt(cfg, "eos_token_id", roberta ? 2 : -1, where);
  c.positionsFromPadding = roberta;
  c.causal = false;
  const std::string pet = configString(cfg, "position_embedding_type", "absolute", where);
  if (pet != "absolute")
    throw Error("position_embedding_type '" + pet + "' is not supported (only 'absolute')", where);
  if (configBool(cfg, "is_decoder", false, where))
    throw Error("is_decoder: true (a BERT decoder) is not supported", where);
  checkTextConfig(c, where);
  const std::int64_t found = countLayers(sd, p);
  if (found != c.layers && found > 0)  // none at all: requireShapes names the missing keys
    throw Error("config.json says num_hidden_layers " + std::to_string(c.layers) +
                    " but the checkpoint has " + std::to_string(found) + " layers" +
                    (found == 0 ? std::string(" (no ") + p + "encoder.layer.0.*)"
                                : " (" + p + "encoder.layer.0 .. " + std::to_string(found - 1) + ")"),
                where);
  return c;
}

std::shared_ptr<TextLM> buildBertStyle(const io::LoadedCheckpoint& ck, const std::string& family,
                                       const BertStyleNames& names, const std::string& source) {
  const io::StateDict sd = renameLegacyLayerNorm(ck.weights);
  const std::string where = ck.weightFile.empty() ? source : ck.weightFile;
  const nlohmann::json config = io::checkpointConfig(ck);
  const std::string cfgWhere = config.is_null() ? where : "config.json (" + where + ")";
  TextModelConfig c = bertStyleConfig(config, family, sd, names, cfgWhere);
  const std::string p = encoderPrefix(sd, names);
  const std::string wordKey = p + "embeddings.word_embeddings.weight";

  const bool withHead = sd.has(names.headBias) || sd.has(names.headDense + ".weight");
  bool untied = false;
  const std::string decW = names.decoder + ".weight", decB = names.decoder + ".bias";
  if (withHead && sd.has(decW) && sd.has(wordKey)) {
    const at::Tensor& a = sd.tensors.at(decW);
    const at::Tensor& b = sd.tensors.at(wordKey);
    untied = !(a.sizes() == b.sizes() && at::equal(a, b));
  }
  // The sizes config.json claims, checked on the tensors before anything is allocated.
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> sizes{
      {wordKey, {c.vocabSize, c.hidden}},
      {p + "embeddings.position_embeddings.weight", {c.maxPositions, c.hidden}},
      {p + "encoder.layer.0.intermediate.dense.weight", {c.intermediate, c.hidden}}};
  if (c.typeVocabSize > 0)
    sizes.push_back({p + "embeddings.token_type_embeddings.weight", {c.typeVocabSize, c.hidden}});
  requireShapes(sd, sizes, where);
  auto model = std::make_shared<BertLM>(c, withHead, untied);

  WeightBinder bind(sd, where);
  bind.copy("word_embeddings.weight", wordKey);
  bind.copy("position_embeddings.weight", p + "embeddings.position_embeddings.weight");
  if (c.typeVocabSize > 0)
    bind.copy("token_type_embeddings.weight", p + "embeddings.token_type_embeddings.weight");
  bind.copy("embeddings_ln.weight", p + "embeddings.LayerNorm.weight");
  bind.copy("embeddings_ln.bias", p + "embeddings.LayerNorm.bias");
  for (std::int64_t i = 0; i < c.layers; ++i) {
    const std::string src = p + "encoder.layer." + std::to_string(i) + ".";
    const std::string dst = "encoder.resblocks." + std::to_string(i) + ".";
    const std::string self = src + "attention.self.";
    bind.concat(dst + "attn.in_proj_weight",
                {self + "query.weight", self + "key.weight", self + "value.weight"});
    bind.concat(dst + "attn.in_proj_bias",
                {self + "query.bias", self + "key.bias", self + "value.bias"});
    bind.copy(dst + "attn.out_proj.weight", src + "attention.output.dense.weight");
    bind.copy(dst + "attn.out_proj.bias", src + "attention.output.dense.bias");
    bind.copy(dst + "ln_1.weight", src + "attention.output.LayerNorm.weight");
    bind.copy(dst + "ln_1.bias", src + "attention.output.LayerNorm.bias");
    bind.copy(dst + "mlp.c_fc.weight", src + "intermediate.dense.weight");
    bind.copy(dst + "mlp.c_fc.bias", src + "intermediate.dense.bias");
    bind.copy(dst + "mlp.c_proj.weight", src + "output.dense.weight");
    bind.copy(dst + "mlp.c_proj.bias", src + "output.dense.bias");
    bind.copy(dst + "ln_2.weight", src + "output.LayerNorm.weight");
    bind.copy(dst + "ln_2.bias", src + "output.LayerNorm.bias");
  }
  if (withHead) {
    bind.copy("head_dense.weight", names.headDense + ".weight");
    bind.copy("head_dense.bias", names.headDense + ".bias");
    bind.copy("head_ln.weight", names.headNorm + ".weight");
    bind.copy("head_ln.bias", names.headNorm + ".bias");
    // The decoder bias is the same tensor as the head bias (HF ties them); either name will do.
    if (sd.has(names.headBias)) {
      bind.copy("head_bias", names.headBias);
      if (sd.has(decB)) bind.consume(decB);
    } else {
      bind.copy("head_bias", decB);
    }
    if (untied) bind.copy("decoder_weight", decW);
    else if (sd.has(decW)) bind.consume(decW);
  }
  bind.ignore(p + "embeddings.position_ids");
  bind.ignore(p + "embeddings.token_type_ids");
  for (const auto& u : names.unusedPrefixes) {
    const std::string pre = u;
    bind.ignoreIf([pre](const std::string& k) { return startsWith(k, pre); });
  }
  bind.apply(*model);
  model->setKeyBindings(bind.bindings());
  model->freeze();
  return model;
}

}  // namespace pd::models
