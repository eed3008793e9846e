// Prompt Tuning (Lester et al. 2021) as HF PEFT implements it (PromptTuningConfig,
// PromptEmbedding, PeftModel's prompt-learning forward; the fixtures' README-text.md section 5):
// P learned vectors "embedding.weight" [P, D] prepended to the word embeddings of every row
// (soft_prompt.h), or, when the template has soft slots (OpenPrompt's MixedTemplate: {soft:N},
// {soft:"words"}), placed at those slots. Initialisation (prompt_tuning_init, PEFT's names):
//   RANDOM        nn.Embedding's own init, N(0, 1) (PEFT leaves it as it is);
//   SAMPLE_VOCAB  rows of the word embedding matrix at uniformly drawn vocabulary ids (PEFT's
//                 SAMPLE_VOCAB, later RANDOM_DISCRETE);
//   TEXT          the word embeddings of prompt_tuning_init_text tokenized WITH the special
//                 tokens the tokenizer adds (PEFT: tokenizer(init_text)["input_ids"]), cut to P
//                 or repeated until P.
// Slots of {soft:"words"} then start from their words' embeddings. The PEFT export is
// "prompt_embeddings" [P, D] with PromptTuningConfig's fields.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "methods/common/config.h"
#include "methods/common/method.h"
#include "methods/prompt_tuning/soft_prompt.h"
#include "methods/text_common/text_head.h"
#include "promptdesk/error.h"
#include "promptdesk/text_tokenizer.h"

using nlohmann::json;

namespace pd::methods {
namespace {

struct PromptTuningConfig {
  int numVirtualTokens = 20;
  std::string init = "RANDOM";
  std::string initText;
  TextTrainOptions train;
};

const ConfigDecl<PromptTuningConfig>& promptTuningConfig() {
  static const ConfigDecl<PromptTuningConfig> d = [] {
    ConfigDecl<PromptTuningConfig> c;
    c.integer(&PromptTuningConfig::numVirtualTokens, "num_virtual_tokens", 20, 0, 4096,
              "virtual tokens P prepended to the input (PEFT's examples: 20); with a template's "
              "{soft} slots, the number of slots (left at 20, it follows the template)");
    c.choice(&PromptTuningConfig::init, "prompt_tuning_init", "RANDOM",
             {"RANDOM", "SAMPLE_VOCAB", "RANDOM_DISCRETE", "TEXT"},
             "initialisation: RANDOM (N(0, 1), PEFT's default), SAMPLE_VOCAB (word embeddings of "
             "random vocabulary ids; RANDOM_DISCRETE is PEFT's later name), TEXT (the embeddings "
             "of prompt_tuning_init_text, cut or repeated to P)");
    c.text(&PromptTuningConfig::initText, "prompt_tuning_init_text", "",
           "the text of the TEXT initialisation (tokenized with the tokenizer's special tokens)");
    // PEFT's prompt-tuning examples (causal_language_modeling/peft_prompt_tuning_clm) train the
    // prompt with AdamW at lr 3e-2: the vectors start far from useful and the gradient reaching
    // them through a frozen model is small. Steps, batch and evaluation as LM-BFF.
    TextTrainOptions t;
    t.lr = 3e-2;
    declareTextTrainOptions(c, &PromptTuningConfig::train, t);
    return c;
  }();
  return d;
}

class PromptTuningMethod : public VirtualTokenMethod {
 public:
  explicit PromptTuningMethod(const PromptTuningConfig& cfg) : cfg_(cfg) {
    if (cfg_.numVirtualTokens <= 0)
      throw Error("num_virtual_tokens is 0: prompt tuning needs at least one virtual token",
                  "num_virtual_tokens");
    if (cfg_.init == "TEXT" && cfg_.initText.empty())
      throw Error("prompt_tuning_init TEXT needs the text: set prompt_tuning_init_text",
                  "prompt_tuning_init_text");
  }

  TextEncoded encode(const TextBatch& batch, bool /*training: no dropout in PEFT's prompt*/)
      override {
    const VirtualPlacement where = !templateSlots_.empty() || hasSoftSlots(batch)
                                       ? VirtualPlacement::Template
                                       : VirtualPlacement::Prepend;
    return encodeWithVirtualTokens(model(), embedding_, batch, where, "num_virtual_tokens");
  }
  std::int64_t reservedPositions() const override {
    return templateSlots_.empty() ? cfg_.numVirtualTokens : 0;
  }
  const TextTrainOptions& trainOptions() const override { return cfg_.train; }

  json record() const override {
    json r{{"method", "prompt-tuning"},
           {"reference", "HF PEFT PromptEmbedding / PeftModel prompt learning"},
           {"options", promptTuningConfig().toJson(cfg_)},
           {"virtual_tokens", cfg_.numVirtualTokens},
           {"placement", templateSlots_.empty() ? "prepend" : "template"},
           {"head", head_ ? head().kind() : std::string()}};
    if (!initIds_.empty()) r["init_token_ids"] = initIds_;
    r["peft"] = peftConfig();
    return r;
  }

  json peftConfig() const override {
    const models::TextModelConfig& c = model().config();
    const bool text = cfg_.init == "TEXT";
    return json{{"peft_type", "PROMPT_TUNING"},
                {"task_type", peftTaskType(c, head_ ? head().kind() : defaultHead())},
                {"num_virtual_tokens", cfg_.numVirtualTokens},
                {"token_dim", c.hidden},
                {"num_transformer_submodules", 1},
                {"num_attention_heads", c.heads},
                {"num_layers", c.layers},
                {"prompt_tuning_init", cfg_.init},
                {"prompt_tuning_init_text", text ? json(cfg_.initText) : json(nullptr)},
                {"tokenizer_name_or_path",
                 text && !backbone_.modelPath.empty() ? json(backbone_.modelPath) : json(nullptr)},
                {"inference_mode", true}};
  }

  std::map<std::string, at::Tensor> peftTensors() override {
    at::NoGradGuard ng;
    return {{"prompt_embeddings", embedding_.detach().clone().contiguous()}};
  }

 protected:
  void setupMethod() override {
    const models::TextModelConfig& c = model().config();
    cfg_.numVirtualTokens = static_cast<int>(slotAwareCount(cfg_.numVirtualTokens, 20));
    const std::int64_t p = cfg_.numVirtualTokens;
    if (templateSlots_.empty() && p >= c.maxInputLength())
      throw Error("num_virtual_tokens " + std::to_string(p) + " leaves no room for text in the "
                      "model's " + std::to_string(c.maxInputLength()) + " positions",
                  "num_virtual_tokens");
    if (!templateSlots_.empty() && static_cast<std::int64_t>(templateSlots_.size()) != p)
      throw Error("the template has " + std::to_string(templateSlots_.size()) +
                      " soft slots but num_virtual_tokens is " + std::to_string(p) +
                      ": they must be equal",
                  "num_virtual_tokens");
    refuseCausalClassifier(c, task_.head.empty() ? defaultHead() : task_.head, "prompt-tuning");
    const at::Tensor& table = model().wordEmbeddingMatrix();
    const std::int64_t vocab = table.size(0), d = table.size(1);
    at::Generator gen = at::detail::createCPUGenerator(task_.seed * 1000003ull + 11);
    at::NoGradGuard ng;
    at::Tensor w;
    initIds_.clear();
    if (cfg_.init == "RANDOM") {
      w = at::empty({p, d}, at::kFloat);
      w.normal_(0.0, 1.0, gen);
    } else if (cfg_.init == "SAMPLE_VOCAB" || cfg_.init == "RANDOM_DISCRETE") {
      at::Tensor ids = at::randint(0, vocab, {p}, gen, at::kLong);
      for (std::int64_t i = 0; i < p; ++i) initIds_.push_back(ids[i].item<std::int64_t>());
    } else {  // TEXT
      if (!backbone_.tokenizer)
        throw Error("prompt_tuning_init TEXT needs the model's tokenizer, and none was given",
                    "prompt_tuning_init");
      TextEncodeOptions o;
      o.addSpecialTokens = true;
      const TextEncoding e = backbone_.tokenizer->encode(cfg_.initText, o);
      if (e.ids.empty())
        throw Error("prompt_tuning_init_text '" + cfg_.initText + "' tokenizes to nothing",
                    "prompt_tuning_init_text");
      for (std::int64_t i = 0; i < p; ++i)
        initIds_.push_back(e.ids[static_cast<std::size_t>(i) % e.ids.size()]);
    }
    if (!w.defined()) w = rows(initIds_, vocab, "prompt_tuning_init");
    // {soft:"words"} slots start from their words.
    for (std::size_t k = 0; k < templateSlots_.size(); ++k)
      if (templateSlots_[k] >= 0)
        w[static_cast<std::int64_t>(k)].copy_(
            rows({templateSlots_[k]}, vocab, "template")[0]);
    embedding_ = w.to(at::kFloat).contiguous().set_requires_grad(true);
  }
  std::vector<NamedTensor> adaptation() override { return {{"embedding.weight", embedding_, {}}}; }

 private:
  // Word-embedding rows (copies) of `ids`; an id outside the model's vocabulary names `field`.
  at::Tensor rows(const std::vector<std::int64_t>& ids, std::int64_t vocab,
                  const std::string& field) {
    for (std::int64_t id : ids)
      if (id < 0 || id >= vocab)
        throw Error("token id " + std::to_string(id) + " is outside the model's vocabulary of " +
                        std::to_string(vocab),
                    field);
    at::Tensor idx = at::tensor(ids, at::kLong);
    return model().embedTokens(idx.unsqueeze(0))[0].detach().clone();
  }

  PromptTuningConfig cfg_;
  at::Tensor embedding_;
  std::vector<std::int64_t> initIds_;
};

}  // namespace

MethodEntry promptTuningMethod() {
  MethodEntry e;
  e.info.name = "prompt-tuning";
  e.info.title = "Prompt Tuning";
  e.info.description =
      "P learned input vectors prepended to the frozen model's word embeddings (Lester et al. "
      "2021, as HF PEFT's PromptEmbedding), or placed at the template's {soft} slots; random, "
      "vocabulary-sampled or text initialisation";
  e.info.families = {"bert", "roberta", "gpt2"};
  e.info.usesTrainingData = true;
  e.info.options = promptTuningConfig().schema();
  e.makeText = [](const json& options) -> std::unique_ptr<TextMethod> {
    return std::make_unique<PromptTuningMethod>(
        promptTuningConfig().parse(options, "prompt-tuning"));
  };
  return e;
}

}  // namespace pd::methods
