// Text models (BERT, RoBERTa, GPT-2): golden parity with the Hugging Face reference on the tiny
// fixtures (hidden states, logits, LM loss, left padding, soft-prompt loss and gradient), the
// legacy key layouts, and strict loading errors.
#include "io/checkpoint.h"
#include "io/safetensors.h"
#include "models/text_lm.h"

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <string>

#include "promptdesk/error.h"
#include "promptdesk/models.h"

using pd::models::TextInputs;
using pd::models::TextLM;
namespace fs = std::filesystem;

namespace {

std::string data(const std::string& rel) { return std::string(PD_TEST_DATA) + "/text/" + rel; }

pd::io::StateDict golden(const std::string& model) {
  return pd::io::readSafetensors(data("models/" + model + "/golden.safetensors"));
}

// Max |a - b| over rows/positions where `valid` (same leading dims as a, b) is nonzero.
double maxDiffValid(const at::Tensor& a, const at::Tensor& b, const at::Tensor& valid) {
  at::Tensor d = (a.to(at::kFloat) - b.to(at::kFloat)).abs();
  if (valid.defined()) {
    at::Tensor m = valid.to(at::kBool);
    while (m.dim() < d.dim()) m = m.unsqueeze(-1);
    d = d.masked_fill(m.logical_not(), 0);
  }
  return d.max().item<double>();
}

#define EXPECT_CLOSE_VALID(a, b, valid, atol, what)                                          \
  do {                                                                                       \
    const at::Tensor ta_ = (a), tb_ = (b);                                                   \
    QVERIFY2(ta_.sizes() == tb_.sizes(), qPrintable(QString("%1: shape").arg(what)));        \
    const double d_ = maxDiffValid(ta_, tb_, (valid));                                       \
    QVERIFY2(d_ <= (atol),                                                                   \
             qPrintable(QString("%1: max |diff| %2 > %3").arg(what).arg(d_).arg(atol)));     \
    qInfo("%s: max |diff| %.3g", what, d_);                                                  \
  } while (0)
#define EXPECT_CLOSE(a, b, atol, what) EXPECT_CLOSE_VALID(a, b, at::Tensor(), atol, what)

// Logits checks against the stored slices: every position's logits at logits_vocab_ids, the
// full-vocabulary logsumexp, and our logits at the stored top-5 ids.
void checkLogits(const at::Tensor& logits, const pd::io::StateDict& g, const std::string& prefix,
                 const at::Tensor& valid) {
  const at::Tensor ids = g.at("logits_vocab_ids");
  EXPECT_CLOSE_VALID(logits.index_select(-1, ids), g.at(prefix + "logits_slice"), valid, 1e-4,
                     (prefix + "logits_slice").c_str());
  EXPECT_CLOSE_VALID(at::logsumexp(logits, -1), g.at(prefix + "logits_logsumexp"), valid, 1e-4,
                     (prefix + "logits_logsumexp").c_str());
  EXPECT_CLOSE_VALID(logits.gather(-1, g.at(prefix + "logits_top5_ids")),
                     g.at(prefix + "logits_top5_values"), valid, 1e-4,
                     (prefix + "logits_at_top5_ids").c_str());
  EXPECT_CLOSE_VALID(std::get<0>(logits.topk(5, -1)), g.at(prefix + "logits_top5_values"), valid,
                     1e-4, (prefix + "own_top5_values").c_str());
}

at::Tensor rowsAt(const at::Tensor& x, const at::Tensor& pos) {  // x (N, T, ...) -> (N, ...)
  return x.index({at::arange(x.size(0)), pos});
}

// HF causal-LM loss: predict token t+1 from position t, mean over labels != -100.
at::Tensor causalLmLoss(const at::Tensor& logits, const at::Tensor& labels) {
  const std::int64_t t = logits.size(1);
  at::Tensor l = logits.narrow(1, 0, t - 1).reshape({-1, logits.size(-1)});
  at::Tensor y = labels.narrow(1, 1, t - 1).reshape({-1});
  return at::cross_entropy_loss(l, y, {}, at::Reduction::Mean, -100);
}

std::string tempDir(const std::string& name) {
  const fs::path d = fs::path(PD_TEST_OUTPUT) / ("text_models_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

void writeText(const fs::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
}

// Expects loadTextModel(dir) to throw a pd::Error whose message holds every one of `parts`.
#define EXPECT_LOAD_ERROR(dir, parts)                                                       \
  do {                                                                                      \
    bool threw_ = false;                                                                    \
    try {                                                                                   \
      pd::models::loadTextModel(dir);                                                       \
    } catch (const pd::Error& e_) {                                                         \
      threw_ = true;                                                                        \
      const std::string m_ = e_.what();                                                     \
      for (const std::string& p_ : std::vector<std::string> parts)                          \
        QVERIFY2(m_.find(p_) != std::string::npos,                                          \
                 qPrintable(QString::fromStdString("'" + p_ + "' not in: " + m_)));         \
    }                                                                                       \
    QVERIFY2(threw_, "no pd::Error");                                                       \
  } while (0)

}  // namespace

class TestTextModels : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void gpt2Golden();
  void gpt2LeftPaddingAndSoftPrompt();
  void gpt2LegacyHubLayout();
  void bertGoldenAndCloze();
  void bertSoftPrompt();
  void bertLegacyGammaBeta();
  void robertaGoldenAndLeftPadding();
  void robertaSoftPrompt();
  void describeFamilies();
  void badCheckpoints();
};

void TestTextModels::gpt2Golden() {
  auto m = pd::models::loadTextModel(data("models/gpt2-tiny"));
  QCOMPARE(m->config().family, std::string("gpt2"));
  QVERIFY(m->config().causal);
  const auto g = golden("gpt2-tiny");
  TextInputs in;
  in.inputIds = g.at("input_ids");
  in.attentionMask = g.at("attention_mask");
  at::NoGradGuard ng;
  at::Tensor h = m->hiddenStates(in);
  const at::Tensor valid = g.at("attention_mask");
  EXPECT_CLOSE_VALID(h, g.at("last_hidden_state"), valid, 1e-4, "gpt2 last_hidden_state");
  at::Tensor logits = m->lmLogits(h);
  checkLogits(logits, g, "", valid);
  EXPECT_CLOSE(rowsAt(logits, g.at("last_valid_pos")), g.at("logits_last_valid"), 1e-4,
               "gpt2 logits_last_valid");
  EXPECT_CLOSE(causalLmLoss(logits, g.at("lm_labels")).view({1}), g.at("lm_loss"), 1e-5,
               "gpt2 lm_loss");
  // Logits over a subset equal the same columns of the full logits.
  const at::Tensor ids = g.at("logits_vocab_ids");
  EXPECT_CLOSE(m->lmLogits(h, ids), logits.index_select(-1, ids), 1e-5, "gpt2 subset logits");
}

void TestTextModels::gpt2LeftPaddingAndSoftPrompt() {
  auto m = pd::models::loadTextModel(data("models/gpt2-tiny"));
  const auto g = golden("gpt2-tiny");
  {
    at::NoGradGuard ng;
    TextInputs in;
    in.inputIds = g.at("leftpad_input_ids");
    in.attentionMask = g.at("leftpad_attention_mask");
    in.positionIds = g.at("leftpad_position_ids");
    at::Tensor h = m->hiddenStates(in);
    QVERIFY(at::isfinite(h).all().item<bool>());
    EXPECT_CLOSE_VALID(h, g.at("leftpad_last_hidden_state"), in.attentionMask, 1e-4,
                       "gpt2 leftpad_last_hidden_state");
    EXPECT_CLOSE(m->lmLogits(h.select(1, h.size(1) - 1)), g.at("leftpad_logits_last"), 1e-4,
                 "gpt2 leftpad_logits_last");
  }
  // Soft prompt (PEFT prompt tuning): 4 shared vectors before the word embeddings.
  at::Tensor prompt = g.at("sp_prompt_embeddings").clone().set_requires_grad(true);
  const at::Tensor ids = g.at("input_ids");
  const std::int64_t n = ids.size(0);
  TextInputs in;
  in.inputsEmbeds = at::cat({prompt.unsqueeze(0).expand({n, -1, -1}), m->embedTokens(ids)}, 1);
  in.attentionMask = g.at("sp_attention_mask");
  at::Tensor h = m->hiddenStates(in);
  QCOMPARE(m->defaultPositionIds(in).select(0, 0).max().item<std::int64_t>(), h.size(1) - 1);
  EXPECT_CLOSE_VALID(h, g.at("sp_last_hidden_state"), in.attentionMask, 1e-4,
                     "gpt2 sp_last_hidden_state");
  at::Tensor logits = m->lmLogits(h);
  checkLogits(logits.detach(), g, "sp_", in.attentionMask);
  EXPECT_CLOSE(rowsAt(logits, g.at("last_valid_pos") + 4).detach(), g.at("sp_logits_last_valid"),
               1e-4, "gpt2 sp_logits_last_valid");
  at::Tensor loss = causalLmLoss(logits, g.at("sp_labels"));
  EXPECT_CLOSE(loss.detach().view({1}), g.at("sp_loss"), 1e-5, "gpt2 sp_loss");
  loss.backward();
  const at::Tensor want = g.at("sp_grad_prompt");
  EXPECT_CLOSE(prompt.grad(), want, 1e-5 + 1e-3 * want.abs().max().item<double>(),
               "gpt2 sp_grad_prompt");
  // The frozen model collects no gradients.
  for (const auto& p : m->parameters()) QVERIFY(!p.grad().defined());
}

void TestTextModels::gpt2LegacyHubLayout() {
  const std::string dir = tempDir("gpt2_legacy");
  fs::copy_file(data("models/gpt2-tiny/config.json"), fs::path(dir) / "config.json");
  fs::copy_file(data("models/gpt2-tiny/variants/model.hub_legacy.safetensors"),
                fs::path(dir) / "model.safetensors");
  auto legacy = pd::models::loadTextModel(dir);
  auto current = pd::models::loadTextModel(data("models/gpt2-tiny"));
  const auto g = golden("gpt2-tiny");
  TextInputs in;
  in.inputIds = g.at("input_ids");
  in.attentionMask = g.at("attention_mask");
  at::NoGradGuard ng;
  QVERIFY(at::equal(legacy->hiddenStates(in), current->hiddenStates(in)));
}

void TestTextModels::bertGoldenAndCloze() {
  auto m = pd::models::loadTextModel(data("models/bert-tiny"));
  QCOMPARE(m->config().family, std::string("bert"));
  const auto g = golden("bert-tiny");
  at::NoGradGuard ng;
  TextInputs in;
  in.inputIds = g.at("input_ids");
  in.attentionMask = g.at("attention_mask");
  in.tokenTypeIds = g.at("token_type_ids");
  at::Tensor h = m->hiddenStates(in);
  EXPECT_CLOSE_VALID(h, g.at("last_hidden_state"), in.attentionMask, 1e-4,
                     "bert last_hidden_state");
  QVERIFY(at::equal(m->defaultPositionIds(in), g.at("position_ids")));
  at::Tensor logits = m->lmLogits(h);
  checkLogits(logits, g, "", in.attentionMask);
  EXPECT_CLOSE(rowsAt(logits, g.at("logits_rows_pos")), g.at("logits_rows"), 1e-4,
               "bert logits_rows");
  // Cloze without a prompt: logits at [MASK] over the label words.
  TextInputs c;
  c.inputIds = g.at("cloze_input_ids");
  c.attentionMask = g.at("cloze_attention_mask");
  at::Tensor atMask = rowsAt(m->hiddenStates(c), g.at("cloze_mask_pos"));
  EXPECT_CLOSE(m->lmLogits(atMask), g.at("cloze_noprompt_mask_logits"), 1e-4,
               "bert cloze_noprompt_mask_logits");
  at::Tensor label = m->lmLogits(atMask, g.at("verbalizer_ids"));
  EXPECT_CLOSE(label, g.at("cloze_noprompt_label_logits"), 1e-4, "bert cloze label logits");
  EXPECT_CLOSE(at::cross_entropy_loss(label, g.at("cloze_labels")).view({1}),
               g.at("cloze_noprompt_loss"), 1e-5, "bert cloze_noprompt_loss");
}

namespace {
// The cloze soft-prompt case shared by BERT and RoBERTa (README section 5).
void checkClozeSoftPrompt(const std::string& model, const char* name) {
  auto m = pd::models::loadTextModel(data("models/" + model));
  const auto g = golden(model);
  at::Tensor prompt = g.at("sp_prompt_embeddings").clone().set_requires_grad(true);
  const at::Tensor ids = g.at("cloze_input_ids");
  const std::int64_t n = ids.size(0);
  TextInputs in;
  in.inputsEmbeds = at::cat({prompt.unsqueeze(0).expand({n, -1, -1}), m->embedTokens(ids)}, 1);
  in.attentionMask = g.at("sp_attention_mask");
  in.tokenTypeIds = g.at("sp_token_type_ids");
  QVERIFY(at::equal(m->defaultPositionIds(in), g.at("sp_position_ids")));
  at::Tensor h = m->hiddenStates(in);
  EXPECT_CLOSE_VALID(h.detach(), g.at("sp_last_hidden_state"), in.attentionMask, 1e-4,
                     (std::string(name) + " sp_last_hidden_state").c_str());
  at::Tensor atMask = rowsAt(h, g.at("sp_mask_pos"));
  EXPECT_CLOSE(m->lmLogits(atMask).detach(), g.at("sp_mask_logits"), 1e-4,
               (std::string(name) + " sp_mask_logits").c_str());
  at::Tensor label = m->lmLogits(atMask, g.at("verbalizer_ids"));
  EXPECT_CLOSE(label.detach(), g.at("sp_label_logits"), 1e-4,
               (std::string(name) + " sp_label_logits").c_str());
  at::Tensor loss = at::cross_entropy_loss(label, g.at("cloze_labels"));
  EXPECT_CLOSE(loss.detach().view({1}), g.at("sp_loss"), 1e-5,
               (std::string(name) + " sp_loss").c_str());
  loss.backward();
  const at::Tensor want = g.at("sp_grad_prompt");
  EXPECT_CLOSE(prompt.grad(), want, 1e-5 + 1e-3 * want.abs().max().item<double>(),
               (std::string(name) + " sp_grad_prompt").c_str());
}
}  // namespace

void TestTextModels::bertSoftPrompt() { checkClozeSoftPrompt("bert-tiny", "bert"); }

void TestTextModels::bertLegacyGammaBeta() {
  const std::string dir = tempDir("bert_legacy");
  fs::copy_file(data("models/bert-tiny/config.json"), fs::path(dir) / "config.json");
  fs::copy_file(data("models/bert-tiny/variants/model.legacy_gamma_beta.safetensors"),
                fs::path(dir) / "model.safetensors");
  auto legacy = pd::models::loadTextModel(dir);
  auto current = pd::models::loadTextModel(data("models/bert-tiny"));
  const auto g = golden("bert-tiny");
  TextInputs in;
  in.inputIds = g.at("input_ids");
  in.attentionMask = g.at("attention_mask");
  in.tokenTypeIds = g.at("token_type_ids");
  at::NoGradGuard ng;
  at::Tensor a = legacy->hiddenStates(in), b = current->hiddenStates(in);
  QVERIFY(at::equal(a, b));
  QVERIFY(at::equal(legacy->lmLogits(a), current->lmLogits(b)));
}

void TestTextModels::robertaGoldenAndLeftPadding() {
  auto m = pd::models::loadTextModel(data("models/roberta-tiny"));
  QCOMPARE(m->config().family, std::string("roberta"));
  QCOMPARE(m->config().maxInputLength(), std::int64_t(64));
  const auto g = golden("roberta-tiny");
  at::NoGradGuard ng;
  TextInputs in;
  in.inputIds = g.at("input_ids");
  in.attentionMask = g.at("attention_mask");
  in.tokenTypeIds = g.at("token_type_ids");
  QVERIFY(at::equal(m->defaultPositionIds(in), g.at("position_ids")));
  at::Tensor h = m->hiddenStates(in);
  EXPECT_CLOSE_VALID(h, g.at("last_hidden_state"), in.attentionMask, 1e-4,
                     "roberta last_hidden_state");
  at::Tensor logits = m->lmLogits(h);
  checkLogits(logits, g, "", in.attentionMask);
  EXPECT_CLOSE(rowsAt(logits, g.at("logits_rows_pos")), g.at("logits_rows"), 1e-4,
               "roberta logits_rows");
  // Left padding: positions come from the padding (no explicit position ids).
  TextInputs l;
  l.inputIds = g.at("leftpad_input_ids");
  l.attentionMask = g.at("leftpad_attention_mask");
  QVERIFY(at::equal(m->defaultPositionIds(l), g.at("leftpad_position_ids")));
  EXPECT_CLOSE_VALID(m->hiddenStates(l), g.at("leftpad_last_hidden_state"), l.attentionMask, 1e-4,
                     "roberta leftpad_last_hidden_state");
  TextInputs c;
  c.inputIds = g.at("cloze_input_ids");
  c.attentionMask = g.at("cloze_attention_mask");
  at::Tensor atMask = rowsAt(m->hiddenStates(c), g.at("cloze_mask_pos"));
  EXPECT_CLOSE(m->lmLogits(atMask), g.at("cloze_noprompt_mask_logits"), 1e-4,
               "roberta cloze_noprompt_mask_logits");
  at::Tensor label = m->lmLogits(atMask, g.at("verbalizer_ids"));
  EXPECT_CLOSE(at::cross_entropy_loss(label, g.at("cloze_labels")).view({1}),
               g.at("cloze_noprompt_loss"), 1e-5, "roberta cloze_noprompt_loss");
}

void TestTextModels::robertaSoftPrompt() { checkClozeSoftPrompt("roberta-tiny", "roberta"); }

void TestTextModels::describeFamilies() {
  struct Case {
    const char* dir;
    const char* family;
    const char* vocab;
  };
  for (const Case& c : {Case{"models/gpt2-tiny", "gpt2", "50257"},
                        Case{"models/bert-tiny", "bert", "30522"},
                        Case{"models/roberta-tiny", "roberta", "50265"}}) {
    const pd::ModelDescription d = pd::describeModel(data(c.dir));
    QCOMPARE(d.family, std::string(c.family));
    bool vocab = false, layers = false;
    for (const auto& [k, v] : d.facts) {
      vocab = vocab || (k == "Vocabulary" && v == c.vocab);
      layers = layers || (k == "Layers" && v == "2");
    }
    QVERIFY2(vocab && layers, c.dir);
    QVERIFY(d.parameterCount > 0);
    QVERIFY(!d.contentHash.empty());
  }
}

void TestTextModels::badCheckpoints() {
  const std::string base = data("models/bert-tiny");
  auto configWith = [&](const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
    const std::string dir = tempDir(name);
    std::ifstream f(base + "/config.json");
    nlohmann::json c = nlohmann::json::parse(f);
    edit(c);
    writeText(fs::path(dir) / "config.json", c.dump(2));
    fs::copy_file(base + "/model.safetensors", fs::path(dir) / "model.safetensors");
    return dir;
  };
  // A config that lies about the width: the keys at fault are named with their shapes.
  EXPECT_LOAD_ERROR(configWith("lying_width", [](nlohmann::json& c) { c["hidden_size"] = 64; }),
                    ({"bert.embeddings.word_embeddings.weight", "[30522, 32]", "expected [30522, 64]"}));
  EXPECT_LOAD_ERROR(configWith("lying_layers", [](nlohmann::json& c) { c["num_hidden_layers"] = 3; }),
                    ({"num_hidden_layers 3", "2 layers"}));
  EXPECT_LOAD_ERROR(configWith("lying_heads", [](nlohmann::json& c) { c["num_attention_heads"] = 5; }),
                    ({"not a multiple of the 5 attention heads"}));
  EXPECT_LOAD_ERROR(configWith("unknown_type", [](nlohmann::json& c) {
                      c["model_type"] = "xlnet";
                      c["architectures"] = {"XLNetLMHeadModel"};
                    }),
                    ({"model_type 'xlnet' is not supported", "bert, roberta, gpt2"}));
  EXPECT_LOAD_ERROR(configWith("bad_act", [](nlohmann::json& c) { c["hidden_act"] = "swish"; }),
                    ({"hidden_act", "swish"}));
  EXPECT_LOAD_ERROR(configWith("string_size", [](nlohmann::json& c) { c["hidden_size"] = "32"; }),
                    ({"'hidden_size' must be an integer"}));
  // A GPT-2 config claiming a huge width is refused before any module of that size is built.
  {
    const std::string dir = tempDir("gpt2_huge");
    std::ifstream f(data("models/gpt2-tiny/config.json"));
    nlohmann::json c = nlohmann::json::parse(f);
    c["n_embd"] = 31962;
    c["n_head"] = 2;
    writeText(fs::path(dir) / "config.json", c.dump());
    fs::copy_file(data("models/gpt2-tiny/model.safetensors"), fs::path(dir) / "model.safetensors");
    EXPECT_LOAD_ERROR(dir, ({"does not match config.json", "transformer.wte.weight is [50257, 32], expected [50257, 31962]"}));
  }
  // A missing tensor and an unexpected one are named.
  {
    const std::string dir = tempDir("missing_key");
    fs::copy_file(base + "/config.json", fs::path(dir) / "config.json");
    auto sd = pd::io::readSafetensors(base + "/model.safetensors");
    sd.tensors.erase("bert.encoder.layer.1.attention.self.key.bias");
    sd.tensors["bert.encoder.layer.0.extra.weight"] = at::zeros({2});
    pd::io::writeSafetensors((fs::path(dir) / "model.safetensors").string(), sd.tensors);
    EXPECT_LOAD_ERROR(dir, ({"missing keys: bert.encoder.layer.1.attention.self.key.bias",
                             "unexpected keys: bert.encoder.layer.0.extra.weight"}));
  }
  // A truncated weight file.
  {
    const std::string dir = tempDir("truncated");
    fs::copy_file(base + "/config.json", fs::path(dir) / "config.json");
    std::ifstream in(base + "/model.safetensors", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    writeText(fs::path(dir) / "model.safetensors", bytes.substr(0, bytes.size() / 2));
    EXPECT_LOAD_ERROR(dir, ({"model.safetensors"}));
  }
  // Out-of-range inputs are errors naming the input, not crashes.
  auto m = pd::models::loadTextModel(base);
  TextInputs in;
  in.inputIds = at::full({1, 3}, 40000, at::kLong);
  QVERIFY_THROWS_EXCEPTION(pd::Error, m->hiddenStates(in));
  in.inputIds = at::ones({1, 65}, at::kLong);
  try {
    m->hiddenStates(in);
    QFAIL("no error for an input longer than the positions");
  } catch (const pd::Error& e) {
    QVERIFY(std::string(e.what()).find("at most 64 tokens") != std::string::npos);
  }
}

QTEST_GUILESS_MAIN(TestTextModels)
#include "test_text_models.moc"
