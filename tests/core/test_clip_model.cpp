// CLIP models: architecture inference for every released CLIP, golden parity in every checkpoint
// format (OpenAI TorchScript fp32/fp16, safetensors, HF folder), the CoOp gradient case, and
// strict loading errors.
#include <torch/script.h>  // only to write a non-CLIP TorchScript file for the bad-input case

#include "io/checkpoint.h"
#include "io/safetensors.h"
#include "models/clip/clip_config.h"
#include "models/clip/clip_model.h"

#include <QtTest/QtTest>

#include <string>

#include "promptdesk/clip.h"
#include "promptdesk/error.h"

using pd::ClipArchitecture;
using pd::models::ClipModel;

namespace {

std::string data(const std::string& rel) { return std::string(PD_TEST_DATA) + "/" + rel; }

double maxDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kFloat) - b.to(at::kFloat)).abs().max().item<double>();
}

#define EXPECT_CLOSE(a, b, atol, what)                                                   \
  do {                                                                                   \
    const at::Tensor ta_ = (a), tb_ = (b);                                               \
    QVERIFY2(ta_.sizes() == tb_.sizes(), qPrintable(QString("%1: shape").arg(what)));    \
    const double d_ = maxDiff(ta_, tb_);                                                 \
    QVERIFY2(d_ <= (atol),                                                               \
             qPrintable(QString("%1: max |diff| %2 > %3").arg(what).arg(d_).arg(atol))); \
  } while (0)

// Released CLIP architectures (OpenAI's model card / build_model numbers).
struct Released {
  const char* name;
  bool resnet;
  std::int64_t embed, res, vwidth, vlayers;
  std::vector<std::int64_t> stages;
  std::int64_t patch, twidth, theads, tlayers, params;  // params: 0 = not checked
};

std::vector<Released> released() {
  return {
      {"RN50", true, 1024, 224, 64, 16, {3, 4, 6, 3}, 0, 512, 8, 12, 102007137},
      {"RN101", true, 512, 224, 64, 33, {3, 4, 23, 3}, 0, 512, 8, 12, 0},
      {"RN50x4", true, 640, 288, 80, 26, {4, 6, 10, 6}, 0, 640, 10, 12, 0},
      {"RN50x16", true, 768, 384, 96, 40, {6, 8, 18, 8}, 0, 768, 12, 12, 0},
      {"RN50x64", true, 1024, 448, 128, 64, {3, 15, 36, 10}, 0, 1024, 16, 12, 0},
      {"ViT-B/32", false, 512, 224, 768, 12, {}, 32, 512, 8, 12, 151277313},
      {"ViT-B/16", false, 512, 224, 768, 12, {}, 16, 512, 8, 12, 0},
      {"ViT-L/14", false, 768, 224, 1024, 24, {}, 14, 768, 12, 12, 0},
      {"ViT-L/14@336px", false, 768, 336, 1024, 24, {}, 14, 768, 12, 12, 0},
  };
}

ClipArchitecture archOf(const Released& r) {
  ClipArchitecture a;
  a.visionIsResNet = r.resnet;
  a.embedDim = r.embed;
  a.imageResolution = r.res;
  a.visionWidth = r.vwidth;
  a.visionLayers = r.vlayers;
  a.visionStageBlocks = r.stages;
  a.visionPatchSize = r.patch;
  a.visionHeads = r.resnet ? r.vwidth * 32 / 64 : r.vwidth / 64;
  a.contextLength = 77;
  a.vocabSize = 49408;
  a.transformerWidth = r.twidth;
  a.transformerHeads = r.theads;
  a.transformerLayers = r.tlayers;
  return a;
}

void sameArch(const ClipArchitecture& got, const ClipArchitecture& want, const QString& what) {
  QVERIFY2(got.visionIsResNet == want.visionIsResNet, qPrintable(what + " vision kind"));
  QCOMPARE(got.embedDim, want.embedDim);
  QCOMPARE(got.imageResolution, want.imageResolution);
  QCOMPARE(got.visionWidth, want.visionWidth);
  QCOMPARE(got.visionLayers, want.visionLayers);
  QVERIFY2(got.visionStageBlocks == want.visionStageBlocks, qPrintable(what + " stages"));
  QCOMPARE(got.visionPatchSize, want.visionPatchSize);
  QCOMPARE(got.visionHeads, want.visionHeads);
  QCOMPARE(got.contextLength, want.contextLength);
  QCOMPARE(got.vocabSize, want.vocabSize);
  QCOMPARE(got.transformerWidth, want.transformerWidth);
  QCOMPARE(got.transformerHeads, want.transformerHeads);
  QCOMPARE(got.transformerLayers, want.transformerLayers);
}

pd::io::StateDict golden(const std::string& fixture, const char* file = "golden.safetensors") {
  return pd::io::readSafetensors(data(fixture + "/" + file));
}

// Expects `fn` to throw pd::Error whose message contains every string of `needles`.
template <class F>
void expectError(F fn, const QStringList& needles) {
  try {
    fn();
  } catch (const pd::Error& e) {
    const QString msg = QString::fromStdString(e.what());
    for (const QString& n : needles)
      QVERIFY2(msg.contains(n), qPrintable("message lacks '" + n + "': " + msg));
    return;
  }
  QFAIL(qPrintable("no pd::Error (expected one mentioning " + needles.join(", ") + ")"));
}

}  // namespace

class TestClipModel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void infersEveryReleasedArchitecture() {
    for (const Released& r : released()) {
      const ClipArchitecture want = archOf(r);
      pd::models::ShapeMap shapes = pd::models::expectedClipShapes(want);
      // Released TorchScript files also carry these int64 scalars.
      shapes["input_resolution"] = {};
      shapes["context_length"] = {};
      shapes["vocab_size"] = {};
      const ClipArchitecture got = pd::models::inferClipArchitecture(shapes, r.name);
      sameArch(got, want, r.name);
      pd::models::checkClipShapes(got, shapes, r.name);  // must not throw
      const std::int64_t params = pd::models::clipParameterCount(got);
      qInfo("%s: %lld parameters", r.name, static_cast<long long>(params));
      if (r.params) QCOMPARE(params, r.params);
    }
  }

  void shapeTableMatchesModuleAndFixtures() {
    for (const char* fx : {"clip-tiny-vit", "clip-tiny-rn"}) {
      auto model = pd::models::loadClipModel(data(std::string(fx) + "/model.safetensors"));
      pd::models::ShapeMap fromModule;
      for (const auto& p : model->named_parameters(true))
        fromModule[p.key()] = p.value().sizes().vec();
      for (const auto& b : model->named_buffers(true))
        fromModule[b.key()] = b.value().sizes().vec();
      QVERIFY2(fromModule == pd::models::expectedClipShapes(model->architecture()), fx);
      auto sd = pd::io::readSafetensors(data(std::string(fx) + "/model.safetensors"));
      QVERIFY2(pd::models::shapesOf(sd) == fromModule, fx);
    }
  }

  void configOverridesAndJson() {
    // Without config.json the tiny text tower (8-wide heads) would be read as 1 head.
    auto sd = pd::io::readSafetensors(data("clip-tiny-vit/model.safetensors"));
    auto shapes = pd::models::shapesOf(sd);
    ClipArchitecture a = pd::models::inferClipArchitecture(shapes, "t");
    QCOMPARE(a.transformerHeads, std::int64_t(1));
    QCOMPARE(a.imageResolution, std::int64_t(32));
    QCOMPARE(a.visionPatchSize, std::int64_t(8));
    QCOMPARE(a.visionHeads, std::int64_t(1));
    const ClipArchitecture vit = pd::inspectClipModel(data("clip-tiny-vit/model.safetensors"));
    QCOMPARE(vit.transformerHeads, std::int64_t(2));
    QCOMPARE(vit.configSource, std::string("config.json"));
    QVERIFY(vit.parameterCount > 0);
    const auto j = nlohmann::json::parse(vit.toJson());
    QCOMPARE(j.at("transformer_heads").get<int>(), 2);
    QCOMPARE(j.at("vision_layers").get<int>(), 2);
    QVERIFY(!j.at("content_hash").get<std::string>().empty());
    const ClipArchitecture rn = pd::inspectClipModel(data("clip-tiny-rn/openai-jit.pt"));
    QVERIFY(rn.visionIsResNet);
    QVERIFY((rn.visionStageBlocks == std::vector<std::int64_t>{1, 1, 1, 1}));
    QCOMPARE(rn.visionHeads, std::int64_t(4));
    QCOMPARE(rn.imageResolution, std::int64_t(64));
    QVERIFY(nlohmann::json::parse(rn.toJson()).at("vision_patch_size").is_null());
    const ClipArchitecture hf = pd::inspectClipModel(data("clip-tiny-vit-hf"));
    QCOMPARE(hf.configSource, std::string("hf-config.json"));
    QCOMPARE(hf.transformerHeads, std::int64_t(2));
    QCOMPARE(hf.embedDim, std::int64_t(32));
  }

  void goldenParity_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("goldenFile");
    for (QString fx : {"clip-tiny-vit", "clip-tiny-rn"}) {
      QTest::newRow(qPrintable(fx + " jit")) << fx + "/openai-jit.pt" << fx << "golden.safetensors";
      QTest::newRow(qPrintable(fx + " safetensors"))
          << fx + "/model.safetensors" << fx << "golden.safetensors";
      QTest::newRow(qPrintable(fx + " jit fp16"))
          << fx + "/openai-jit-fp16.pt" << fx << "golden-fp16.safetensors";
    }
    QTest::newRow("hf folder") << "clip-tiny-vit-hf"
                               << "clip-tiny-vit-hf"
                               << "golden.safetensors";
    QTest::newRow("hf safetensors") << "clip-tiny-vit-hf/model.safetensors"
                                    << "clip-tiny-vit-hf"
                                    << "golden.safetensors";
  }
  void goldenParity() {
    QFETCH(QString, model);
    QFETCH(QString, fixture);
    QFETCH(QString, goldenFile);
    auto m = pd::models::loadClipModel(data(model.toStdString()));
    auto g = golden(fixture.toStdString(), goldenFile.toUtf8().constData());
    auto ref = golden(fixture.toStdString());  // inputs live in golden.safetensors
    at::Tensor img = m->encode_image(ref.at("images"));
    at::Tensor txt = m->encode_text(ref.at("text_tokens"));
    EXPECT_CLOSE(img, g.at("image_features"), 1e-4, "image_features");
    EXPECT_CLOSE(txt, g.at("text_features"), 1e-4, "text_features");
    EXPECT_CLOSE(m->logits(img, txt), g.at("logits_per_image"), 1e-3, "logits_per_image");
    // Full-length text, batches of 1 and 4: same numbers.
    EXPECT_CLOSE(m->encode_text(ref.at("text_tokens"), 4, false), g.at("text_features"), 1e-4,
                 "text_features full length");
    EXPECT_CLOSE(m->encode_image(ref.at("images"), 1), g.at("image_features"), 1e-4,
                 "image_features batch 1");
    {  // grad mode on: the plain module path (no folded BatchNorm)
      at::AutoGradMode on(true);
      EXPECT_CLOSE(m->visual->forward(ref.at("images")).detach(), g.at("image_features"), 1e-4,
                   "image_features, autograd path");
    }
  }

  void truncationIsIdentical() {
    auto m = pd::models::loadClipModel(data("clip-tiny-vit/model.safetensors"));
    at::Tensor tokens = golden("clip-tiny-vit").at("text_tokens");
    const double d = maxDiff(m->encode_text(tokens, 0, true), m->encode_text(tokens, 0, false));
    qInfo("encode_text truncated vs full length: max |diff| %g", d);
    QVERIFY2(d < 1e-5, qPrintable(QString::number(d)));
  }

  void coopGradient_data() {
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<bool>("truncate");
    for (QString fx : {"clip-tiny-vit", "clip-tiny-rn", "clip-tiny-vit-hf"}) {
      QTest::newRow(qPrintable(fx + " full")) << fx << false;
      QTest::newRow(qPrintable(fx + " truncated")) << fx << true;
    }
  }
  void coopGradient() {
    QFETCH(QString, fixture);
    QFETCH(bool, truncate);
    const std::string fx = fixture.toStdString();
    auto m =
        pd::models::loadClipModel(data(fx == "clip-tiny-vit-hf" ? fx : fx + "/model.safetensors"));
    auto g = golden(fx);
    at::Tensor tokens = g.at("coop_prompt_tokens");
    at::Tensor ctx = g.at("coop_ctx").clone().set_requires_grad(true);
    const std::int64_t n = tokens.size(0), nCtx = ctx.size(0);
    at::Tensor emb = m->token_embeddings(tokens);
    QVERIFY(!emb.requires_grad());
    at::Tensor prompts =
        at::cat({emb.narrow(1, 0, 1), ctx.unsqueeze(0).expand({n, nCtx, ctx.size(1)}),
                 emb.narrow(1, 1 + nCtx, emb.size(1) - 1 - nCtx)},
                1);
    at::Tensor textF = m->encode_text_embeddings(prompts, ClipModel::eot_index(tokens), truncate);
    at::Tensor imageF = m->encode_image(g.at("images"));
    at::Tensor logits = m->logits(imageF, textF);
    at::Tensor loss = at::cross_entropy_loss(logits, g.at("coop_labels"));
    loss.backward();
    EXPECT_CLOSE(logits.detach(), g.at("coop_logits"), 1e-3, "coop_logits");
    EXPECT_CLOSE(loss.detach().reshape({-1}), g.at("coop_loss").reshape({-1}), 1e-4, "coop_loss");
    QVERIFY(ctx.grad().defined());
    EXPECT_CLOSE(ctx.grad(), g.at("coop_ctx_grad"), 1e-4, "coop_ctx_grad");
    for (const auto& p : m->parameters()) QVERIFY(!p.grad().defined());
  }

  void strictLoadingErrors() {
    const auto base = pd::io::readSafetensors(data("clip-tiny-vit/model.safetensors"));
    const auto cfg = nlohmann::json::parse(R"({"transformer_heads": 2})");
    {
      auto sd = base;
      sd.tensors.erase("ln_final.bias");
      sd.tensors.erase("visual.transformer.resblocks.1.mlp.c_fc.weight");
      expectError([&] { pd::models::buildClipModel(sd, cfg); },
                  {"2 missing", "ln_final.bias", "visual.transformer.resblocks.1.mlp.c_fc.weight"});
    }
    {
      auto sd = base;
      sd.tensors["transformer.resblocks.0.mlp.c_fc.weight"] = at::zeros({63, 16});
      sd.tensors["extra.weight"] = at::zeros({2});
      expectError([&] { pd::models::buildClipModel(sd, cfg); },
                  {"transformer.resblocks.0.mlp.c_fc.weight (63, 16) expected (64, 16)",
                   "unexpected: extra.weight"});
    }
    {  // the model's own check, independent of the shape table
      auto sd = base;
      ClipModel m(pd::models::inferClipArchitecture(pd::models::shapesOf(sd), "x"));
      sd.tensors["visual.proj"] = at::zeros({64, 31});
      expectError([&] { m.loadWeights(sd); }, {"visual.proj"});
    }
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    {  // a safetensors file with unrelated keys
      const std::string path = dir.filePath("other.safetensors").toStdString();
      pd::io::writeSafetensors(path, {{"fc.weight", at::ones({4, 3})}, {"fc.bias", at::ones({4})}});
      expectError([&] { pd::models::loadClipModel(path); }, {"other.safetensors"});
      expectError([&] { pd::inspectClipModel(path); }, {"other.safetensors"});
    }
    {  // a TorchScript archive that is not CLIP (a linear layer)
      const std::string path = dir.filePath("linear.pt").toStdString();
      torch::jit::Module lin("Linear");
      lin.register_parameter("weight", at::ones({4, 3}), false);
      lin.register_parameter("bias", at::ones({4}), false);
      lin.save(path);
      expectError([&] { pd::models::loadClipModel(path); }, {"linear.pt"});
    }
    expectError([&] { pd::models::loadClipModel(dir.filePath("nope.pt").toStdString()); },
                {"nope.pt"});
  }

  void badInputs() {
    auto m = pd::models::loadClipModel(data("clip-tiny-vit/model.safetensors"));
    expectError([&] { m->encode_image(at::zeros({2, 3, 16, 16})); }, {"(N, 3, 32, 32)"});
    expectError([&] { m->encode_image(at::zeros({3, 32, 32})); }, {"images"});
    expectError([&] { m->encode_text(at::full({1, 77}, 49408, at::kLong)); }, {"49408"});
    expectError([&] { m->encode_text(at::full({1, 77}, -1, at::kLong)); }, {"-1"});
    expectError([&] { m->encode_text(at::zeros({1, 78}, at::kLong)); }, {"77"});
    expectError([&] { m->encode_text(at::zeros({1, 7}, at::kFloat)); }, {"integers"});
    at::Tensor emb = at::zeros({2, 10, 16});
    expectError([&] { m->encode_text_embeddings(emb, at::tensor({3, 10}, at::kLong)); }, {"10"});
    expectError(
        [&] {
          m->encode_text_embeddings(at::zeros({2, 10, 8}), at::tensor({3, 4}, at::kLong));
        },
        {"(M, L, 16)"});
  }
};

QTEST_GUILESS_MAIN(TestClipModel)
#include "test_clip_model.moc"
