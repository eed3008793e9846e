// The soft-verbalizer, knowledgeable and mlp heads (methods/text_common/heads/) on the tiny text
// fixtures: the soft verbalizer starts at the label words' LM logits (without the decoder bias, as
// OpenPrompt's bias-free layer) and trains only its own layer; the knowledgeable head starts with
// uniform weights (class score = mean log probability of its words over the label-word softmax),
// expands its words from the WordNet excerpt, and refines them with the prior; the MLP-k head's
// shapes, names, feature position and train/eval behaviour.
#include <QtTest/QtTest>

#include <set>
#include <string>

#include "methods/text_common/heads/text_heads.h"
#include "methods/text_common/text_head.h"
#include "methods/text_common/text_method.h"
#include "models/text_lm.h"
#include "promptdesk/error.h"
#include "promptdesk/text_tokenizer.h"

using namespace pd::methods;
using pd::TextTokenizer;

namespace {
std::string data(const std::string& rel) { return std::string(PD_TEST_DATA) + "/text/" + rel; }

template <typename F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const pd::Error& e) {
    return e.what();
  }
  return {};
}

// The backbone alone (no adaptation): encode = the model's last hidden states.
class PlainMethod : public TextMethod {
 public:
  TextEncoded encode(const TextBatch& b, bool) override {
    pd::models::TextInputs in;
    in.inputIds = b.inputIds;
    in.attentionMask = b.attentionMask;
    TextEncoded e;
    e.hidden = model().hiddenStates(in);
    e.attentionMask = b.attentionMask;
    return e;
  }
  const TextTrainOptions& trainOptions() const override { return opts_; }
  nlohmann::json record() const override { return nlohmann::json::object(); }

 protected:
  void setupMethod() override {}
  std::vector<NamedTensor> adaptation() override { return {}; }

 private:
  TextTrainOptions opts_;
};

struct Fixture {
  std::shared_ptr<pd::models::TextLM> model;
  TextBackbone backbone;
  TextBatch batch;
  TextEncoded enc;
};

// A batch of 4 random rows of length 7 (row 1 padded after 5 tokens), mask / prediction at 3.
Fixture fixture(const std::string& name) {
  Fixture f;
  f.model = pd::models::loadTextModel(data("models/" + name));
  f.model->freeze();
  f.backbone.model = f.model;
  at::manual_seed(3);
  const std::int64_t n = 4, t = 7;
  f.batch.inputIds = at::randint(100, 1000, {n, t}, at::kLong);
  f.batch.attentionMask = at::ones({n, t}, at::kLong);
  f.batch.attentionMask[1].narrow(0, 5, 2).zero_();
  f.batch.maskPos = at::full({n}, 3, at::kLong);
  f.batch.labels = at::tensor(std::vector<std::int64_t>{0, 1, 1, 0}, at::kLong);
  pd::models::TextInputs in;
  in.inputIds = f.batch.inputIds;
  in.attentionMask = f.batch.attentionMask;
  f.enc.hidden = f.model->hiddenStates(in);
  f.enc.attentionMask = f.batch.attentionMask;
  return f;
}

TextTaskSpec twoClasses(const std::vector<std::vector<std::vector<int>>>& words) {
  TextTaskSpec t;
  t.classNames = {"negative", "positive"};
  t.labelWordIds = words;
  return t;
}

double maxDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>();
}
}  // namespace

class TestTextHeads : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void headKindsAreRegistered();
  void softVerbalizerStartsAtLabelLogits();
  void softVerbalizerTrainsOnlyItsLayer();
  void knowledgeableStartsUniform();
  void knowledgeableExpandsFromWordNet();
  void knowledgeableRefinesWithThePrior();
  void mlpHeadShapesAndNames();
  void mlpHeadTrainAndEval();
  void mlpHeadReadsTheLastRealTokenOfGpt2();
};

void TestTextHeads::headKindsAreRegistered() {
  const auto& k = textHeadKinds();
  for (const char* kind : {"soft-verbalizer", "knowledgeable", "mlp"})
    QVERIFY(std::find(k.begin(), k.end(), kind) != k.end());
  Fixture f = fixture("bert-tiny");
  const TextTaskSpec task = twoClasses({{{2919}}, {{2204}}});
  QCOMPARE(makeTextHead("soft-verbalizer", f.backbone, task)->kind(), std::string("soft-verbalizer"));
  QCOMPARE(makeTextHead("knowledgeable", f.backbone, task)->kind(), std::string("knowledgeable"));
  QCOMPARE(makeTextHead("mlp", f.backbone, task)->kind(), std::string("mlp"));
  const std::string m = errorOf([&] { makeTextHead("mlp-3", f.backbone, task); });
  QVERIFY2(m.find("soft-verbalizer, knowledgeable") != std::string::npos, m.c_str());
}

void TestTextHeads::softVerbalizerStartsAtLabelLogits() {
  for (const std::string name : {"bert-tiny", "roberta-tiny", "gpt2-tiny"}) {
    Fixture f = fixture(name);
    const TextTaskSpec task = twoClasses({{{2919}}, {{2204}}});
    auto verb = makeTextHead("verbalizer", f.backbone, task);
    auto soft = makeTextHead("soft-verbalizer", f.backbone, task);
    at::NoGradGuard ng;
    at::Tensor v = verb->classLogits(*f.model, f.enc, f.batch);
    at::Tensor s = soft->classLogits(*f.model, f.enc, f.batch);
    QCOMPARE(s.sizes(), v.sizes());
    at::Tensor bias = f.model->lmDecoderBias();
    at::Tensor ids = at::tensor(std::vector<std::int64_t>{2919, 2204}, at::kLong);
    if (bias.defined()) {
      // OpenPrompt's new layer has no bias: the verbalizer's logits less the decoder bias there.
      QVERIFY(bias.index_select(0, ids).abs().min().item<double>() > 1e-4);  // a bias to miss
      QVERIFY2(maxDiff(s, v - bias.index_select(0, ids)) < 1e-5, name.c_str());
    } else {
      QVERIFY2(maxDiff(s, v) < 1e-5, name.c_str());
    }
    const auto named = soft->trainable();
    QCOMPARE(named.size(), std::size_t(1));
    const std::string expect = name == "gpt2-tiny"      ? "head.weight"
                               : name == "bert-tiny"    ? "head.predictions.decoder.weight"
                                                        : "head.decoder.weight";
    QCOMPARE(named[0].name, expect);
    QCOMPARE(named[0].leaf.sizes(), at::IntArrayRef({2, f.model->config().hidden}));
  }
  // A multi-token first word: the mean of its tokens' rows; later words are not used.
  Fixture f = fixture("bert-tiny");
  auto soft = makeTextHead("soft-verbalizer", f.backbone, twoClasses({{{2919, 2204}, {100}}, {{3000}}}));
  const at::Tensor& dec = f.model->lmDecoderWeight();
  at::Tensor w = soft->trainable()[0].leaf;
  QVERIFY(maxDiff(w[0], (dec[2919] + dec[2204]) / 2) < 1e-6);
  QVERIFY(maxDiff(w[1], dec[3000]) < 1e-6);
  QVERIFY(!w.is_alias_of(dec));
  // Refusals.
  std::string m = errorOf([&] { makeTextHead("soft-verbalizer", f.backbone, twoClasses({{{2919}}, {}})); });
  QVERIFY2(m.find("class 'positive' has no label word") != std::string::npos, m.c_str());
  m = errorOf([&] { makeTextHead("soft-verbalizer", f.backbone, twoClasses({{{2919}}, {{99999}}})); });
  QVERIFY2(m.find("outside the vocabulary") != std::string::npos, m.c_str());
}

void TestTextHeads::softVerbalizerTrainsOnlyItsLayer() {
  for (const std::string name : {"bert-tiny", "gpt2-tiny"}) {
    Fixture f = fixture(name);
    auto soft = makeTextHead("soft-verbalizer", f.backbone, twoClasses({{{2919}}, {{2204}}}));
    // The hidden states as a leaf stand for an adapted backbone: the gradient reaches them.
    TextEncoded enc = f.enc;
    enc.hidden = f.enc.hidden.detach().clone().requires_grad_(true);
    std::map<std::string, at::Tensor> outs;
    at::Tensor loss = soft->loss(*f.model, enc, f.batch, &outs, {});
    QVERIFY(outs.count("label_logits"));
    loss.backward();
    at::Tensor g = soft->trainable()[0].grad();
    QVERIFY(g.defined());
    QVERIFY(g.abs().sum().item<double>() > 0);
    QVERIFY(enc.hidden.grad().defined());
    for (const auto& p : f.model->parameters()) {
      QVERIFY(!p.requires_grad());
      QVERIFY(!p.grad().defined());
    }
    // One optimiser step on the head changes the scores.
    at::Tensor before = soft->classLogits(*f.model, f.enc, f.batch).detach();
    {
      at::NoGradGuard ng;
      soft->trainable()[0].leaf.sub_(g * 10.0);
    }
    QVERIFY(maxDiff(soft->classLogits(*f.model, f.enc, f.batch).detach(), before) > 1e-4);
  }
}

void TestTextHeads::knowledgeableStartsUniform() {
  Fixture f = fixture("bert-tiny");
  // No tokenizer: the words as given (3 and 2 per class, one of 2 tokens).
  const TextTaskSpec task = twoClasses({{{2919}, {6659, 2100}, {9643}}, {{2204}, {2307}}});
  auto head = makeTextHead("knowledgeable", f.backbone, task);
  auto* kpt = dynamic_cast<KnowledgeableHead*>(head.get());
  QVERIFY(kpt);
  QCOMPARE(kpt->words()[0].size(), std::size_t(3));
  QCOMPARE(kpt->words()[1].size(), std::size_t(2));
  const auto named = head->trainable();
  QCOMPARE(named.size(), std::size_t(1));
  QCOMPARE(named[0].name, std::string("label_words_weights"));
  QCOMPARE(named[0].leaf.sizes(), at::IntArrayRef({2, 3}));
  at::Tensor alpha = kpt->wordWeights();
  QVERIFY(maxDiff(alpha[0], at::full({3}, 1.0 / 3)) < 1e-7);
  QVERIFY(maxDiff(alpha[1], at::tensor(std::vector<float>{0.5f, 0.5f, 0.f})) < 1e-7);
  // Class score = mean over its words of log p, p = softmax over the 5 words' first-token logits.
  at::Tensor scores = head->classLogits(*f.model, f.enc, f.batch);
  at::NoGradGuard ng;
  at::Tensor h = hiddenAtMask(f.enc, f.batch);
  at::Tensor lp = at::log_softmax(
      f.model->lmLogits(h, at::tensor(std::vector<std::int64_t>{2919, 6659, 9643, 2204, 2307})), -1);
  at::Tensor expect = at::stack({lp.narrow(1, 0, 3).mean(1), lp.narrow(1, 3, 2).mean(1)}, 1);
  QVERIFY2(maxDiff(scores, expect) < 1e-5, std::to_string(maxDiff(scores, expect)).c_str());
  // The max_token_split option drops the 2-token word.
  TextTaskSpec split = task;
  split.kptMaxTokenSplit = 1;
  auto h1 = makeTextHead("knowledgeable", f.backbone, split);
  QCOMPARE(dynamic_cast<KnowledgeableHead*>(h1.get())->words()[0].size(), std::size_t(2));
  split.labelWordIds[1] = {{6659, 2100}};
  const std::string m = errorOf([&] { makeTextHead("knowledgeable", f.backbone, split); });
  QVERIFY2(m.find("no label word of at most 1 tokens") != std::string::npos, m.c_str());
}

void TestTextHeads::knowledgeableExpandsFromWordNet() {
  Fixture f = fixture("bert-tiny");
  TextTokenizer tok = TextTokenizer::fromFolder(data("vocab/bert-base-uncased"));
  f.backbone.tokenizer = &tok;
  TextTaskSpec task = twoClasses({{{tok.singleTokenId("bad")}}, {{tok.singleTokenId("good")}}});
  task.wordnetDir = data("wordnet");
  auto head = makeTextHead("knowledgeable", f.backbone, task);
  auto* kpt = dynamic_cast<KnowledgeableHead*>(head.get());
  const auto& words = kpt->words();
  QCOMPARE(words[0][0].text, std::string("bad"));
  QVERIFY(!words[0][0].expanded);
  QCOMPARE(words[1][0].text, std::string("good"));
  std::set<std::string> neg, pos;
  for (const auto& w : words[0]) neg.insert(w.text);
  for (const auto& w : words[1]) pos.insert(w.text);
  QVERIFY2(words[1].size() > 5 && words[0].size() > 5,
           (std::to_string(words[0].size()) + " " + std::to_string(words[1].size())).c_str());
  // Synonyms / similar-to satellites of good's and bad's senses in the excerpt.
  QVERIFY(pos.count("great") && pos.count("nifty") && pos.count("full"));
  QVERIFY(neg.count("terrible") && neg.count("awful") && neg.count("lousy"));
  // "uncool" scores as "un", already the token of an earlier word ("unspeakable"): left out.
  QVERIFY(!neg.count("uncool"));
  QVERIFY(!pos.count("not_bad") && !pos.count("not bad"));  // phrases are left out
  // No word in both classes; every scored token once.
  for (const auto& w : pos) QVERIFY2(!neg.count(w), w.c_str());
  std::set<std::int64_t> first;
  const at::Tensor ids = kpt->flatIds();
  for (std::int64_t i = 0; i < ids.size(0); ++i) QVERIFY(first.insert(ids[i].item<std::int64_t>()).second);
  for (const auto& ws : words)
    for (const auto& w : ws) QCOMPARE(tok.encode(w.text), w.ids);
  QCOMPARE(head->trainable()[0].leaf.size(1),
           static_cast<std::int64_t>(std::max(words[0].size(), words[1].size())));
  // max_token_split 1 keeps single-token words only.
  task.kptMaxTokenSplit = 1;
  auto single = makeTextHead("knowledgeable", f.backbone, task);
  for (const auto& ws : dynamic_cast<KnowledgeableHead*>(single.get())->words())
    for (const auto& w : ws) QCOMPARE(w.ids.size(), std::size_t(1));
  // GPT-2 spelling: the words carry the label words' leading space.
  Fixture g = fixture("gpt2-tiny");
  TextTokenizer bpe = TextTokenizer::fromFolder(data("vocab/gpt2"));
  g.backbone.tokenizer = &bpe;
  TextTaskSpec gt = twoClasses({{{bpe.singleTokenId(" bad")}}, {{bpe.singleTokenId(" good")}}});
  gt.wordnetDir = data("wordnet");
  auto gh = makeTextHead("knowledgeable", g.backbone, gt);
  for (const auto& ws : dynamic_cast<KnowledgeableHead*>(gh.get())->words())
    for (const auto& w : ws) QCOMPARE(bpe.encode(" " + w.text), w.ids);
  // No WordNet: the error says where it looked and what to install.
  task.wordnetDir = "/nonexistent/wordnet";
  const std::string m = errorOf([&] { makeTextHead("knowledgeable", f.backbone, task); });
  QVERIFY2(m.find("wordnet-base") != std::string::npos && m.find("wordnet_dir") != std::string::npos,
           m.c_str());
}

void TestTextHeads::knowledgeableRefinesWithThePrior() {
  Fixture f = fixture("bert-tiny");
  const TextTaskSpec task = twoClasses({{{2919}, {6659, 2100}, {9643}}, {{2204}, {2307}}});
  auto head = makeTextHead("knowledgeable", f.backbone, task);
  auto* kpt = dynamic_cast<KnowledgeableHead*>(head.get());
  QVERIFY(headUsesPrior(*head));
  QVERIFY(!headUsesPrior(*makeTextHead("verbalizer", f.backbone, task)));
  // A prior where 2100 (second token of the 2-token word) and 2307 are among the lowest half.
  const std::int64_t v = f.model->config().vocabSize;
  at::Tensor prior = at::linspace(0, 1, v);
  prior[2100] = -5;
  prior[2307] = -5;
  prior[2919] = 2;
  prior[9643] = 3;
  prior[2204] = 4;
  kpt->refine(prior);
  QVERIFY(kpt->refined());
  QCOMPARE(kpt->words()[0].size(), std::size_t(2));  // 6659 2100 dropped
  QCOMPARE(kpt->words()[1].size(), std::size_t(1));  // 2307 dropped
  QCOMPARE(kpt->words()[0][1].ids, std::vector<int>{9643});
  QCOMPARE(head->trainable()[0].leaf.sizes(), at::IntArrayRef({2, 2}));
  // Calibrated: p / prior(p), renormalised; the prior over the kept words is softmax(2, 3, 4).
  at::Tensor scores = head->classLogits(*f.model, f.enc, f.batch);
  {
    at::NoGradGuard ng;
    at::Tensor h = hiddenAtMask(f.enc, f.batch);
    at::Tensor p = at::softmax(
        f.model->lmLogits(h, at::tensor(std::vector<std::int64_t>{2919, 9643, 2204})), -1);
    at::Tensor q = at::softmax(at::tensor(std::vector<float>{2, 3, 4}), -1);
    p = p / q;
    p = p / p.sum(-1, true);
    at::Tensor lp = at::log(p);
    at::Tensor expect = at::stack({lp.narrow(1, 0, 2).mean(1), lp.select(1, 2)}, 1);
    QVERIFY2(maxDiff(scores, expect) < 1e-5, std::to_string(maxDiff(scores, expect)).c_str());
  }
  // Learned weights move the scores; a class whose words all fall keeps its best one.
  scores.sum().backward();
  QVERIFY(head->trainable()[0].grad().defined());
  at::Tensor all = at::full({v}, 0.0);
  all[2204] = -1;
  all[2307] = -2;
  TextTaskSpec nc = task;
  nc.kptCalibrate = false;
  nc.kptCandidateFrac = 0.9;
  auto h2 = makeTextHead("knowledgeable", f.backbone, nc);
  auto* k2 = dynamic_cast<KnowledgeableHead*>(h2.get());
  k2->refine(all);
  QCOMPARE(k2->words()[1].size(), std::size_t(1));
  QCOMPARE(k2->words()[1][0].ids, std::vector<int>{2204});
  // refineTextHead: the prior is the mean full-vocabulary logits at the mask of the inputs.
  PlainMethod method;
  TextTaskSpec t3 = task;
  t3.head = "knowledgeable";
  t3.kptCandidateFrac = 0.0;  // nothing removed: only the calibration changes the scores
  method.setup(f.backbone, t3);
  at::Tensor uncal = method.classLogits(method.encode(f.batch, false), f.batch).detach();
  refineTextHead(method, {f.batch});
  auto& mk = dynamic_cast<KnowledgeableHead&>(method.head());
  QVERIFY(mk.refined());
  QCOMPARE(mk.words()[0].size(), std::size_t(3));
  at::Tensor cal = method.classLogits(method.encode(f.batch, false), f.batch).detach();
  {
    at::NoGradGuard ng;
    at::Tensor mean = f.model->lmLogits(hiddenAtMask(f.enc, f.batch)).mean(0);
    TextTaskSpec t4 = t3;
    auto ref = makeTextHead("knowledgeable", f.backbone, t4);
    refineHeadWithPrior(*ref, mean);
    QVERIFY(maxDiff(cal, ref->classLogits(*f.model, f.enc, f.batch)) < 1e-5);
    QVERIFY(maxDiff(cal, uncal) > 1e-4);
  }
  const std::string m = errorOf([&] { kpt->refine(at::zeros({100})); });
  QVERIFY2(m.find("beyond them") != std::string::npos, m.c_str());
}

void TestTextHeads::mlpHeadShapesAndNames() {
  Fixture f = fixture("bert-tiny");
  const std::int64_t d = f.model->config().hidden;
  TextTaskSpec task = twoClasses({});
  task.classNames = {"a", "b", "c"};
  auto head = makeTextHead("mlp", f.backbone, task);  // mlpLayers = 2 by default
  const auto named = head->trainable();
  std::vector<std::string> names;
  for (const auto& n : named) names.push_back(n.name);
  const std::vector<std::string> expect{
      "head.projection.0.weight", "head.projection.0.bias",      "head.projection.2.weight",
      "head.projection.2.bias",   "head.projection.2.running_mean", "head.projection.2.running_var",
      "head.projection.4.weight", "head.projection.4.bias",      "head.projection.6.weight",
      "head.projection.6.bias",   "head.projection.6.running_mean", "head.projection.6.running_var",
      "head.last_layer.weight",   "head.last_layer.bias"};
  QCOMPARE(names, expect);
  QCOMPARE(named[0].leaf.sizes(), at::IntArrayRef({d, d}));
  QCOMPARE(named[2].leaf.sizes(), at::IntArrayRef({d}));
  QCOMPARE(named[12].leaf.sizes(), at::IntArrayRef({3, d}));
  QVERIFY(named[0].leaf.requires_grad() && !named[4].leaf.requires_grad());
  // VPT's init: kaiming fan_out weights, constant last bias -log(99), BatchNorm identity.
  QVERIFY(std::abs(named[0].leaf.std().item<double>() - std::sqrt(2.0 / double(d))) < 0.05);
  QVERIFY(maxDiff(named[13].leaf, at::full({3}, -std::log(99.0))) < 1e-6);
  QVERIFY(maxDiff(named[2].leaf, at::ones({d})) == 0 && maxDiff(named[5].leaf, at::ones({d})) == 0);
  at::Tensor logits = head->classLogits(*f.model, f.enc, f.batch);
  QCOMPARE(logits.sizes(), at::IntArrayRef({4, 3}));
  // k = 0: the linear head; k < 0 refused.
  task.mlpLayers = 0;
  QCOMPARE(makeTextHead("mlp", f.backbone, task)->trainable().size(), std::size_t(2));
  task.mlpLayers = -1;
  const std::string m = errorOf([&] { makeTextHead("mlp", f.backbone, task); });
  QVERIFY2(m.find("mlp_layers") != std::string::npos, m.c_str());
  // Gradients reach the head's parameters, not the buffers nor the frozen model.
  task.mlpLayers = 1;
  auto h1 = makeTextHead("mlp", f.backbone, task);
  h1->setTraining(true);
  h1->loss(*f.model, f.enc, f.batch, nullptr, {}).backward();
  for (const auto& n : h1->trainable()) {
    const bool buffer = n.name.find("running_") != std::string::npos;
    QVERIFY2(buffer != n.grad().defined(), n.name.c_str());
  }
  for (const auto& p : f.model->parameters()) QVERIFY(!p.grad().defined());
}

void TestTextHeads::mlpHeadTrainAndEval() {
  Fixture f = fixture("bert-tiny");
  TextTaskSpec task = twoClasses({});
  auto head = makeTextHead("mlp", f.backbone, task);
  const auto named = head->trainable();
  at::NoGradGuard ng;
  // Eval: deterministic, running statistics untouched.
  head->setTraining(false);
  at::Tensor e1 = head->classLogits(*f.model, f.enc, f.batch);
  at::Tensor e2 = head->classLogits(*f.model, f.enc, f.batch);
  QVERIFY(at::equal(e1, e2));
  QVERIFY(at::equal(named[4].leaf, at::zeros_like(named[4].leaf)));
  // Train: dropout (0.1) differs from call to call and from eval; BatchNorm updates its stats.
  head->setTraining(true);
  at::manual_seed(1);
  at::Tensor t1 = head->classLogits(*f.model, f.enc, f.batch);
  at::Tensor t2 = head->classLogits(*f.model, f.enc, f.batch);
  QVERIFY(maxDiff(t1, t2) > 1e-6);
  QVERIFY(maxDiff(t1, e1) > 1e-6);
  QVERIFY(named[4].leaf.abs().sum().item<double>() > 0);
  // A training batch of one row (BatchNorm's batch statistics undefined) uses the running ones.
  TextBatch one = f.batch;
  TextEncoded enc1 = f.enc;
  one.inputIds = f.batch.inputIds.narrow(0, 0, 1);
  one.attentionMask = f.batch.attentionMask.narrow(0, 0, 1);
  enc1.hidden = f.enc.hidden.narrow(0, 0, 1);
  at::Tensor before = named[4].leaf.clone();
  at::Tensor r = head->classLogits(*f.model, enc1, one);
  QVERIFY(at::isfinite(r).all().item<bool>());
  QVERIFY(at::equal(before, named[4].leaf));
  // Back in eval: the running statistics now shape the output.
  head->setTraining(false);
  QVERIFY(maxDiff(head->classLogits(*f.model, f.enc, f.batch), e1) > 1e-6);
}

void TestTextHeads::mlpHeadReadsTheLastRealTokenOfGpt2() {
  Fixture f = fixture("gpt2-tiny");
  TextTaskSpec task = twoClasses({});
  auto head = makeTextHead("mlp", f.backbone, task);
  at::NoGradGuard ng;
  head->setTraining(false);
  at::Tensor all = head->classLogits(*f.model, f.enc, f.batch);
  // Row 1 has 5 real tokens: the same as that row alone, unpadded (causal: padding after it
  // does not change the earlier positions), and not the score of its last (padding) position.
  TextBatch b;
  b.inputIds = f.batch.inputIds.narrow(0, 1, 1).narrow(1, 0, 5);
  b.attentionMask = at::ones({1, 5}, at::kLong);
  pd::models::TextInputs in;
  in.inputIds = b.inputIds;
  TextEncoded e;
  e.hidden = f.model->hiddenStates(in);
  at::Tensor alone = head->classLogits(*f.model, e, b);
  QVERIFY2(maxDiff(all[1], alone[0]) < 1e-5, std::to_string(maxDiff(all[1], alone[0])).c_str());
  TextBatch noMask = f.batch;
  noMask.attentionMask = at::Tensor();
  QVERIFY(maxDiff(head->classLogits(*f.model, f.enc, noMask)[1], all[1]) > 1e-6);
  QVERIFY(maxDiff(head->classLogits(*f.model, f.enc, noMask)[0], all[0]) < 1e-6);
}

QTEST_GUILESS_MAIN(TestTextHeads)
#include "test_text_heads.moc"
