// Soft slots of mixed templates ({soft:N}, {soft:"words"}: OpenPrompt's MixedTemplate) rendered
// into ids by the text prompt encoder, and the virtual tokens of prompt tuning / P-tuning placed
// there (THUDM/P-tuning's 3+3+3 interleaving) or prepended (PEFT), checked against direct model
// calls; initialisation from text and from {soft:"words"}; the options' errors.
#include "methods/common/method.h"
#include "methods/prompt_tuning/soft_prompt.h"
#include "methods/text_common/text_method.h"
#include "models/text_lm.h"
#include "prompts/text_prompt.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "promptdesk/error.h"
#include "promptdesk/text_tokenizer.h"

using pd::Family;
using pd::RenderInput;
using pd::Template;
using pd::TextTokenizer;
using pd::prompts::TextPromptEncoder;
namespace m = pd::methods;

namespace {
std::string data(const std::string& rel) { return std::string(PD_TEST_DATA) + "/text/" + rel; }
TextTokenizer bertVocab() { return TextTokenizer::fromFolder(data("vocab/bert-base-uncased")); }
TextTokenizer gpt2Vocab() { return TextTokenizer::fromFolder(data("vocab/gpt2")); }
RenderInput textInput(const std::string& t) {
  RenderInput in;
  in.text = t;
  return in;
}
std::vector<int> slice(const std::vector<int>& v, std::size_t from, std::size_t n) {
  return std::vector<int>(v.begin() + static_cast<long>(from), v.begin() + static_cast<long>(from + n));
}
at::Tensor row(const std::vector<int>& v) {
  std::vector<std::int64_t> w(v.begin(), v.end());
  return at::tensor(w, at::kLong).unsqueeze(0);
}
// The method `name` with `options`, set up on bert-tiny with the golden's verbalizer.
std::unique_ptr<m::TextMethod> makeMethod(const std::string& name, const std::string& options,
                                          std::shared_ptr<pd::models::TextLM> model,
                                          const TextTokenizer* tok = nullptr,
                                          const std::vector<int>* slots = nullptr) {
  auto method = m::methodEntry(name).makeText(nlohmann::json::parse(options));
  if (slots && !method->takeTemplateSlots(*slots))
    throw std::runtime_error(name + " is not a virtual-token method");
  m::TextBackbone b;
  b.model = std::move(model);
  b.tokenizer = tok;
  m::TextTaskSpec task;
  task.classNames = {"negative", "positive"};
  task.labelWordIds = {{{6659}}, {{2307}}};
  method->setup(b, task);
  return method;
}
template <class F>
QString errorOf(F&& f) {
  try {
    f();
  } catch (const pd::Error& e) {
    return QString::fromStdString(std::string(e.what()) + " [" + e.context() + "]");
  }
  return {};
}
double maxDiff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }
}  // namespace

class TestSoftPrompt : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void softSlotsInterleaved();
  void softWordsAndBpeSpacing();
  void templatePlacementMatchesModel();
  void prependMatchesModelAndInitialisation();
  void optionErrors();
};

void TestSoftPrompt::softSlotsInterleaved() {
  // THUDM/P-tuning's 3+3+3 layout: [CLS] s0 s1 s2 <text> s3 s4 s5 [MASK] s6 s7 s8 [SEP].
  const TextTokenizer tok = bertVocab();
  const TextPromptEncoder enc(tok, Family::MaskedLM, 64);
  const Template t = Template::parse("{soft:3} {text} {soft:3} {mask} {soft:3}");
  const auto e = enc.encode(t, textInput("a gripping film"));
  const std::vector<int> text = tok.encode("a gripping film");
  QCOMPARE(e.ids.size(), 1 + 3 + text.size() + 3 + 1 + 3 + 1);
  QCOMPARE(e.ids.front(), tok.clsId());
  QCOMPARE(e.ids.back(), tok.sepId());
  QCOMPARE(enc.placeholderId(), tok.unkId());
  QCOMPARE(slice(e.ids, 4, text.size()), text);
  QCOMPARE(e.maskPos, static_cast<int>(4 + text.size() + 3));
  QCOMPARE(e.ids[static_cast<std::size_t>(e.maskPos)], tok.maskId());
  QCOMPARE(e.softSlots.size(), e.ids.size());
  std::vector<int> expect(e.ids.size(), -1);
  for (int k = 0; k < 3; ++k) {
    expect[static_cast<std::size_t>(1 + k)] = k;
    expect[4 + text.size() + static_cast<std::size_t>(k)] = 3 + k;
    expect[static_cast<std::size_t>(e.maskPos + 1 + k)] = 6 + k;
  }
  QCOMPARE(e.softSlots, expect);
  for (std::size_t i = 0; i < e.ids.size(); ++i)
    if (e.softSlots[i] >= 0) QCOMPARE(e.ids[i], enc.placeholderId());
  QCOMPARE(e.softInit, std::vector<int>(9, -1));
  QCOMPARE(enc.softSlotInit(t), e.softInit);
  // Without soft parts: no slots at all, and the ids are those of the plain template.
  const auto plain = enc.encode(Template::parse("{text} {mask}"), textInput("a gripping film"));
  QVERIFY(plain.softSlots.empty());
  QVERIFY(plain.softInit.empty());
  // Slots count as template tokens: the text is cut, never a slot.
  const TextPromptEncoder shortEnc(tok, Family::MaskedLM, 14);
  const auto cut = shortEnc.encode(t, textInput("a gripping film that goes on and on and on"));
  QVERIFY(cut.truncated);
  QCOMPARE(static_cast<int>(cut.ids.size()), 14);
  QCOMPARE(static_cast<int>(std::count_if(cut.softSlots.begin(), cut.softSlots.end(),
                                          [](int s) { return s >= 0; })),
           9);
}

void TestSoftPrompt::softWordsAndBpeSpacing() {
  const TextTokenizer tok = gpt2Vocab();
  const TextPromptEncoder enc(tok, Family::CausalLM, 64);
  // The text after a slot keeps its space ("Ġgreat"); no lone space token before a slot.
  const auto e = enc.encode(Template::parse("{soft:2} {text} {soft:2}"), textInput("great movie"));
  const std::vector<int> text = tok.encode(" great movie");
  QCOMPARE(e.ids.size(), 2 + text.size() + 2);
  QCOMPARE(slice(e.ids, 2, text.size()), text);
  QCOMPARE(e.softSlots, (std::vector<int>{0, 1, -1, -1, 2, 3}));
  QVERIFY(std::find(e.ids.begin(), e.ids.end(), tok.singleTokenId(" ")) == e.ids.end() ||
          tok.singleTokenId(" ") < 0);
  // {soft:"words"}: one slot per token of the words, tokenized where the template puts them.
  const Template w = Template::parse("{soft:\"It was\"} {text} {soft:\"in short\"}");
  const auto ew = enc.encode(w, textInput("great"));
  std::vector<int> init = tok.encode("It was");
  const std::vector<int> tail = tok.encode(" in short");
  init.insert(init.end(), tail.begin(), tail.end());
  QCOMPARE(ew.softInit, init);
  QCOMPARE(enc.softSlotInit(w), init);
  const std::size_t n0 = tok.encode("It was").size();
  QCOMPARE(slice(ew.ids, n0, 1), tok.encode(" great"));
  for (std::size_t k = 0; k < n0; ++k) QCOMPARE(ew.softSlots[k], static_cast<int>(k));
  QCOMPARE(ew.softSlots[n0], -1);
  // BERT: the words as WordPiece gives them.
  const TextTokenizer bt = bertVocab();
  const TextPromptEncoder be(bt, Family::MaskedLM, 64);
  const auto eb = be.encode(Template::parse("{text} {soft:\"it was\"} {mask}."), textInput("fine"));
  QCOMPARE(eb.softInit, bt.encode("it was"));
  QCOMPARE(eb.ids[static_cast<std::size_t>(eb.maskPos) - 1], be.placeholderId());
  QCOMPARE(eb.softSlots[static_cast<std::size_t>(eb.maskPos) - 1], 1);
}

void TestSoftPrompt::templatePlacementMatchesModel() {
  auto model = pd::models::loadTextModel(data("models/bert-tiny"));
  const TextTokenizer tok = bertVocab();
  const TextPromptEncoder enc(tok, Family::MaskedLM, 64);
  const Template t = Template::parse("{soft:3} {text} {soft:3} {mask} {soft:3}");
  const auto e = enc.encode(t, textInput("dull and far too long."));
  m::TextBatch batch;
  batch.inputIds = row(e.ids);
  batch.softSlots = row(e.softSlots);
  batch.maskPos = at::tensor({static_cast<std::int64_t>(e.maskPos)}, at::kLong);
  batch.labels = at::tensor({std::int64_t(0)}, at::kLong);
  const std::vector<int> slots = enc.softSlotInit(t);
  for (const char* name : {"p-tuning", "prompt-tuning"}) {
    const std::string opts = std::string(name) == "p-tuning"
                                 ? R"({"placement":"template","num_virtual_tokens":9,"encoder_hidden_size":16})"
                                 : R"({"num_virtual_tokens":9})";
    auto method = makeMethod(name, opts, model, &tok, &slots);
    QCOMPARE(method->reservedPositions(), std::int64_t(0));
    const m::TextEncoded out = method->encode(batch, false);
    QCOMPARE(out.inserted, std::int64_t(0));
    const at::Tensor prompts = out.outputs.at("prompts");
    QCOMPARE(prompts.size(0), std::int64_t(9));
    {
      // Direct: slot k's word embedding replaced by prompt k, the ordinary positions 0..T-1.
      at::NoGradGuard ng;
      at::Tensor x = model->embedTokens(batch.inputIds).clone();
      for (std::size_t i = 0; i < e.softSlots.size(); ++i)
        if (e.softSlots[i] >= 0) x[0][static_cast<std::int64_t>(i)] = prompts[e.softSlots[i]];
      pd::models::TextInputs in;
      in.inputsEmbeds = x;
      const at::Tensor direct = model->hiddenStates(in);
      QVERIFY2(maxDiff(out.hidden, direct) < 1e-5, name);
      // The cloze head reads the mask where it is (nothing inserted).
      const at::Tensor logits = method->classLogits(out, batch);
      const at::Tensor ids = at::tensor({std::int64_t(6659), std::int64_t(2307)}, at::kLong);
      QVERIFY(maxDiff(logits[0], model->lmLogits(direct[0][e.maskPos], ids)) < 1e-5);
    }
    // Gradients reach the vectors; for prompt tuning every slot's own row.
    method->loss(out, batch).backward();
    const at::Tensor g = method->trainable().front().grad();
    QVERIFY(g.defined());
    if (std::string(name) == "prompt-tuning")
      QVERIFY(g.abs().sum(1).min().item<double>() > 0);
    else
      QVERIFY(g.abs().sum().item<double>() > 0);
  }
  // prompt tuning's {soft:"words"} slots start from their words; other rows stay random.
  const Template w = Template::parse("{text} {soft:\"it was\"} {mask} {soft:1}");
  const std::vector<int> wInit = enc.softSlotInit(w);
  QCOMPARE(wInit.size(), std::size_t(3));
  auto pt = makeMethod("prompt-tuning", R"({"num_virtual_tokens":3})", model, &tok, &wInit);
  const at::Tensor emb = pt->trainable().front().value();
  for (int k = 0; k < 2; ++k)
    QVERIFY(maxDiff(emb[k], model->wordEmbeddingMatrix()[wInit[static_cast<std::size_t>(k)]]) == 0);
  QVERIFY(emb[2].abs().max().item<double>() > 0.3);  // N(0, 1), not a word (N(0, 0.03^2))
  // Slot count and placement errors name the option.
  const QString wrongCount = errorOf([&] {
    auto x = makeMethod("p-tuning", R"({"placement":"template","num_virtual_tokens":4})", model);
    x->encode(batch, false);
  });
  QVERIFY2(wrongCount.contains("9 soft slots") && wrongCount.contains("[num_virtual_tokens]"),
           qPrintable(wrongCount));
  const QString prepend = errorOf([&] {
    auto x = makeMethod("p-tuning", R"({"num_virtual_tokens":9})", model);
    x->encode(batch, false);
  });
  QVERIFY2(prepend.contains("[placement]"), qPrintable(prepend));
  const QString noSlots = errorOf([&] {
    auto x = makeMethod("p-tuning", R"({"placement":"template","num_virtual_tokens":9})", model);
    m::TextBatch b = batch;
    b.softSlots = at::Tensor();
    x->encode(b, false);
  });
  QVERIFY2(noSlots.contains("[placement]"), qPrintable(noSlots));
}

void TestSoftPrompt::prependMatchesModelAndInitialisation() {
  auto model = pd::models::loadTextModel(data("models/bert-tiny"));
  const TextTokenizer tok = bertVocab();
  m::TextBatch batch;
  batch.inputIds = row(tok.encode("a fine film", pd::TextEncodeOptions{}).ids);
  const std::int64_t t = batch.inputIds.size(1);
  batch.maskPos = at::tensor({std::int64_t(1)}, at::kLong);
  batch.labels = at::tensor({std::int64_t(1)}, at::kLong);
  // TEXT init: the words WITH the special tokens, repeated to P (PEFT's tokenizer(text)).
  auto pt = makeMethod("prompt-tuning",
                       R"({"num_virtual_tokens":7,"prompt_tuning_init":"TEXT","prompt_tuning_init_text":"great movie"})",
                       model, &tok);
  const std::vector<int> ids = tok.encode("great movie", pd::TextEncodeOptions{}).ids;
  QCOMPARE(ids.size(), std::size_t(4));  // [CLS] great movie [SEP]
  const at::Tensor emb = pt->trainable().front().value();
  for (int k = 0; k < 7; ++k)
    QVERIFY(maxDiff(emb[k], model->wordEmbeddingMatrix()[ids[static_cast<std::size_t>(k % 4)]]) == 0);
  QCOMPARE(pt->reservedPositions(), std::int64_t(7));
  const m::TextEncoded out = pt->encode(batch, false);
  QCOMPARE(out.inserted, std::int64_t(7));
  QCOMPARE(out.hidden.size(1), 7 + t);
  at::NoGradGuard ng;
  pd::models::TextInputs in;
  in.inputsEmbeds = at::cat({emb.unsqueeze(0), model->embedTokens(batch.inputIds)}, 1);
  QVERIFY(maxDiff(out.hidden, model->hiddenStates(in)) < 1e-5);
  // SAMPLE_VOCAB: every vector is some vocabulary row.
  auto sv = makeMethod("prompt-tuning", R"({"num_virtual_tokens":3,"prompt_tuning_init":"SAMPLE_VOCAB"})", model);
  const at::Tensor s = sv->trainable().front().value();
  for (int k = 0; k < 3; ++k)
    QVERIFY((model->wordEmbeddingMatrix() - s[k]).abs().sum(1).min().item<double>() == 0);
  // The PEFT export of p-tuning is the encoder's output.
  auto pl = makeMethod("p-tuning", R"({"num_virtual_tokens":4,"encoder_reparameterization_type":"LSTM","encoder_hidden_size":-1})", model);
  QCOMPARE(pl->peftConfig().at("encoder_hidden_size").get<int>(), 16);
  QCOMPARE(pl->peftConfig().at("peft_type").get<std::string>(), std::string("P_TUNING"));
  const at::Tensor exported = pl->peftTensors().at("prompt_embeddings");
  QVERIFY(maxDiff(exported, pl->encode(batch, false).outputs.at("prompts")) == 0);
  QCOMPARE(exported.size(1), std::int64_t(32));
}

void TestSoftPrompt::optionErrors() {
  auto model = pd::models::loadTextModel(data("models/bert-tiny"));
  auto has = [](const QString& msg, const char* what) {
    if (!msg.contains(what)) qWarning("%s", qPrintable(msg));
    return msg.contains(what);
  };
  QVERIFY(has(errorOf([&] { makeMethod("prompt-tuning", R"({"num_virtual_tokens":0})", model); }),
              "[num_virtual_tokens]"));
  QVERIFY(has(errorOf([&] { makeMethod("p-tuning", R"({"num_virtual_tokens":0})", model); }),
              "[num_virtual_tokens]"));
  QVERIFY(has(errorOf([&] { makeMethod("p-tuning", R"({"encoder_hidden_size":0})", model); }),
              "[encoder_hidden_size]"));
  QVERIFY(has(errorOf([&] { makeMethod("prompt-tuning", R"({"prompt_tuning_init":"TEXT"})", model); }),
              "[prompt_tuning_init_text]"));
  QVERIFY(has(errorOf([&] {
                makeMethod("prompt-tuning",
                           R"({"prompt_tuning_init":"TEXT","prompt_tuning_init_text":"hi"})", model);
              }),
              "[prompt_tuning_init]"));
  // P + T over the 64 positions: both numbers named.
  const QString tooLong = errorOf([&] {
    auto x = makeMethod("p-tuning", R"({"num_virtual_tokens":60})", model);
    m::TextBatch b;
    b.inputIds = at::full({1, 5}, 1000, at::kLong);
    b.maskPos = at::tensor({std::int64_t(1)}, at::kLong);
    x->encode(b, false);
  });
  QVERIFY(has(tooLong, "num_virtual_tokens 60 + 5 text tokens exceed the model's 64 positions"));
  QVERIFY(has(tooLong, "[num_virtual_tokens]"));
}

QTEST_APPLESS_MAIN(TestSoftPrompt)
#include "test_soft_prompt.moc"
