// Template sets, the built-in library, user libraries, and prompt ensembling by hand.
#include "prompts/ensemble.h"

#include <QtTest/QtTest>

#include <QTemporaryDir>
#include <cmath>
#include <fstream>

#include "promptdesk/template_set.h"

namespace {

template <typename F>
void expectError(F f, const std::string& context, const char* needle) {
  try {
    f();
  } catch (const pd::Error& e) {
    QVERIFY2(e.context() == context,
             qPrintable(QString("context '%1' (%2)").arg(e.context().c_str(), e.what())));
    QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
    return;
  }
  QFAIL("no error");
}

}  // namespace

class TestTemplateLibrary : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void builtinHasCoOpPrompts() {
    const auto& lib = pd::TemplateLibrary::builtin();
    auto single = [&](const char* ds) { return lib.get(ds).set().templates.at(0); };
    QCOMPARE(single("generic"), std::string("a photo of a {class}."));
    QCOMPARE(single("OxfordPets"), std::string("a photo of a {class}, a type of pet."));
    QCOMPARE(single("oxford_pets"), std::string("a photo of a {class}, a type of pet."));
    QCOMPARE(single("Flowers"), std::string("a photo of a {class}, a type of flower."));
    QCOMPARE(single("FGVCAircraft"), std::string("a photo of a {class}, a type of aircraft."));
    QCOMPARE(single("DTD"), std::string("{class} texture."));
    QCOMPARE(single("EuroSAT"), std::string("a centered satellite photo of {class}."));
    QCOMPARE(single("Food101"), std::string("a photo of {class}, a type of food."));
    QCOMPARE(single("UCF101"), std::string("a photo of a person doing {class}."));
    QCOMPARE(single("fashion-mnist"), std::string("a photo of a {class}, a type of clothing."));
    const auto& imagenet = lib.get("imagenet").set("ensemble");
    QVERIFY(imagenet.templates.size() >= 20 && imagenet.templates.size() <= 80);
    const auto& fm = lib.get("FashionMNIST");
    QVERIFY(fm.set("ensemble").templates.size() >= 3);
    QCOMPARE(fm.promptName("T-shirt/top"), std::string("t-shirt"));
    QCOMPARE(fm.promptName("Bag"), std::string("bag"));
    QCOMPARE(fm.promptName("Unknown"), std::string("Unknown"));
    QVERIFY(lib.get("sst2").set("cloze").family == pd::Family::MaskedLM);
    QVERIFY(lib.get("sentiment").set("prefix").family == pd::Family::CausalLM);
    QCOMPARE(lib.get("sentiment").set("prefix").templates[0],
             std::string("Review: {text}\nSentiment:"));
    QVERIFY(lib.find("no such set") == nullptr);
    expectError([&] { lib.get("mnist"); }, "template library", "known: generic, ImageNet");
    expectError([&] { lib.get("DTD").set("ensemble"); }, "DTD", "sets: single");
  }

  void everyBuiltinTemplateIsValidAndUnique() {
    int total = 0;
    for (const auto& d : pd::TemplateLibrary::builtin().datasets())
      for (const auto& s : d.sets) {
        auto parsed = s.parsed();
        total += int(parsed.size());
        std::set<std::string> seen(s.templates.begin(), s.templates.end());
        QVERIFY2(seen.size() == s.templates.size(),
                 qPrintable(QString::fromStdString(d.name + "/" + s.name)));
        for (const auto& t : parsed)
          if (s.family == pd::Family::Clip) QVERIFY(!pd::renderClass(t, "cat").empty());
      }
    QVERIFY(total > 40);
  }

  void builtinRoundTrips() {
    const std::string json = pd::TemplateLibrary::builtin().toJson();
    QCOMPARE(pd::TemplateLibrary::fromJson(json, "again").toJson(), json);
  }

  void userLibraryErrorsNameTheField() {
    expectError(
        [] {
          pd::TemplateLibrary::fromJson(
              R"({"datasets": [{"name": "x", "sets": {"single": ["a photo of a {clas}."]}}]})",
              "u.json");
        },
        "u.json: datasets[0].sets.single[0]", "1:14: unknown placeholder '{clas}'");
    expectError(
        [] {
          pd::TemplateLibrary::fromJson(
              R"({"datasets": [{"name": "x", "sets": {"single": ["{text} is {mask}."]}}]})",
              "u.json");
        },
        "u.json: datasets[0].sets.single[0]", "{text} is for language-model");
    expectError(
        [] {
          pd::TemplateLibrary::fromJson(
              R"({"datasets": [{"name": "x", "sets": {"c": {"family": "mlm", "templates": ["{text}."]}}}]})",
              "u.json");
        },
        "u.json: datasets[0].sets.c.templates[0]", "needs {mask}");
    expectError(
        [] {
          pd::TemplateLibrary::fromJson(
              R"({"datasets": [{"name": "x", "sets": {"c": {"family": "bert", "templates": []}}}]})",
              "u.json");
        },
        "u.json: datasets[0].sets.c.family", "unknown model family 'bert'");
    expectError(
        [] {
          pd::TemplateLibrary::fromJson(R"({"datasets": [{"name": "x", "sets": {"s": []}}]})",
                                        "u.json");
        },
        "u.json: datasets[0].sets.s", "non-empty list");
    expectError(
        [] {
          pd::TemplateLibrary::fromJson(
              R"({"datasets": [{"name": "x", "default": "y", "sets": {"s": ["{class}"]}}]})",
              "u.json");
        },
        "u.json: datasets[0].default", "no set named 'y'");
    expectError(
        [] {
          pd::TemplateLibrary::fromJson(R"({"datasets": [{"name": "x", "set": {}}]})", "u.json");
        },
        "u.json: datasets[0].set", "unknown field");
    expectError(
        [] {
          pd::TemplateLibrary::fromJson(
              R"({"datasets": [{"name": "x", "sets": {"s": ["{class}"]}}, {"name": "X", "sets": {"s": ["{class}"]}}]})",
              "u.json");
        },
        "u.json: datasets[1].name", "appears twice");
    expectError([] { pd::TemplateLibrary::fromJson("[1, 2]", "u.json"); }, "u.json", "expected {");
    expectError([] { pd::TemplateLibrary::load("/nonexistent/lib.json"); }, "/nonexistent/lib.json",
                "cannot open");
  }

  void userLibraryMergesIntoBuiltins() {
    const std::string path = std::string(PD_TEST_DATA) + "/prompts/user_library.json";
    pd::TemplateLibrary lib = pd::TemplateLibrary::builtin();
    lib.merge(pd::TemplateLibrary::load(path));
    QCOMPARE(lib.get("OxfordPets").set().templates[0], std::string("a cute {class}."));
    QCOMPARE(lib.get("OxfordPets").set("single").templates[0],
             std::string("a photo of a {class}, a type of pet."));
    QCOMPARE(lib.get("cub").set().templates.size(), std::size_t(1));
    QCOMPARE(lib.datasets().size(), pd::TemplateLibrary::builtin().datasets().size() + 1);
  }

  void ensembleByHand() {
    // One class, two templates: [3, 4] -> [0.6, 0.8]; [0, 2] -> [0, 1]; mean [0.3, 0.9];
    // |mean| = sqrt(0.9) -> [0.316228, 0.948683]. Class 2: [1, 0] and [0, -5] -> [.7071, -.7071]
    std::vector<std::vector<std::vector<float>>> e = {{{3, 4}, {1, 0}}, {{0, 2}, {0, -5}}};
    auto out = pd::ensembleClassEmbeddings(e);
    QCOMPARE(int(out.size()), 2);
    QVERIFY(std::abs(out[0][0] - 0.3 / std::sqrt(0.9)) < 1e-6);
    QVERIFY(std::abs(out[0][1] - 0.9 / std::sqrt(0.9)) < 1e-6);
    QVERIFY(std::abs(out[1][0] - std::sqrt(0.5)) < 1e-6);
    QVERIFY(std::abs(out[1][1] + std::sqrt(0.5)) < 1e-6);
    // The tensor version agrees.
    at::Tensor t = at::tensor({3.f, 4.f, 1.f, 0.f, 0.f, 2.f, 0.f, -5.f}).view({2, 2, 2});
    at::Tensor r = pd::prompts::ensembleClassEmbeddings(t);
    QCOMPARE(r.sizes().vec(), (std::vector<int64_t>{2, 2}));
    for (int c = 0; c < 2; ++c)
      for (int d = 0; d < 2; ++d) QVERIFY(std::abs(r[c][d].item<float>() - out[c][d]) < 1e-6);
    // A single template is just normalisation.
    auto one = pd::ensembleClassEmbeddings({{{0, 0, 7}}});
    QCOMPARE(one[0], (std::vector<float>{0, 0, 1}));
    expectError(
        [] {
          pd::ensembleClassEmbeddings({{{1, 0}}, {{0, 0}}});
        },
        "ensemble: template 1, class 0", "zero");
    expectError(
        [] {
          pd::ensembleClassEmbeddings({{{1, 0}}, {{1, 0}, {1, 1}}});
        },
        "ensemble: template 1", "2 classes, expected 1");
    expectError(
        [] {
          pd::ensembleClassEmbeddings({{{1, 0}}, {{1}}});
        },
        "ensemble: template 1, class 0", "size 1, expected 2");
    expectError(
        [] {
          pd::ensembleClassEmbeddings({{{1, 0}}, {{-1, 0}}});
        },
        "ensemble: class 0", "cancel");
    QVERIFY_EXCEPTION_THROWN(pd::prompts::ensembleClassEmbeddings(at::zeros({2, 2, 2})), pd::Error);
    QVERIFY_EXCEPTION_THROWN(pd::prompts::ensembleClassEmbeddings(at::ones({2, 2})), pd::Error);
  }
};

QTEST_GUILESS_MAIN(TestTemplateLibrary)
#include "test_template_library.moc"
