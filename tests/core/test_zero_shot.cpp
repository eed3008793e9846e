// Zero-shot evaluation: golden CLIP logits through the whole job (PNG image folder, feature
// cache, prompts), prompt ensembling against a hand computation, template-set resolution,
// cancellation, results JSON and McNemar comparison.
#include "data/cached_features.h"
#include "data/clip_preprocess.h"
#include "io/checkpoint.h"
#include "io/safetensors.h"
#include "methods/zero_shot/zero_shot.h"
#include "models/clip/clip_model.h"

#include <QtTest/QtTest>

#include <atomic>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "promptdesk/error.h"
#include "promptdesk/feature_cache.h"
#include "promptdesk/jobs.h"
#include "promptdesk/tokenizer.h"
#include "promptdesk/zero_shot.h"

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace fs = std::filesystem;

namespace {

std::string data(const std::string& rel) { return std::string(PD_TEST_DATA) + "/" + rel; }
const std::string kModel = "clip-tiny-vit/model.safetensors";

std::vector<std::string> goldenTexts() {
  std::ifstream in(data("clip-tiny-vit/golden.json"));
  nlohmann::json j = nlohmann::json::parse(in);
  return j["texts"].get<std::vector<std::string>>();
}

// Golden image i (preprocessed, CLIP-normalised (3, R, R)) back to 8-bit RGB, written as PNG.
void writeGoldenPng(const at::Tensor& img, const fs::path& p) {
  fs::create_directories(p.parent_path());
  const at::Tensor mean = at::tensor({0.48145466f, 0.4578275f, 0.40821073f}).view({3, 1, 1});
  const at::Tensor stdv = at::tensor({0.26862954f, 0.26130258f, 0.27577711f}).view({3, 1, 1});
  at::Tensor px = ((img * stdv + mean) * 255.0f).round().clamp(0, 255).to(at::kByte);
  px = px.permute({1, 2, 0}).contiguous();  // HWC
  const int h = static_cast<int>(px.size(0)), w = static_cast<int>(px.size(1));
  QVERIFY(stbi_write_png(p.string().c_str(), w, h, 3, px.data_ptr<std::uint8_t>(), w * 3));
}

void writeAliases(const std::string& path, const std::string& cls, const std::string& alias) {
  nlohmann::json j;
  j["aliases"][cls] = alias;
  std::ofstream(path) << j.dump();
}

struct CancelAtOnce : pd::JobContext {
  bool cancelRequested() const override { return true; }
  int threads() const override { return 1; }
  void progress(double, std::int64_t, std::int64_t, const std::string&,
                const std::map<std::string, double>&) override {}
};

}  // namespace

class TestZeroShot : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir tmp_;
  pd::io::StateDict golden_;
  std::vector<std::string> texts_;
  std::string dsRoot_;

  pd::ZeroShotSpec goldenSpec(const QString& cache) {
    pd::ZeroShotSpec spec;
    spec.modelPath = data(kModel);
    spec.datasetSpec = dsRoot_;
    spec.split = "test";
    spec.templates = {"{class}"};
    spec.batchSize = 2;
    spec.cacheDir = tmp_.filePath(cache).toStdString();
    return spec;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    golden_ = pd::io::readSafetensors(data("clip-tiny-vit/golden.safetensors"));
    texts_ = goldenTexts();
    QCOMPARE(texts_.size(), std::size_t(6));
    // Image folder: test/c<i>/golden<i>.png holds golden image i (label i); class i's name is
    // golden text i (classnames.txt), so "{class}" renders exactly the golden texts.
    dsRoot_ = tmp_.filePath("golden-ds").toStdString();
    const at::Tensor images = golden_.tensors.at("images");
    for (std::int64_t i = 0; i < images.size(0); ++i)
      writeGoldenPng(images[i], fs::path(dsRoot_) / "test" / ("c" + std::to_string(i)) /
                                    ("golden" + std::to_string(i) + ".png"));
    for (std::size_t c = images.size(0); c < texts_.size(); ++c)  // classes without images
      fs::create_directories(fs::path(dsRoot_) / "test" / ("c" + std::to_string(c)));
    std::ofstream names(fs::path(dsRoot_) / "classnames.txt", std::ios::binary);
    for (std::size_t c = 0; c < texts_.size(); ++c) names << "c" << c << " " << texts_[c] << "\n";
  }

  // Tensor path: the golden images' features against "{class}" class embeddings reproduce the
  // golden logits_per_image.
  void goldenLogitsFromTensors() {
    auto model = pd::models::loadClipModel(data(kModel));
    auto tok = pd::ClipTokenizer::fromDataDir();
    at::Tensor emb = pd::methods::classEmbeddings(*model, tok, {"{class}"}, texts_, 4);
    QCOMPARE(emb.size(0), std::int64_t(6));
    at::Tensor logits =
        pd::methods::zeroShotLogits(*model, model->encode_image(golden_.tensors.at("images")), emb);
    const at::Tensor ref = golden_.tensors.at("logits_per_image");
    QVERIFY2(at::allclose(logits, ref, 0, 1e-3),
             qPrintable(QString("max diff %1").arg((logits - ref).abs().max().item<float>())));
  }

  // The whole job through the runner, with the golden images' features in the feature cache
  // under the keys of the dataset's PNG items (the golden tensors are random normal values, not
  // representable as 8-bit images): scores equal golden logits_per_image, predictions its argmax.
  void jobOnGoldenFeatures() {
    pd::ZeroShotSpec spec = goldenSpec("cache-golden");
    {
      auto model = pd::models::loadClipModel(data(kModel));
      const std::string hash = pd::io::readCheckpoint(data(kModel)).contentHash;
      auto ds = pd::openDataset(dsRoot_);
      const auto& items = ds->items("test");
      QCOMPARE(items.size(), std::size_t(3));
      auto reqs =
          pd::data::makeFeatureRequests(*ds, items, hash, pd::methods::clipPreprocessKey(32));
      at::Tensor feats = model->encode_image(golden_.tensors.at("images"));
      std::vector<pd::FeatureKey> keys;
      std::vector<at::Tensor> rows;
      for (std::size_t k = 0; k < items.size(); ++k) {
        keys.push_back(reqs[k].key);
        rows.push_back(feats[items[k].label]);  // folder c<i> holds golden image i
      }
      at::Tensor block = at::stack(rows).contiguous();
      pd::FeatureCache cache({spec.cacheDir});
      cache.put(keys, block.data_ptr<float>(), static_cast<int>(block.size(1)));
    }
    pd::JobRunner runner(pd::JobRunnerOptions{1, 1});
    std::atomic<int> events{0};
    runner.setListener([&](const pd::JobEvent& e) {
      if (e.state == pd::JobState::Running) ++events;
    });
    auto job = std::make_shared<pd::ZeroShotJob>(spec);
    const auto id = runner.submit(job);
    QVERIFY(runner.wait(id, std::chrono::seconds(60)));
    QVERIFY2(runner.state(id) == pd::JobState::Succeeded, runner.error(id).c_str());
    QVERIFY(events.load() >= 3);
    const pd::ZeroShotResult& r = job->result();
    QCOMPARE(r.cacheHits, std::int64_t(3));
    QCOMPARE(r.cacheMisses, std::int64_t(0));
    QCOMPARE(r.items.size(), std::size_t(3));
    QCOMPARE(r.classNames.size(), std::size_t(6));
    const at::Tensor ref = golden_.tensors.at("logits_per_image");
    for (std::size_t k = 0; k < r.items.size(); ++k) {
      const int i = r.items[k].label;
      QCOMPARE(r.items[k].id,
               "test/c" + std::to_string(i) + "/golden" + std::to_string(i) + ".png");
      QCOMPARE(r.metrics.predictions[k], static_cast<int>(ref[i].argmax().item<std::int64_t>()));
      for (int c = 0; c < 6; ++c)
        QVERIFY2(std::abs(r.items[k].scores[c] - ref[i][c].item<float>()) < 1e-3f,
                 qPrintable(QString("item %1 class %2").arg(i).arg(c)));
    }
    // Accuracy from the golden argmax against labels 0, 1, 2.
    int correct = 0;
    for (int i = 0; i < 3; ++i) correct += ref[i].argmax().item<std::int64_t>() == i;
    QCOMPARE(r.metrics.accuracy, correct / 3.0);
  }

  // On image files the job computes the features itself (CLIP preprocessing of the PNG), stores
  // them, and a second run takes every one from the cache with identical scores.
  void jobComputesAndCachesFeatures() {
    pd::ZeroShotSpec spec = goldenSpec("cache");
    const pd::ZeroShotResult r = pd::runZeroShot(spec);
    QCOMPARE(r.cacheMisses, std::int64_t(3));
    auto model = pd::models::loadClipModel(data(kModel));
    auto tok = pd::ClipTokenizer::fromDataDir();
    at::Tensor emb = pd::methods::classEmbeddings(*model, tok, {"{class}"}, texts_, 8);
    for (std::size_t k = 0; k < r.items.size(); ++k) {
      const std::string file = dsRoot_ + "/" + r.items[k].id;
      at::Tensor f = model->encode_image(pd::data::clipPreprocessFile(file, 32).unsqueeze(0));
      at::Tensor want = pd::methods::zeroShotLogits(*model, f, emb)[0];
      for (int c = 0; c < 6; ++c)
        QVERIFY(std::abs(r.items[k].scores[c] - want[c].item<float>()) < 1e-4f);
      QCOMPARE(r.metrics.predictions[k], static_cast<int>(want.argmax().item<std::int64_t>()));
    }
    QCOMPARE(r.metrics.n, std::int64_t(3));
    QVERIFY(r.metrics.ciLow <= r.metrics.accuracy && r.metrics.accuracy <= r.metrics.ciHigh);
    QVERIFY(!r.modelHash.empty());

    pd::ZeroShotResult again = pd::runZeroShot(spec);
    QCOMPARE(again.cacheHits, std::int64_t(3));
    QCOMPARE(again.cacheMisses, std::int64_t(0));
    for (std::size_t k = 0; k < r.items.size(); ++k)
      for (int c = 0; c < 6; ++c) QCOMPARE(again.items[k].scores[c], r.items[k].scores[c]);

    // Results JSON: the documented keys, and predictions that read back.
    const std::string path = tmp_.filePath("results.json").toStdString();
    r.writeJson(path);
    std::ifstream in(path);
    nlohmann::json j = nlohmann::json::parse(in);
    for (const char* key :
         {"accuracy", "top5", "macro_f1", "ece", "accuracy_ci95", "per_class", "confusion", "items",
          "model", "dataset", "templates", "app_version", "seconds", "items_per_second"})
      QVERIFY2(j.contains(key), key);
    QCOMPARE(j["model"]["hash"].get<std::string>(), r.modelHash);
    QCOMPARE(j["items"][0]["scores"].size(), std::size_t(6));
    const auto preds = pd::readPredictions(path);
    QCOMPARE(preds.size(), std::size_t(3));
    for (std::size_t k = 0; k < preds.size(); ++k)
      QCOMPARE(preds[k].pred, r.metrics.predictions[k]);
    const auto same = pd::compareZeroShot(r, again);
    QCOMPARE(same.mcnemar.b + same.mcnemar.c, std::int64_t(0));
    QCOMPARE(same.mcnemar.pValue, 1.0);
  }

  // Aliases: a verbalizer that renames class c0 changes only that class's prompt and scores.
  void aliasesChangePrompts() {
    pd::ZeroShotSpec spec;
    spec.modelPath = data(kModel);
    spec.datasetSpec = dsRoot_;
    spec.templates = {"{class}"};
    spec.cacheDir = tmp_.filePath("cache").toStdString();
    const pd::ZeroShotResult base = pd::runZeroShot(spec);
    const std::string vpath = tmp_.filePath("aliases.json").toStdString();
    writeAliases(vpath, texts_[0], "a photo of a dog.");
    spec.aliasesFile = vpath;
    const pd::ZeroShotResult r = pd::runZeroShot(spec);
    QCOMPARE(r.promptNames[0], std::string("a photo of a dog."));
    QCOMPARE(r.promptNames[1], base.promptNames[1]);
    QCOMPARE(r.classNames, base.classNames);
    for (std::size_t k = 0; k < r.items.size(); ++k) {
      QVERIFY(std::abs(r.items[k].scores[0] - base.items[k].scores[0]) > 1e-4f);
      for (int c = 1; c < 6; ++c) QCOMPARE(r.items[k].scores[c], base.items[k].scores[c]);
    }
    // An alias equal to another class's prompt makes two classes identical: an error.
    writeAliases(vpath, texts_[0], texts_[2]);
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::runZeroShot(spec));
    writeAliases(vpath, "no such class", "x");
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::runZeroShot(spec));
  }

  // Ensembling: class embedding = normalize(mean_t normalize(text(t, c))), by hand.
  void ensembleMatchesHandComputation() {
    auto model = pd::models::loadClipModel(data(kModel));
    auto tok = pd::ClipTokenizer::fromDataDir();
    const std::vector<std::string> tmpls = {"a photo of a {class}.", "itap of a {class}.",
                                            "a blurry photo of a {class}!"};
    const std::vector<std::string> names = {"cat", "red panda"};
    at::Tensor got = pd::methods::classEmbeddings(*model, tok, tmpls, names, 2);
    QCOMPARE(got.size(0), std::int64_t(2));
    const std::vector<std::vector<std::string>> prompts = {
        {"a photo of a cat.", "itap of a cat.", "a blurry photo of a cat!"},
        {"a photo of a red panda.", "itap of a red panda.", "a blurry photo of a red panda!"}};
    for (int c = 0; c < 2; ++c) {
      at::Tensor sum;
      for (const auto& p : prompts[c]) {
        auto ids = tok.tokenize(p);
        at::Tensor t = at::tensor(std::vector<std::int64_t>(ids.begin(), ids.end())).view({1, -1});
        at::Tensor f = model->encode_text(t)[0];
        f = f / f.norm();
        sum = sum.defined() ? sum + f : f;
      }
      at::Tensor want = sum / 3;
      want = want / want.norm();
      QVERIFY2(at::allclose(got[c], want, 0, 1e-5), qPrintable(QString("class %1").arg(c)));
      // Not simply the first template's embedding.
      QVERIFY(!at::allclose(got[c],
                            pd::methods::classEmbeddings(*model, tok, {tmpls[0]}, {names[c]}, 1)[0],
                            0, 1e-3));
    }
  }

  void templateSets() {
    pd::ZeroShotSpec spec;
    spec.templateSet = "FashionMNIST";
    auto p = pd::resolveZeroShotPrompts(spec, "anything");
    QCOMPARE(p.setName, std::string("FashionMNIST/single"));
    QCOMPARE(p.templates.size(), std::size_t(1));
    QVERIFY(!p.classAliases.empty());
    spec.templateSet = "ensemble";
    p = pd::resolveZeroShotPrompts(spec, "Fashion-MNIST");
    QCOMPARE(p.setName, std::string("FashionMNIST/ensemble"));
    QVERIFY(p.templates.size() > 1);
    spec.templateSet = "ImageNet/ensemble";
    spec.templates = {"a {class}."};
    p = pd::resolveZeroShotPrompts(spec, "x");
    QCOMPARE(p.templates[0], std::string("a {class}."));
    QVERIFY(p.templates.size() > 2);
    spec.templates.clear();
    spec.templateSet = "ensemble";
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::resolveZeroShotPrompts(spec, "unknown-ds"));
    spec.templateSet = "sentiment";  // masked-LM set: not for CLIP
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::resolveZeroShotPrompts(spec, "x"));
    spec.templateSet.clear();
    QCOMPARE(pd::resolveZeroShotPrompts(spec, "x").templates,
             std::vector<std::string>{"a photo of a {class}."});
    spec.templates = {"a photo of a {clas}."};
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::resolveZeroShotPrompts(spec, "x"));
    spec.templates = {"a photo."};  // no {class}
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::resolveZeroShotPrompts(spec, "x"));
  }

  void cancelStopsTheJob() {
    pd::ZeroShotSpec spec;
    spec.modelPath = data(kModel);
    spec.datasetSpec = dsRoot_;
    spec.cacheDir = tmp_.filePath("cache2").toStdString();
    CancelAtOnce ctx;
    QVERIFY_THROWS_EXCEPTION(pd::JobCancelled, pd::runZeroShot(spec, &ctx));
  }

  void badInput() {
    pd::ZeroShotSpec spec;
    spec.modelPath = data(kModel);
    spec.datasetSpec = dsRoot_;
    spec.split = "train";  // the folder has only test/
    spec.cacheDir = tmp_.filePath("cache").toStdString();
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::runZeroShot(spec));
    spec.split = "test";
    spec.modelPath = tmp_.filePath("missing.safetensors").toStdString();
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::runZeroShot(spec));
  }

  void mcnemarComparison() {
    // 10 items: A right on 0..7, B right on 0..2 and 8,9 -> b = 5 (A right, B wrong), c = 2.
    std::vector<pd::PredictionRecord> a, b;
    for (int i = 0; i < 10; ++i) {
      const std::string id = "i" + std::to_string(i);
      a.push_back({id, 1, i < 8 ? 1 : 0});
      b.push_back({id, 1, (i < 3 || i >= 8) ? 1 : 0});
    }
    std::reverse(b.begin(), b.end());  // matched by id, not by position
    auto c = pd::compareZeroShot(a, b);
    QCOMPARE(c.n, std::int64_t(10));
    QCOMPARE(c.mcnemar.b, std::int64_t(5));
    QCOMPARE(c.mcnemar.c, std::int64_t(2));
    QCOMPARE(c.bothRight, std::int64_t(3));
    QCOMPARE(c.bothWrong, std::int64_t(0));
    QCOMPARE(c.accuracyA, 0.8);
    QCOMPARE(c.accuracyB, 0.5);
    QVERIFY(c.mcnemar.exact);
    // Exact two-sided binomial p for min(b,c)=2 of 7: 2 * (1+7+21)/128.
    QVERIFY(std::abs(c.mcnemar.pValue - 2.0 * 29.0 / 128.0) < 1e-9);
    auto missing = b;
    missing[0].id = "other";
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::compareZeroShot(a, missing));
    auto relabelled = b;
    relabelled[3].label = 0;
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::compareZeroShot(a, relabelled));
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::compareZeroShot(a, {b.begin(), b.end() - 1}));
  }
};

QTEST_GUILESS_MAIN(TestZeroShot)
#include "test_zero_shot.moc"
