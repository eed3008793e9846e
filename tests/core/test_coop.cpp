// CoOp / CoCoOp: golden gradient parity (reference and fast), fast == reference loss curve, CSC /
// middle / front / CoCoOp against a direct autograd computation, learning, resume, artifacts.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/autograd.h>

#include "io/safetensors.h"
#include "methods/coop/coop_trainer.h"
#include "methods/prompt_artifact.h"
#include "models/clip/clip_model.h"
#include "promptdesk/coop.h"
#include "promptdesk/error.h"

#include <QtTest/QtTest>

using namespace pd::methods;

namespace {
const std::string kDir = std::string(PD_TEST_DATA) + "/clip-tiny-vit/";

double maxDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kFloat) - b.to(at::kFloat)).abs().max().item<double>();
}

// Independent formula: build each class's full 77-token prompt by hand, run the plain encoder.
at::Tensor directText(pd::models::ClipModel& m, const at::Tensor& tokens, int nCtx,
                      const at::Tensor& ctx, pd::ClassTokenPosition pos) {
  auto emb = at::embedding(m.tokenEmbedding(), tokens);
  auto eot = tokens.argmax(-1);
  std::vector<at::Tensor> rows;
  for (int64_t c = 0; c < tokens.size(0); ++c) {
    auto ci = ctx.dim() == 3 ? ctx[c] : ctx;
    const int64_t nameLen = eot[c].item<int64_t>() - nCtx - 2;
    auto sos = emb[c].narrow(0, 0, 1);
    auto name = emb[c].narrow(0, 1 + nCtx, nameLen);
    auto rest = emb[c].narrow(0, 1 + nCtx + nameLen, 77 - 1 - nCtx - nameLen);
    at::Tensor row;
    if (pos == pd::ClassTokenPosition::End)
      row = at::cat({sos, ci, name, rest});
    else if (pos == pd::ClassTokenPosition::Front)
      row = at::cat({sos, name, ci, rest});
    else {
      const int h = nCtx / 2;
      row = at::cat({sos, ci.narrow(0, 0, h), name, ci.narrow(0, h, nCtx - h), rest});
    }
    rows.push_back(row);
  }
  return m.encode_text_embeddings(at::stack(rows), eot, false);
}

at::Tensor directLogits(const at::Tensor& ls, const at::Tensor& im, const at::Tensor& tx) {
  auto a = im / im.norm(2, -1, true);
  auto b = tx / tx.norm(2, -1, true);
  return ls.exp() * at::matmul(a, b.t());
}
}  // namespace

class TestCoop : public QObject {
  Q_OBJECT
  std::shared_ptr<pd::models::ClipModel> model_;
  pd::io::StateDict golden_;

 private Q_SLOTS:
  void initTestCase() {
    at::set_num_threads(2);
    model_ = pd::models::loadClipModel(kDir + "model.safetensors");
    golden_ = pd::io::readSafetensors(kDir + "golden.safetensors");
  }

  void textModuleMatchesGolden() {
    auto imf = model_->encode_image(golden_.at("images"), 0);
    QVERIFY2(maxDiff(imf, golden_.at("image_features")) < 1e-4, "image features");
    auto tok = golden_.at("text_tokens");
    auto txt = model_->encode_text_embeddings(at::embedding(model_->tokenEmbedding(), tok),
                                              tok.argmax(-1), false);
    QVERIFY2(maxDiff(txt, golden_.at("text_features")) < 1e-4, "text features");
    auto txt2 = model_->encode_text_embeddings(at::embedding(model_->tokenEmbedding(), tok),
                                               tok.argmax(-1), true);
    QVERIFY2(maxDiff(txt2, golden_.at("text_features")) < 1e-4, "truncated text features");
  }

  // The shared-prefix pass equals the plain pass on the concatenated rows, values and gradients,
  // at shapes no fixture uses (3 groups, 4 suffixes, prefix 5, suffix 6, EOTs anywhere in it).
  void sharedPrefixEqualsFullRows() {
    at::manual_seed(5);
    const int64_t g = 3, c = 4, p = 5, s = 6, d = model_->textWidth();
    auto prefix = (at::randn({g, p, d}) * 0.1).set_requires_grad(true);
    auto suffix = at::randn({g, c, s, d}) * 0.1;
    auto eot = at::randint(p, p + s, {g, c}, at::kLong);
    auto shared = model_->encode_text_shared_prefix(prefix, suffix, eot);
    QCOMPARE(shared.sizes().vec(), (std::vector<int64_t>{g, c, model_->embedDim()}));
    auto full =
        at::cat({prefix.unsqueeze(1).expand({g, c, p, d}), suffix}, 2).reshape({g * c, p + s, d});
    auto plain = model_->encode_text_embeddings(full, eot.reshape({g * c}), false).view({g, c, -1});
    QVERIFY2(maxDiff(shared, plain) < 1e-5,
             qPrintable(QString("diff %1").arg(maxDiff(shared, plain))));
    auto w = at::randn(shared.sizes());
    auto g1 = torch::autograd::grad({(shared * w).sum()}, {prefix})[0];
    auto g2 = torch::autograd::grad({(plain * w).sum()}, {prefix})[0];
    const double rel = maxDiff(g1, g2) / g2.abs().max().item<double>();
    QVERIFY2(rel < 1e-5, qPrintable(QString("grad diff %1 of the largest").arg(rel)));
    QVERIFY_EXCEPTION_THROWN(model_->encode_text_shared_prefix(prefix, suffix, eot - p), pd::Error);
    QVERIFY_EXCEPTION_THROWN(
        model_->encode_text_shared_prefix(prefix, suffix.narrow(0, 0, 2), eot), pd::Error);
  }

  void goldenGradientParity_data() {
    QTest::addColumn<bool>("reference");
    QTest::newRow("reference") << true;
    QTest::newRow("fast") << false;
  }
  void goldenGradientParity() {
    QFETCH(bool, reference);
    CoopSpec spec;
    spec.referenceMode = reference;
    CoopTrainer tr(*model_, {golden_.at("coop_prompt_tokens"), 4}, spec, golden_.at("coop_ctx"));
    auto imf =
        reference ? model_->encode_image(golden_.at("images"), 0) : golden_.at("image_features");
    auto lg = tr.logits(imf, !reference);
    QVERIFY2(maxDiff(lg, golden_.at("coop_logits")) < 1e-3, "coop logits");
    auto loss = at::cross_entropy_loss(lg, golden_.at("coop_labels"));
    QVERIFY(std::abs(loss.item<double>() - golden_.at("coop_loss").item<double>()) < 1e-4);
    auto g = torch::autograd::grad({loss}, {tr.ctx()})[0];
    const double d = maxDiff(g, golden_.at("coop_ctx_grad"));
    QVERIFY2(d < 1e-4, qPrintable(QString("ctx grad max diff %1").arg(d)));
  }

  void fastEqualsReferenceLossCurve() {
    at::manual_seed(7);
    const int64_t n = 24;
    CoopData data;
    data.images = at::randn({n, 3, 32, 32});
    data.labels = at::arange(n, at::kLong).remainder(5);
    data.features = model_->encode_image(data.images, 0).unsqueeze(1);
    CoopSpec spec;
    spec.batchSize = 8;
    spec.epochs = 7;  // 3 steps per epoch: 21 steps
    spec.augment = false;
    spec.lr = 0.5;
    spec.warmupEpochs = 0;
    auto prompts = ClassPrompts{golden_.at("coop_prompt_tokens"), 4};
    spec.referenceMode = true;
    CoopTrainer ref(*model_, prompts, spec);
    spec.referenceMode = false;
    CoopTrainer fast(*model_, prompts, spec);
    for (int e = 0; e < 7; ++e) {
      ref.runEpoch(data, nullptr);
      fast.runEpoch(data, nullptr);
    }
    QCOMPARE(ref.losses().size(), size_t(21));
    for (size_t i = 0; i < 21; ++i)
      QVERIFY2(std::abs(ref.losses()[i] - fast.losses()[i]) <= 1e-4,
               qPrintable(
                   QString("step %1: %2 vs %3").arg(i).arg(ref.losses()[i]).arg(fast.losses()[i])));
    QVERIFY(std::abs(ref.losses().front() - ref.losses().back()) > 1e-3);  // it did move
  }

  void variantsMatchDirectAutograd_data() {
    QTest::addColumn<bool>("csc");
    QTest::addColumn<QString>("position");
    QTest::newRow("csc-end") << true << "end";
    QTest::newRow("middle") << false << "middle";
    QTest::newRow("front") << false << "front";
    QTest::newRow("csc-middle") << true << "middle";
  }
  void variantsMatchDirectAutograd() {
    QFETCH(bool, csc);
    QFETCH(QString, position);
    CoopSpec spec;
    spec.csc = csc;
    spec.position = pd::parseClassTokenPosition(position.toStdString());
    auto tokens = golden_.at("coop_prompt_tokens");
    auto imf = golden_.at("image_features"), labels = golden_.at("coop_labels");
    for (bool fast : {false, true}) {
      spec.referenceMode = !fast;
      CoopTrainer tr(*model_, {tokens, 4}, spec);
      auto loss = at::cross_entropy_loss(tr.logits(imf, fast), labels);
      auto g = torch::autograd::grad({loss}, {tr.ctx()})[0];
      auto ctx = tr.ctx().detach().clone().set_requires_grad(true);
      auto loss2 = at::cross_entropy_loss(
          directLogits(model_->logitScale(), imf, directText(*model_, tokens, 4, ctx, spec.position)),
          labels);
      auto g2 = torch::autograd::grad({loss2}, {ctx})[0];
      QVERIFY(std::abs(loss.item<double>() - loss2.item<double>()) < 1e-5);
      QVERIFY2(maxDiff(g, g2) < 1e-5,
               qPrintable(QString("fast=%1 grad diff %2 (max abs grad %3)").arg(fast).arg(maxDiff(g, g2)).arg(g.abs().max().item<double>())));
      QVERIFY(g.abs().sum().item<double>() > 0);
    }
  }

  void cocoopMatchesPerImageLoop() {
    CoopSpec spec;
    spec.conditional = true;
    auto tokens = golden_.at("coop_prompt_tokens");
    auto imf = golden_.at("image_features"), labels = golden_.at("coop_labels");
    CoopTrainer tr(*model_, {tokens, 4}, spec, golden_.at("coop_ctx"));
    auto params = tr.parameters();
    QCOMPARE(params.size(), size_t(5));
    auto loss = at::cross_entropy_loss(tr.logits(imf, true), labels);
    auto g = torch::autograd::grad({loss}, params);
    // Direct: one image at a time, ctx_i = ctx + meta(normalised image), classic CoCoOp loop.
    std::vector<at::Tensor> p2;
    for (auto& p : params) p2.push_back(p.detach().clone().set_requires_grad(true));
    std::vector<at::Tensor> rows;
    for (int64_t i = 0; i < imf.size(0); ++i) {
      auto im = imf[i] / imf[i].norm();
      auto bias = at::linear(at::relu(at::linear(im, p2[1], p2[2])), p2[3], p2[4]);
      auto txt = directText(*model_, tokens, 4, p2[0] + bias, pd::ClassTokenPosition::End);
      rows.push_back(directLogits(model_->logitScale(), imf[i].unsqueeze(0), txt).squeeze(0));
    }
    auto loss2 = at::cross_entropy_loss(at::stack(rows), labels);
    auto g2 = torch::autograd::grad({loss2}, p2);
    QVERIFY(std::abs(loss.item<double>() - loss2.item<double>()) < 1e-5);
    for (size_t i = 0; i < g.size(); ++i)
      QVERIFY2(maxDiff(g[i], g2[i]) < 1e-5, qPrintable(QString("param %1").arg(i)));
    // Reference mode (per-image loop) gives the same loss.
    auto lossRef = at::cross_entropy_loss(tr.logits(imf, false), labels);
    QVERIFY(std::abs(loss.item<double>() - lossRef.item<double>()) < 1e-5);
  }

  void learnsSeparableProblem() {
    // Teacher: image features = each class's text features under a hidden context, plus noise
    // scaled to the class separation. The student starts from its own random context.
    auto tokens = golden_.at("coop_prompt_tokens");
    at::manual_seed(3);
    auto teacherCtx = at::randn({4, 16}) * 0.02;  // the scale of CoOp's N(0, 0.02) init
    at::Tensor txt;
    {
      at::NoGradGuard ng;
      txt = directText(*model_, tokens, 4, teacherCtx, pd::ClassTokenPosition::End);
      txt = txt / txt.norm(2, -1, true);
    }
    auto dist = at::cdist(txt, txt) + at::eye(5) * 10;
    const double sep = dist.min().item<double>();
    const int64_t perClass = 8, c = 5;
    CoopData data;
    data.labels = at::arange(c, at::kLong).repeat_interleave(perClass);
    data.features = (txt.index_select(0, data.labels) +
                     (0.1 * sep / std::sqrt(32.0)) * at::randn({c * perClass, 32}))
                        .unsqueeze(1);
    CoopSpec spec;
    spec.batchSize = 8;
    spec.epochs = 300;
    spec.lr = 0.001;
    spec.augment = false;
    // The fixture's random width-16 text tower maps every prompt to nearly one direction (class
    // features 0.09 apart), which its logit scale 14.3 turns into an almost flat loss; at scale 30
    // (trained CLIPs use 100) the same problem has usable gradients.
    auto scaled = pd::models::loadClipModel(kDir + "model.safetensors");
    {
      at::NoGradGuard ng;
      scaled->logit_scale.fill_(std::log(30.0));
    }
    CoopTrainer tr(*scaled, {tokens, 4}, spec);  // random N(0, 0.02) student
    auto acc = [&] {
      at::NoGradGuard ng;
      return tr.logits(data.features.squeeze(1), true)
          .argmax(-1)
          .eq(data.labels)
          .to(at::kFloat)
          .mean()
          .item<double>();
    };
    const double before = acc();
    {  // the teacher separates the data perfectly
      at::NoGradGuard ng;
      auto tl = at::matmul(data.features.squeeze(1), txt.t());
      QCOMPARE(tl.argmax(-1).eq(data.labels).to(at::kFloat).mean().item<double>(), 1.0);
    }
    tr.train(data, nullptr, "");
    const double after = acc();
    QVERIFY2(after > 0.95 && tr.losses().back() < tr.losses().front(),
             qPrintable(QString("train accuracy %1 -> %2, loss %3 -> %4")
                            .arg(before)
                            .arg(after)
                            .arg(tr.losses().front())
                            .arg(tr.losses().back())));
  }

  void resumeContinuesIdenticalCurve() {
    at::manual_seed(11);
    CoopData data;
    data.labels = at::arange(20, at::kLong).remainder(5);
    data.features = at::randn({20, 3, 32});  // 3 cached views: the RNG picks among them
    CoopSpec spec;
    spec.batchSize = 8;
    spec.epochs = 4;
    spec.lr = 0.2;
    auto prompts = ClassPrompts{golden_.at("coop_prompt_tokens"), 4};
    CoopTrainer full(*model_, prompts, spec);
    full.train(data, nullptr, "");
    QTemporaryDir dir;
    const std::string ck = dir.filePath("ck.safetensors").toStdString();
    CoopTrainer first(*model_, prompts, spec);
    first.runEpoch(data, nullptr);
    first.runEpoch(data, nullptr);
    first.saveCheckpoint(ck);
    spec.seed = 999;  // the checkpoint's RNG state and parameters must win
    CoopTrainer resumed(*model_, prompts, spec);
    resumed.loadCheckpoint(ck);
    QCOMPARE(resumed.epoch(), 2);
    resumed.train(data, nullptr, "");
    QCOMPARE(resumed.losses().size(), full.losses().size());
    for (size_t i = 4; i < full.losses().size(); ++i)
      QVERIFY2(std::abs(resumed.losses()[i] - full.losses()[i]) < 1e-6,
               qPrintable(QString("step %1").arg(i)));
    QVERIFY(maxDiff(resumed.ctx(), full.ctx()) < 1e-6);
  }

  void scheduleFollowsDassl() {
    CoopSpec spec;
    spec.epochs = 10;
    CoopTrainer tr(*model_, {golden_.at("coop_prompt_tokens"), 4}, spec);
    QCOMPARE(tr.lrAt(0), 1e-5);
    QCOMPARE(tr.lrAt(1), 0.002);
    QVERIFY(std::abs(tr.lrAt(6) - 0.001) < 1e-12);
    QCOMPARE(pd::defaultCoopEpochs(1), 50);
    QCOMPARE(pd::defaultCoopEpochs(4), 100);
    QCOMPARE(pd::defaultCoopEpochs(16), 200);
  }

  void artifactRoundTripAndInterpret() {
    CoopSpec spec;
    spec.conditional = true;
    CoopTrainer tr(*model_, {golden_.at("coop_prompt_tokens"), 4}, spec);
    QTemporaryDir dir;
    const std::string path = dir.filePath("prompt.safetensors").toStdString();
    saveLearnedPrompt(path, learnedPromptFrom(tr, {{"classnames", {"cat", "dog"}}}));
    LearnedPrompt p = loadLearnedPrompt(path);
    QVERIFY(maxDiff(p.ctx, tr.ctx()) == 0);
    QCOMPARE(p.meta.size(), size_t(4));
    QCOMPARE(p.spec.at("method").get<std::string>(), std::string("cocoop"));
    QCOMPARE(p.spec.at("n_ctx").get<int>(), 4);
    // Vectors equal to token embeddings are their own nearest token.
    auto ids = at::tensor(std::vector<int64_t>{320, 1125, 539}, at::kLong);
    auto near =
        interpretContext(model_->tokenEmbedding().index_select(0, ids), model_->tokenEmbedding(), 3,
                         [](int64_t id) { return "#" + std::to_string(id); });
    QCOMPARE(near.size(), size_t(3));
    QCOMPARE(near[1][0].id, int64_t(1125));
    QCOMPARE(near[1][0].text, std::string("#1125"));
    QVERIFY(near[1][0].distance < 1e-3 && near[1][1].distance >= near[1][0].distance);
    QVERIFY_EXCEPTION_THROWN(loadLearnedPrompt(kDir + "golden.safetensors"), pd::Error);
  }
};

QTEST_GUILESS_MAIN(TestCoop)
#include "test_coop.moc"
