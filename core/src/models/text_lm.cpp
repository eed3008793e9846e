#include "models/text_lm.h"

#include "models/family.h"
#include "promptdesk/error.h"

namespace pd::models {

nlohmann::json TextModelConfig::toJson() const {
  nlohmann::json j;
  j["family"] = family;
  j["model_type"] = modelType;
  if (!architecture.empty()) j["architecture"] = architecture;
  j["vocab_size"] = vocabSize;
  j["hidden_size"] = hidden;
  j["num_hidden_layers"] = layers;
  j["num_attention_heads"] = heads;
  j["intermediate_size"] = intermediate;
  j["max_position_embeddings"] = maxPositions;
  j["max_input_length"] = maxInputLength();
  j["type_vocab_size"] = typeVocabSize;
  j["layer_norm_eps"] = eps;
  j["hidden_act"] = activationName;
  j["causal"] = causal;
  j["pad_token_id"] = padTokenId;
  j["bos_token_id"] = bosTokenId;
  j["eos_token_id"] = eosTokenId;
  return j;
}

void TextLM::freeze() {
  for (auto& p : parameters()) p.set_requires_grad(false);
  eval();
}

std::int64_t TextLM::parameterCount() const {
  std::int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

void TextLM::setKeyBindings(std::vector<KeyBinding> bindings) {
  keyBindings_ = std::move(bindings);
}

const KeyBinding& TextLM::keyBinding(const std::string& key) const {
  for (const auto& b : keyBindings_)
    if (b.key == key) return b;
  std::string some;
  for (std::size_t i = 0; i < keyBindings_.size() && i < 4; ++i)
    some += (i ? ", " : "") + keyBindings_[i].key;
  throw Error("the " + config_.family + " model has no tensor '" + key + "'" +
                  (some.empty() ? std::string() : " (its keys look like: " + some + ", ...)"),
              key);
}

at::Tensor TextLM::moduleTensor(const std::string& target) const {
  for (const auto& p : named_parameters(true))
    if (p.key() == target) return p.value();
  for (const auto& b : named_buffers(true))
    if (b.key() == target) return b.value();
  throw Error("internal: the model has no module tensor '" + target + "'", target);
}

namespace {
void checkIdRange(const at::Tensor& t, std::int64_t limit, const char* name, const char* what) {
  if (!t.defined() || t.numel() == 0) return;
  const std::int64_t lo = t.min().item<std::int64_t>(), hi = t.max().item<std::int64_t>();
  if (lo < 0 || hi >= limit)
    throw Error(std::string(name) + " holds " + std::to_string(lo < 0 ? lo : hi) + ", outside [0, " +
                    std::to_string(limit) + ") (" + what + ")",
                name);
}
void checkShape(const at::Tensor& t, std::int64_t n, std::int64_t len, const char* name) {
  if (!t.defined()) return;
  if (t.dim() != 2 || t.size(0) != n || t.size(1) != len)
    throw Error(std::string(name) + " must be (" + std::to_string(n) + ", " + std::to_string(len) +
                    "), got " + std::to_string(t.dim()) + " dims",
                name);
}
}  // namespace

std::pair<std::int64_t, std::int64_t> TextLM::checkInputs(const TextInputs& in) const {
  std::int64_t n = 0, t = 0;
  if (in.inputIds.defined() == in.inputsEmbeds.defined())
    throw Error("give exactly one of input_ids and inputs_embeds", "inputs");
  if (in.inputIds.defined()) {
    if (in.inputIds.dim() != 2) throw Error("input_ids must be (batch, length)", "input_ids");
    if (at::isFloatingType(in.inputIds.scalar_type()))
      throw Error("input_ids must be integers", "input_ids");
    n = in.inputIds.size(0);
    t = in.inputIds.size(1);
    checkIdRange(in.inputIds, config_.vocabSize, "input_ids", "the vocabulary size");
  } else {
    if (in.inputsEmbeds.dim() != 3 || in.inputsEmbeds.size(2) != config_.hidden)
      throw Error("inputs_embeds must be (batch, length, " + std::to_string(config_.hidden) + ")",
                  "inputs_embeds");
    n = in.inputsEmbeds.size(0);
    t = in.inputsEmbeds.size(1);
  }
  if (t == 0) throw Error("the input is empty (length 0)", "input_ids");
  checkShape(in.attentionMask, n, t, "attention_mask");
  checkShape(in.tokenTypeIds, n, t, "token_type_ids");
  checkShape(in.positionIds, n, t, "position_ids");
  if (in.tokenTypeIds.defined())
    checkIdRange(in.tokenTypeIds, config_.typeVocabSize > 0 ? config_.typeVocabSize : config_.vocabSize,
                 "token_type_ids", "the token type vocabulary");
  if (!in.prefixes.empty() && in.prefixes.size() != static_cast<std::size_t>(config_.layers))
    throw Error("prefix keys/values are needed for every one of the " +
                    std::to_string(config_.layers) + " layers",
                "prefixes");
  return {n, t};
}

void TextLM::checkPositions(const at::Tensor& positions) const {
  if (positions.numel() == 0) return;
  const std::int64_t hi = positions.max().item<std::int64_t>();
  const std::int64_t lo = positions.min().item<std::int64_t>();
  if (lo < 0 || hi >= config_.maxPositions)
    throw Error("position " + std::to_string(lo < 0 ? lo : hi) +
                    " is outside the model's position table (" +
                    std::to_string(config_.maxPositions) + " positions; inputs may hold at most " +
                    std::to_string(config_.maxInputLength()) + " tokens)",
                "position_ids");
}

at::Tensor TextLM::attentionMaskOrOnes(const TextInputs& in, std::int64_t n, std::int64_t t) const {
  return in.attentionMask.defined() ? in.attentionMask : at::ones({n, t}, at::kLong);
}

std::int64_t TextLM::prefixLength(const TextInputs& in) const {
  return in.prefixes.empty() || !in.prefixes[0].defined() ? 0 : in.prefixes[0].key.size(2);
}

std::int64_t configInt(const nlohmann::json& c, const char* key, std::int64_t fallback,
                       const std::string& where, bool required) {
  auto it = c.find(key);
  if (it == c.end() || it->is_null()) {
    if (required) throw Error(std::string("config.json has no '") + key + "'", where);
    return fallback;
  }
  if (!it->is_number_integer())
    throw Error(std::string("'") + key + "' must be an integer, got " + it->dump(), where);
  return it->get<std::int64_t>();
}

double configDouble(const nlohmann::json& c, const char* key, double fallback,
                    const std::string& where) {
  auto it = c.find(key);
  if (it == c.end() || it->is_null()) return fallback;
  if (!it->is_number()) throw Error(std::string("'") + key + "' must be a number", where);
  return it->get<double>();
}

std::string configString(const nlohmann::json& c, const char* key, const std::string& fallback,
                         const std::string& where) {
  auto it = c.find(key);
  if (it == c.end() || it->is_null()) return fallback;
  if (!it->is_string()) throw Error(std::string("'") + key + "' must be a string", where);
  return it->get<std::string>();
}

bool configBool(const nlohmann::json& c, const char* key, bool fallback, const std::string& where) {
  auto it = c.find(key);
  if (it == c.end() || it->is_null()) return fallback;
  if (!it->is_boolean())
    throw Error(std::string("'") + key + "' must be true or false, got " + it->dump(), where);
  return it->get<bool>();
}

std::string configArchitecture(const nlohmann::json& c) {
  auto it = c.find("architectures");
  if (it == c.end() || !it->is_array() || it->empty() || !(*it)[0].is_string()) return {};
  return (*it)[0].get<std::string>();
}

BlockOptions blockOptions(const TextModelConfig& c, bool preNorm) {
  BlockOptions o;
  o.width = c.hidden;
  o.heads = c.heads;
  o.mlpWidth = c.intermediate;
  o.activation = c.activation;
  o.eps = c.eps;
  o.preNorm = preNorm;
  return o;
}

void checkTextConfig(const TextModelConfig& c, const std::string& where) {
  auto positive = [&](std::int64_t v, const char* name) {
    if (v <= 0 || v > (1ll << 24))
      throw Error(std::string("'") + name + "' is " + std::to_string(v) + ", not a usable size",
                  where);
  };
  const bool gpt = c.family == "gpt2";
  positive(c.vocabSize, "vocab_size");
  positive(c.hidden, gpt ? "n_embd" : "hidden_size");
  positive(c.layers, gpt ? "n_layer" : "num_hidden_layers");
  positive(c.heads, gpt ? "n_head" : "num_attention_heads");
  positive(c.intermediate, gpt ? "n_inner" : "intermediate_size");
  positive(c.maxPositions, gpt ? "n_positions" : "max_position_embeddings");
  if (c.hidden % c.heads != 0)
    throw Error("the width " + std::to_string(c.hidden) + " is not a multiple of the " +
                    std::to_string(c.heads) + " attention heads",
                where);
  if (c.eps <= 0) throw Error("the layer norm epsilon must be positive", where);
  if (c.positionsFromPadding && (c.padTokenId < 0 || c.maxInputLength() <= 0))
    throw Error("pad_token_id " + std::to_string(c.padTokenId) +
                    " leaves no positions in the table of " + std::to_string(c.maxPositions),
                where);
}

std::shared_ptr<TextLM> buildTextModel(const io::LoadedCheckpoint& ck, const std::string& source) {
  const ModelFamily& f = detectFamily(ck, source);
  if (!f.buildText)
    throw Error("a " + f.info.name + " checkpoint is not a text language model", source);
  return f.buildText(ck, source);
}

std::shared_ptr<TextLM> loadTextModel(const std::string& path) {
  io::LoadedCheckpoint ck = io::readCheckpoint(path);
  const std::string source = ck.weights.source.empty() ? path : ck.weights.source;
  return buildTextModel(ck, source);
}

}  // namespace pd::models

namespace pd::models {

bool architectureIs(const nlohmann::json& config, const std::string& prefix) {
  if (!config.is_object()) return false;
  auto a = config.find("architectures");
  if (a == config.end() || !a->is_array()) return false;
  for (const auto& x : *a)
    if (x.is_string() && x.get<std::string>().rfind(prefix, 0) == 0) {
      // "Bert..." must not claim "BertGeneration..." or the like of another family's names.
      const std::string rest = x.get<std::string>().substr(prefix.size());
      if (rest.rfind("For", 0) == 0 || rest == "Model" || rest == "LMHeadModel") return true;
    }
  return false;
}

ModelSummary summarizeTextRecord(const nlohmann::json& j) {
  // The record is ours, but it is read back from a project file: a field of the wrong type shows
  // as 0 or "" rather than throwing out of a summary.
  auto i = [&](const char* k) -> std::int64_t {
    auto it = j.find(k);
    return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
  };
  auto str = [&](const char* k) -> std::string {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const std::string family = str("family");
  const bool causal = j.contains("causal") && j["causal"].is_boolean() && j["causal"].get<bool>();
  const std::string kind = causal ? "causal LM" : "masked LM";
  const std::string fam = family == "gpt2" ? "GPT-2" : family == "bert" ? "BERT" : "RoBERTa";
  auto n = [](std::int64_t v) { return std::to_string(v); };
  ModelSummary s;
  s.family = family;
  s.title = fam + " " + kind + ", " + n(i("num_hidden_layers")) + " layers, width " + n(i("hidden_size"));
  const std::string arch = str("architecture").empty() ? str("model_type") : str("architecture");
  s.facts = {{"Family", fam + " (" + kind + ")"},
             {"Architecture", arch},
             {"Vocabulary", n(i("vocab_size"))},
             {"Layers", n(i("num_hidden_layers"))},
             {"Width / heads", n(i("hidden_size")) + " / " + n(i("num_attention_heads"))},
             {"MLP width", n(i("intermediate_size"))},
             {"Positions", n(i("max_position_embeddings")) + " (inputs up to " +
                               n(i("max_input_length")) + " tokens)"},
             {"Activation", str("hidden_act")},
             {"LM head", str("lm_head")}};
  if (i("type_vocab_size") > 0) s.facts.insert(s.facts.begin() + 6, {"Token types", n(i("type_vocab_size"))});
  if (i("parameter_count") > 0) s.facts.push_back({"Parameters", n(i("parameter_count"))});
  if (!str("format").empty()) s.facts.push_back({"Format", str("format")});
  return s;
}

std::function<ModelDescription(const io::LoadedCheckpoint&, const std::string&)> describeTextFamily(
    TextModelBuilder build) {
  return [build](const io::LoadedCheckpoint& ck, const std::string& source) {
    const std::shared_ptr<TextLM> m = build(ck, source);
    nlohmann::json j = m->config().toJson();
    j["parameter_count"] = m->parameterCount();
    j["lm_head"] = !m->hasLmHead() ? "none (encoder only)"
                   : m->tiedHead() ? "tied to the word embeddings"
                                   : "untied (its own weights)";
    ModelDescription d;
    d.family = m->config().family;
    d.format = ck.format;
    d.contentHash = ck.contentHash;
    d.parameterCount = m->parameterCount();
    d.architectureJson = j.dump();
    const ModelSummary s = summarizeTextRecord(j);
    d.title = s.title;
    d.facts = s.facts;
    d.facts.push_back({"Format", ck.format});  // not in the record: the same model in another
    return d;                                   // file format has the same architecture
  };
}

}  // namespace pd::models
