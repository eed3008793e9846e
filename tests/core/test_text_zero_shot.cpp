// Prompting text models without training: templates rendered into ids (special tokens, mask
// position, BPE spacing, truncation), cloze and prefix scoring against direct model calls and the
// golden cloze case, calibration, ensembles, and the label-word checks.
#include "methods/zero_shot/text_scoring.h"
#include "models/text_lm.h"
#include "prompts/text_prompt.h"
#include "io/safetensors.h"

#include <QtTest/QtTest>

#include <cmath>
#include <string>

#include "promptdesk/error.h"
#include "promptdesk/text_models.h"
#include "promptdesk/text_tokenizer.h"

using pd::Family;
using pd::RenderInput;
using pd::Template;
using pd::TextTokenizer;
using pd::prompts::TextPromptEncoder;

namespace {
std::string data(const std::string& rel) { return std::string(PD_TEST_DATA) + "/text/" + rel; }
TextTokenizer bertVocab() { return TextTokenizer::fromFolder(data("vocab/bert-base-uncased")); }
TextTokenizer gpt2Vocab() { return TextTokenizer::fromFolder(data("vocab/gpt2")); }
RenderInput textInput(const std::string& t) {
  RenderInput in;
  in.text = t;
  return in;
}
std::vector<int> row(const at::Tensor& t, std::int64_t i, std::int64_t len) {
  std::vector<int> v;
  for (std::int64_t j = 0; j < len; ++j) v.push_back(static_cast<int>(t[i][j].item<std::int64_t>()));
  return v;
}
pd::TextZeroShotSpec miniSpec(const std::string& model) {
  pd::TextZeroShotSpec s;
  s.modelPath = data("models/" + model);
  s.datasetSpec = data("datasets/sentiment-mini");
  s.labelWords = {"negative=terrible|bad", "positive=great|good"};
  s.batchSize = 4;
  return s;
}
}  // namespace

class TestTextZeroShot : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void clozeRenderingMatchesGolden();
  void bpeSpacingAndLabelWords();
  void truncationAndTooLongTemplate();
  void clozeScoresMatchModel();
  void prefixScoresMatchModel();
  void calibrationAndEnsemble();
  void runsOnADataset();
};

void TestTextZeroShot::clozeRenderingMatchesGolden() {
  // The golden cloze inputs are "[CLS] <text> it was [MASK] . [SEP]".
  const TextTokenizer tok = bertVocab();
  const TextPromptEncoder enc(tok, Family::MaskedLM, 64);
  const auto g = pd::io::readSafetensors(data("models/bert-tiny/golden.safetensors"));
  const at::Tensor ids = g.at("cloze_input_ids"), mask = g.at("cloze_attention_mask");
  const char* texts[] = {"a gripping, beautifully made film.", "dull and far too long."};
  const Template t = Template::parse("{text} It was {mask}.");
  for (int i = 0; i < 2; ++i) {
    const auto e = enc.encode(t, textInput(texts[i]));
    const auto len = mask[i].sum().item<std::int64_t>();
    QCOMPARE(e.ids, row(ids, i, len));
    QCOMPARE(static_cast<std::int64_t>(e.maskPos), g.at("cloze_mask_pos")[i].item<std::int64_t>());
    QVERIFY(e.spaceBeforeLabel);
  }
  // The verbalizer ids of the golden: terrible 6659, great 2307.
  QCOMPARE(enc.labelWordIds("terrible", true), std::vector<int>{6659});
  QCOMPARE(enc.labelWordIds("great", false), std::vector<int>{2307});
  // A word outside the vocabulary is an error naming it.
  try {
    enc.labelWordIds("\xE2\x98\x83\xE2\x98\x83", true);  // two snowmen -> [UNK]
    QFAIL("no error for an out-of-vocabulary label word");
  } catch (const pd::Error& e) {
    QVERIFY(std::string(e.what()).find("outside the vocabulary") != std::string::npos);
  }
}

void TestTextZeroShot::bpeSpacingAndLabelWords() {
  const TextTokenizer tok = gpt2Vocab();
  const TextPromptEncoder enc(tok, Family::CausalLM, 64);
  // The context ends before the label; its trailing space moves to the label ("Ġgreat").
  const auto e = enc.encode(Template::parse("Review: {text}\nSentiment: {label}"),
                            textInput("fun film"));
  QVERIFY(e.spaceBeforeLabel);
  QCOMPARE(e.ids, tok.encode("Review: fun film\nSentiment:"));
  const auto great = enc.labelWordIds("great", true);
  QCOMPARE(great.size(), std::size_t(1));
  QCOMPARE(tok.idToToken(great[0]), std::string("\xC4\xA0great"));  // "Ġgreat"
  // The verbalizer check shows pieces of multi-token words and the no-space variant.
  pd::Verbalizer v;
  v.setLabelWords("pos", {"great", "splendiferous"});
  const auto rows = pd::prompts::checkLabelWords(enc, v, {"pos"}, true);
  QCOMPARE(rows.size(), std::size_t(2));
  QVERIFY(rows[0].singleToken);
  QCOMPARE(rows[0].bareTokens, std::vector<std::string>{"great"});
  QVERIFY(!rows[1].singleToken);
  QVERIFY(rows[1].note.find("tokens for this tokenizer") != std::string::npos);
  QVERIFY(rows[1].pieces.size() >= 2);
}

void TestTextZeroShot::truncationAndTooLongTemplate() {
  const TextTokenizer tok = bertVocab();
  const TextPromptEncoder enc(tok, Family::MaskedLM, 12);
  const auto e = enc.encode(Template::parse("{text} It was {mask}."),
                            textInput("one two three four five six seven eight nine ten"));
  QVERIFY(e.truncated);
  QCOMPARE(e.ids.size(), std::size_t(12));
  QCOMPARE(e.ids.back(), tok.sepId());
  QCOMPARE(e.ids[static_cast<std::size_t>(e.maskPos)], tok.maskId());
  QCOMPARE(e.ids[static_cast<std::size_t>(e.maskPos) + 1], tok.encode(".")[0]);
  try {
    enc.encode(Template::parse("{text} and this template is far too long to fit it was {mask}."),
               textInput("x"));
    QFAIL("no error for a template longer than the positions");
  } catch (const pd::TemplateError& err) {
    QVERIFY(std::string(err.what()).find("longer than the model's 12 positions") != std::string::npos);
  }
}

void TestTextZeroShot::clozeScoresMatchModel() {
  auto m = pd::models::loadTextModel(data("models/bert-tiny"));
  const auto g = pd::io::readSafetensors(data("models/bert-tiny/golden.safetensors"));
  const TextTokenizer tok = bertVocab();
  const TextPromptEncoder enc(tok, Family::MaskedLM, 64);
  pd::Verbalizer v;
  v.setLabelWords("negative", {"terrible"});
  v.setLabelWords("positive", {"great"});
  v.normalize = false;
  pd::methods::TextScorer sc(*m, v, pd::methods::TextScoring::Cloze, 1);  // batches of 1: padding differs
  std::vector<pd::prompts::EncodedPrompt> ps;
  for (const char* t : {"a gripping, beautifully made film.", "dull and far too long."})
    ps.push_back(enc.encode(Template::parse("{text} It was {mask}."), textInput(t)));
  pd::methods::LabelWords lw;
  lw.ids = {{enc.labelWordIds("terrible", true)}, {enc.labelWordIds("great", true)}};
  const auto ws = sc.wordScores(ps, {&lw, &lw});
  const at::Tensor want = g.at("cloze_noprompt_label_logits");
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 2; ++k) QVERIFY(std::abs(ws[i][k] - want[i][k].item<float>()) < 1e-4);
  // Batched with padding gives the same scores.
  pd::methods::TextScorer batched(*m, v, pd::methods::TextScoring::Cloze, 8);
  const auto wb = batched.wordScores(ps, {&lw, &lw});
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 2; ++k) QVERIFY(std::abs(ws[i][k] - wb[i][k]) < 1e-5);
  // Normalised: class scores are log-softmax over the label words.
  v.normalize = true;
  const auto cs = sc.classScores(ws[0], lw, {});
  const double lse = std::log(std::exp(double(ws[0][0])) + std::exp(double(ws[0][1])));
  QVERIFY(std::abs(cs[0] - (ws[0][0] - lse)) < 1e-5);
  QVERIFY(std::abs(cs[1] - (ws[0][1] - lse)) < 1e-5);
}

void TestTextZeroShot::prefixScoresMatchModel() {
  auto m = pd::models::loadTextModel(data("models/gpt2-tiny"));
  const TextTokenizer tok = gpt2Vocab();
  const TextPromptEncoder enc(tok, Family::CausalLM, 64);
  pd::Verbalizer v;
  v.setLabelWords("neg", {"terrible"});
  v.setLabelWords("pos", {"splendiferous"});
  const auto p = enc.encode(Template::parse("{text} It was"), textInput("a fun film."));
  pd::methods::LabelWords lw;
  lw.ids = {{enc.labelWordIds("terrible", p.spaceBeforeLabel)},
            {enc.labelWordIds("splendiferous", p.spaceBeforeLabel)}};
  QVERIFY(lw.ids[1][0].size() >= 2);
  pd::methods::TextScorer sum(*m, v, pd::methods::TextScoring::PrefixSum, 4);
  pd::methods::TextScorer mean(*m, v, pd::methods::TextScoring::PrefixMean, 4);
  const auto s = sum.wordScores({p}, {&lw})[0];
  const auto mn = mean.wordScores({p}, {&lw})[0];
  // Direct: log p(word tokens | context) from one full forward.
  at::NoGradGuard ng;
  for (int k = 0; k < 2; ++k) {
    std::vector<std::int64_t> seq(p.ids.begin(), p.ids.end());
    for (int id : lw.ids[k][0]) seq.push_back(id);
    pd::models::TextInputs in;
    in.inputIds = at::tensor(seq, at::kLong).unsqueeze(0);
    at::Tensor lp = at::log_softmax(m->lmLogits(m->hiddenStates(in)), -1)[0];
    double want = 0;
    for (std::size_t j = p.ids.size(); j < seq.size(); ++j)
      want += lp[static_cast<std::int64_t>(j) - 1][seq[j]].item<double>();
    QVERIFY2(std::abs(s[k] - want) < 1e-4, qPrintable(QString("%1 vs %2").arg(s[k]).arg(want)));
    QVERIFY(std::abs(mn[k] - want / double(lw.ids[k][0].size())) < 1e-4);
  }
  // next-token refuses multi-token words.
  pd::methods::TextScorer next(*m, v, pd::methods::TextScoring::NextToken, 4);
  QVERIFY_THROWS_EXCEPTION(pd::Error, next.wordScores({p}, {&lw}));
}

void TestTextZeroShot::calibrationAndEnsemble() {
  // Calibrating the content-free input by itself makes its class probabilities uniform.
  pd::TextZeroShotSpec s = miniSpec("bert-tiny");
  s.calibrate = true;
  s.contentFree = "N/A";
  const auto cal = pd::runTextZeroShot(s);
  QCOMPARE(cal.calibration.size(), std::size_t(4));
  auto m = pd::models::loadTextModel(s.modelPath);
  const TextTokenizer tok = bertVocab();
  const TextPromptEncoder enc(tok, Family::MaskedLM, 64);
  pd::Verbalizer v;
  v.setLabelWords("negative", {"terrible", "bad"});
  v.setLabelWords("positive", {"great", "good"});
  pd::methods::TextScorer sc(*m, v, pd::methods::TextScoring::Cloze, 4);
  const auto p = enc.encode(Template::parse("{text} It was {mask}."), textInput("N/A"));
  pd::methods::LabelWords lw;
  for (const auto& c : {"negative", "positive"}) {
    std::vector<std::vector<int>> ws;
    for (const auto& w : v.labelWords(c)) ws.push_back(enc.labelWordIds(w, true));
    lw.ids.push_back(ws);
  }
  const auto ws = sc.wordScores({p}, {&lw})[0];
  const auto probs = pd::methods::TextScorer::wordProbabilities(ws);
  for (std::size_t i = 0; i < probs.size(); ++i) QVERIFY(std::abs(probs[i] - cal.calibration[i]) < 1e-6);
  const auto cs = sc.classScores(ws, lw, probs);
  QVERIFY(std::abs(cs[0] - cs[1]) < 1e-5);
  // An ensemble is the mean of the templates' class log-probabilities.
  pd::TextZeroShotSpec a = miniSpec("bert-tiny"), b = a, both = a;
  a.templates = {"{text} It was {mask}."};
  b.templates = {"{text} All in all, it was {mask}."};
  both.templates = {a.templates[0], b.templates[0]};
  const auto ra = pd::runTextZeroShot(a), rb = pd::runTextZeroShot(b), rboth = pd::runTextZeroShot(both);
  for (std::size_t i = 0; i < ra.result.items.size(); ++i)
    for (int c = 0; c < 2; ++c) {
      auto lsm = [&](const pd::ScoredItem& it) {
        const double z = std::log(std::exp(double(it.scores[0])) + std::exp(double(it.scores[1])));
        return it.scores[c] - z;
      };
      const double want = 0.5 * (lsm(ra.result.items[i]) + lsm(rb.result.items[i]));
      QVERIFY(std::abs(rboth.result.items[i].scores[c] - want) < 1e-5);
    }
}

void TestTextZeroShot::runsOnADataset() {
  for (const char* model : {"bert-tiny", "gpt2-tiny"}) {
    pd::TextZeroShotSpec s = miniSpec(model);
    s.tokenizer = data(std::string("vocab/") + (model[0] == 'b' ? "bert-base-uncased" : "gpt2"));
    const auto r = pd::runTextZeroShot(s);
    QCOMPARE(r.result.items.size(), std::size_t(6));
    QCOMPARE(r.result.metrics.n, std::int64_t(6));
    QCOMPARE(r.result.classNames.size(), std::size_t(2));
    QCOMPARE(r.labelWords.size(), std::size_t(4));
    QCOMPARE(r.scoring, std::string(model[0] == 'b' ? "cloze" : "sum"));
    for (const auto& it : r.result.items) {
      const double p = std::exp(double(it.scores[0])) + std::exp(double(it.scores[1]));
      QVERIFY(std::abs(p - 1.0) < 1e-4);  // class log-probabilities
    }
    QVERIFY(r.toJson().find("\"label_words\"") != std::string::npos);
  }
  // Bad input: a label word outside the vocabulary names the class and word.
  pd::TextZeroShotSpec bad = miniSpec("bert-tiny");
  bad.labelWords = {"negative=\xE2\x98\x83\xE2\x98\x83", "positive=great"};
  try {
    pd::runTextZeroShot(bad);
    QFAIL("no error");
  } catch (const pd::Error& e) {
    QVERIFY(std::string(e.what()).find("class 'negative'") != std::string::npos);
  }
  // A cloze scoring request on a causal LM is refused.
  pd::TextZeroShotSpec c = miniSpec("gpt2-tiny");
  c.scoring = "cloze";
  QVERIFY_THROWS_EXCEPTION(pd::Error, pd::runTextZeroShot(c));
}

QTEST_GUILESS_MAIN(TestTextZeroShot)
#include "test_text_zero_shot.moc"
