// The fine-tuning baselines on the tiny text fixtures (methods/finetune, adapter, bitfit): which
// backbone tensors each method trains (names = the checkpoint's HF keys, read here from
// model.safetensors itself), that after one backward exactly those module tensors have gradients
// and nothing else does, the trained-parameter counts, the linear head's features (first token;
// GPT-2: the last real token), the option/head errors, and that adapters set to the identity
// leave the model unchanged and are removed with their method.
#include "io/safetensors.h"
#include "methods/common/method.h"
#include "methods/text_common/text_head.h"
#include "methods/text_common/text_method.h"
#include "models/text_lm.h"

#include <QtTest/QtTest>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "promptdesk/error.h"

using namespace pd::methods;
using nlohmann::json;

namespace {

std::string modelDir(const std::string& m) {
  return std::string(PD_TEST_DATA) + "/text/models/" + m;
}

// The checkpoint's own keys and shapes.
std::map<std::string, std::int64_t> checkpointNumel(const std::string& m) {
  std::map<std::string, std::int64_t> out;
  for (const auto& [k, v] : pd::io::readSafetensors(modelDir(m) + "/model.safetensors").tensors)
    out[k] = v.numel();
  return out;
}

struct Setup {
  std::shared_ptr<pd::models::TextLM> model;
  std::unique_ptr<TextMethod> method;
};

Setup make(const std::string& modelName, const std::string& method, const json& options,
           const std::string& head = "") {
  Setup s;
  s.model = pd::models::loadTextModel(modelDir(modelName));
  s.method = methodEntry(method).makeText(options);
  TextBackbone b;
  b.model = s.model;
  TextTaskSpec task;
  task.classNames = {"a", "b", "c"};
  task.labelWordIds = {{{101}}, {{202}}, {{303}}};
  task.head = head;
  task.seed = 3;
  s.method->setup(b, task);
  return s;
}

// Three rows, right-padded to 9 (lengths 9, 6, 4), mask / prediction position inside each.
TextBatch batch(const pd::models::TextLM& m) {
  TextBatch tb;
  const std::int64_t n = 3, t = 9;
  const std::int64_t pad = m.config().padTokenId >= 0 ? m.config().padTokenId : 0;
  at::Tensor ids = at::arange(n * t, at::kLong).view({n, t}) * 37 % 900 + 10;
  at::Tensor mask = at::zeros({n, t}, at::kLong);
  const std::vector<std::int64_t> lengths{9, 6, 4};
  for (std::int64_t r = 0; r < n; ++r) mask[r].narrow(0, 0, lengths[r]).fill_(1);
  tb.inputIds = at::where(mask.to(at::kBool), ids, at::full_like(ids, pad));
  tb.attentionMask = mask;
  if (m.config().causal) tb.maskPos = at::tensor({8, 5, 3}, at::kLong);
  else tb.maskPos = at::tensor({2, 4, 1}, at::kLong);
  tb.labels = at::tensor({0, 2, 1}, at::kLong);
  return tb;
}

std::set<std::string> namesOf(const std::vector<NamedTensor>& named) {
  std::set<std::string> out;
  for (const auto& n : named) out.insert(n.name);
  return out;
}

// One forward + backward; then every module parameter has a gradient iff it is the leaf of a
// trained tensor; returns the number of trained leaves whose gradient is non-zero somewhere.
int backwardAndCheckLeaves(Setup& s, std::vector<NamedTensor>& named) {
  TextBatch tb = batch(*s.model);
  TextEncoded enc = s.method->encode(tb, false);
  at::Tensor loss = s.method->loss(enc, tb);
  loss.backward();
  std::set<const void*> leaves;
  for (const auto& n : named) leaves.insert(n.leaf.unsafeGetTensorImpl());
  for (const auto& p : s.model->named_parameters(true)) {
    const bool trained = leaves.count(p.value().unsafeGetTensorImpl()) > 0;
    const bool hasGrad = p.value().grad().defined();
    if (trained != hasGrad)
      qWarning("%s: trained %d, gradient %d", p.key().c_str(), int(trained), int(hasGrad));
    if (trained != hasGrad) return -1;
  }
  int nonzero = 0;
  for (const auto& n : named)
    if (n.grad().defined() && n.grad().abs().sum().item<double>() > 0) ++nonzero;
  return nonzero;
}

}  // namespace

class TestTextFinetune : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void partialK_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("k");
    for (const char* m : {"bert-tiny", "roberta-tiny", "gpt2-tiny"})
      for (int k : {1, 2}) QTest::newRow((std::string(m) + " k" + std::to_string(k)).c_str())
                               << QString(m) << k;
  }
  void partialK() {
    QFETCH(QString, model);
    QFETCH(int, k);
    const std::string m = model.toStdString();
    Setup s = make(m, "partial-k", json{{"k", k}});
    const std::int64_t layers = s.model->config().layers;
    // Expected: every checkpoint key of the last k layers, plus GPT-2's final norm.
    std::set<std::string> expected;
    std::int64_t expectedCount = 0;
    for (const auto& [key, numel] : checkpointNumel(m)) {
      bool take = key.rfind("transformer.ln_f.", 0) == 0;
      for (std::int64_t i = layers - k; i < layers; ++i)
        for (const std::string p : {".encoder.layer.", "transformer.h."})
          if (key.find(p + std::to_string(i) + ".") != std::string::npos) take = true;
      if (take) expected.insert(key), expectedCount += numel;
    }
    QVERIFY(!expected.empty());
    std::vector<NamedTensor> named = s.method->trainable();
    QCOMPARE(namesOf(named), expected);  // the verbalizer head adds nothing
    QCOMPARE(countTrainable(named, *s.model).trained, expectedCount);
    QVERIFY(countTrainable(named, *s.model).trained < s.model->parameterCount());
    const int nonzero = backwardAndCheckLeaves(s, named);
    QVERIFY2(nonzero > 0, "gradients on other tensors than the last k layers");
    QCOMPARE(s.method->head().kind(), std::string("verbalizer"));
  }

  void partialKErrors() {
    try {
      make("bert-tiny", "partial-k", json{{"k", 3}});
      QFAIL("k 3 on a 2-layer model was accepted");
    } catch (const pd::Error& e) {
      QCOMPARE(e.context(), std::string("k"));
      QVERIFY(std::string(e.what()).find("2 layers") != std::string::npos);
    }
  }

  void full_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("method");
    for (const char* m : {"bert-tiny", "roberta-tiny", "gpt2-tiny"})
      for (const char* me : {"full", "lm-bff"})
        QTest::newRow((std::string(m) + " " + me).c_str()) << QString(m) << QString(me);
  }
  void full() {
    QFETCH(QString, model);
    QFETCH(QString, method);
    const std::string m = model.toStdString();
    Setup s = make(m, method.toStdString(), json::object());
    std::set<std::string> expected;
    std::int64_t expectedCount = 0;
    for (const auto& [key, numel] : checkpointNumel(m)) expected.insert(key), expectedCount += numel;
    std::vector<NamedTensor> named = s.method->trainable();
    QCOMPARE(namesOf(named), expected);
    QCOMPARE(countTrainable(named, *s.model).trained, expectedCount);
    QCOMPARE(countTrainable(named, *s.model).trained, s.model->parameterCount());
    QVERIFY(backwardAndCheckLeaves(s, named) > 0);
    for (const auto& p : s.model->parameters()) QVERIFY(p.grad().defined());
    QCOMPARE(s.method->trainOptions().lr, 1e-5);  // LM-BFF's learning rate
  }

  void lmBffNeedsTheVerbalizer() {
    try {
      make("roberta-tiny", "lm-bff", json::object(), "classifier");
      QFAIL("lm-bff with the classifier head was accepted");
    } catch (const pd::Error& e) {
      QCOMPARE(e.context(), std::string("head"));
    }
    // full takes it: standard fine-tuning with the classifier head.
    Setup s = make("roberta-tiny", "full", json::object(), "classifier");
    QCOMPARE(s.method->head().kind(), std::string("classifier"));
  }

  void linear_data() {
    QTest::addColumn<QString>("model");
    for (const char* m : {"bert-tiny", "roberta-tiny", "gpt2-tiny"}) QTest::newRow(m) << QString(m);
  }
  void linear() {
    QFETCH(QString, model);
    const std::string m = model.toStdString();
    Setup s = make(m, "linear", json::object());
    const bool causal = s.model->config().causal;
    const std::int64_t d = s.model->config().hidden;
    std::vector<NamedTensor> named = s.method->trainable();
    const std::set<std::string> expected =
        causal ? std::set<std::string>{"score.weight"}
               : std::set<std::string>{"classifier.weight", "classifier.bias"};
    QCOMPARE(namesOf(named), expected);
    QCOMPARE(countTrainable(named, *s.model).trained, 3 * d + (causal ? 0 : 3));
    QCOMPARE(s.method->head().kind(), std::string("linear"));
    QCOMPARE(backwardAndCheckLeaves(s, named), static_cast<int>(expected.size()));
    for (const auto& p : s.model->parameters()) QVERIFY(!p.grad().defined());
    // The features: the first token, or the last real token of each row for GPT-2.
    TextBatch tb = batch(*s.model);
    at::NoGradGuard ng;
    TextEncoded enc = s.method->encode(tb, false);
    at::Tensor logits = s.method->classLogits(enc, tb);
    at::Tensor w, bias;
    for (const auto& n : named) (n.name == "classifier.bias" ? bias : w) = n.value();
    const std::vector<std::int64_t> pos =
        causal ? std::vector<std::int64_t>{8, 5, 3} : std::vector<std::int64_t>{0, 0, 0};
    for (std::int64_t r = 0; r < 3; ++r) {
      at::Tensor expect = at::matmul(w, enc.hidden[r][pos[r]]);
      if (bias.defined()) expect = expect + bias;
      QVERIFY2((logits[r] - expect).abs().max().item<double>() < 1e-6, "linear head features");
    }
  }

  void linearRefusesTheVerbalizer() {
    try {
      make("bert-tiny", "linear", json::object(), "verbalizer");
      QFAIL("linear with nothing to train was accepted");
    } catch (const pd::Error& e) {
      QCOMPARE(e.context(), std::string("head"));
    }
  }

  void bitfit_data() {
    QTest::addColumn<QString>("model");
    for (const char* m : {"bert-tiny", "roberta-tiny", "gpt2-tiny"}) QTest::newRow(m) << QString(m);
  }
  void bitfit() {
    QFETCH(QString, model);
    const std::string m = model.toStdString();
    Setup s = make(m, "bitfit", json::object());
    std::set<std::string> expected;
    std::int64_t expectedCount = 0;
    for (const auto& [key, numel] : checkpointNumel(m))
      if (key.find("bias") != std::string::npos) expected.insert(key), expectedCount += numel;
    std::vector<NamedTensor> named = s.method->trainable();
    QCOMPARE(namesOf(named), expected);
    QCOMPARE(countTrainable(named, *s.model).trained, expectedCount);
    QVERIFY(backwardAndCheckLeaves(s, named) > 0);
    // No weight matrix has a gradient (BERT's query/key/value biases are rows of in_proj_bias,
    // whose in_proj_weight stays frozen).
    for (const auto& p : s.model->named_parameters(true))
      if (p.key().find("weight") != std::string::npos &&
          p.key().find("ln") == std::string::npos)
        QVERIFY2(!p.value().grad().defined(), p.key().c_str());
  }

  void adapterIdentityAndRemoval_data() {
    QTest::addColumn<QString>("model");
    for (const char* m : {"bert-tiny", "gpt2-tiny"}) QTest::newRow(m) << QString(m);
  }
  void adapterIdentityAndRemoval() {
    QFETCH(QString, model);
    const std::string m = model.toStdString();
    auto plainModel = pd::models::loadTextModel(modelDir(m));
    TextBatch tb = batch(*plainModel);
    pd::models::TextInputs in;
    in.inputIds = tb.inputIds;
    in.attentionMask = tb.attentionMask;
    at::Tensor plain;
    {
      at::NoGradGuard ng;
      plain = plainModel->hiddenStates(in);
    }
    Setup s = make(m, "adapter", json{{"bottleneck_m", 5}, {"init_std", 0.0}});
    std::vector<NamedTensor> named = s.method->trainable();
    const std::int64_t layers = s.model->config().layers, d = s.model->config().hidden;
    std::int64_t lnCount = 0;
    for (const auto& [key, numel] : checkpointNumel(m))
      if (key.find("LayerNorm") != std::string::npos || key.find(".ln_") != std::string::npos)
        lnCount += numel;
    QCOMPARE(countTrainable(named, *s.model).trained, layers * 2 * (2 * 5 * d + 5 + d) + lnCount);
    const std::string first = m == "gpt2-tiny" ? "transformer.h.0.attn.adapter.down.weight"
                                               : "bert.encoder.layer.0.attention.output.adapter.down.weight";
    QVERIFY(namesOf(named).count(first));
    {
      at::NoGradGuard ng;
      TextEncoded enc = s.method->encode(tb, false);
      // Zero weights and biases: each adapter is exactly the identity.
      QVERIFY((enc.hidden - plain).abs().max().item<double>() == 0.0);
    }
    QVERIFY(backwardAndCheckLeaves(s, named) > 0);
    // The adapters' own tensors got gradients too (they are not module parameters).
    for (const auto& n : named)
      if (n.name.find(".adapter.") != std::string::npos) QVERIFY(n.grad().defined());
    // A second adapter method on the same model is refused while the first one lives.
    {
      auto second = methodEntry("adapter").makeText(json::object());
      TextBackbone b;
      b.model = s.model;
      TextTaskSpec task;
      task.classNames = {"a", "b"};
      task.labelWordIds = {{{101}}, {{202}}};
      QVERIFY_THROWS_EXCEPTION(pd::Error, second->setup(b, task));
    }
    // Once the method is gone the blocks carry no adapter: the model is the plain one again.
    auto kept = s.model;
    s.method.reset();
    for (const auto& mod : kept->modules())
      if (auto* blk = dynamic_cast<pd::models::ResidualAttentionBlockImpl*>(mod.get()))
        QVERIFY(!blk->attnOutputAdapter && !blk->mlpOutputAdapter);
    at::NoGradGuard ng;
    QVERIFY((kept->hiddenStates(in) - plain).abs().max().item<double>() == 0.0);
  }
};

QTEST_GUILESS_MAIN(TestTextFinetune)
#include "test_text_finetune.moc"
