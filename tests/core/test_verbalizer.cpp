// Verbalizers: label words, aliases, JSON round trip, errors naming the field, class-score math.
#include <QtTest/QtTest>

#include <QTemporaryDir>
#include <cmath>
#include <string>

#include "promptdesk/verbalizer.h"

namespace {

template <typename F>
void expectContext(F f, const std::string& context, const char* needle = "") {
  try {
    f();
  } catch (const pd::Error& e) {
    QVERIFY2(e.context() == context,
             qPrintable(QString("context '%1', expected '%2' (%3)")
                            .arg(e.context().c_str(), context.c_str(), e.what())));
    QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
    return;
  }
  QFAIL(qPrintable(QString("no error (expected context %1)").arg(context.c_str())));
}

const char* kSentiment = R"({
  "classes": ["negative", "positive"],
  "label_words": {"negative": ["bad", "terrible"], "positive": "great"},
  "multi_token": "mean",
  "aggregation": "max"
})";

}  // namespace

class TestVerbalizer : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void loadsWordsAndOptions() {
    pd::Verbalizer v = pd::Verbalizer::fromJson(kSentiment);
    QCOMPARE(int(v.classes().size()), 2);
    QCOMPARE(v.classes()[1], std::string("positive"));
    QCOMPARE(int(v.labelWords("negative").size()), 2);
    QCOMPARE(v.labelWords("positive")[0], std::string("great"));
    QVERIFY(v.multiToken == pd::MultiTokenMode::Mean);
    QVERIFY(v.aggregation == pd::WordAggregation::Max);
    QVERIFY(v.normalize);
    v.checkCovers({"negative", "positive"}, pd::Family::MaskedLM);
  }

  void aliasesForClip() {
    pd::Verbalizer v = pd::Verbalizer::fromJson(
        R"({"classes": ["T-shirt/top", "Trouser", "Ankle boot"],
            "aliases": {"T-shirt/top": "t-shirt", "Trouser": "pair of trousers"}})");
    QCOMPARE(v.promptName("T-shirt/top"), std::string("t-shirt"));
    QCOMPARE(v.promptName("Ankle boot"), std::string("Ankle boot"));
    auto names = v.promptNames({"Trouser", "T-shirt/top"});
    QCOMPARE(names[0], std::string("pair of trousers"));
    v.checkCovers({"T-shirt/top", "Trouser", "Ankle boot", "Bag"}, pd::Family::Clip);
    // ... but a language model needs words for every class.
    expectContext(
        [&] {
          v.checkCovers({"T-shirt/top", "Trouser", "Ankle boot"}, pd::Family::MaskedLM);
        },
        "label_words.T-shirt/top", "no label words for class 'T-shirt/top'");
  }

  void missingAndExtraClassesAreNamed() {
    pd::Verbalizer v = pd::Verbalizer::fromJson(kSentiment);
    expectContext(
        [&] {
          v.checkCovers({"negative", "neutral", "positive"}, pd::Family::CausalLM);
        },
        "label_words.neutral", "'neutral'");
    expectContext([&] { v.checkCovers({"negative"}, pd::Family::Clip); }, "class 'positive'",
                  "not one of the dataset's 1 classes");
    expectContext([&] { v.labelWords("cat"); }, "label_words.cat");
  }

  void jsonErrorsNameTheField() {
    expectContext(
        [] { pd::Verbalizer::fromJson(R"({"label_words": {"pos": ["good", 3]}})", "v.json"); },
        "v.json: label_words.pos[1]", "expected a string, got number");
    expectContext([] { pd::Verbalizer::fromJson(R"({"label_word": {}})", "v.json"); },
                  "v.json: label_word", "unknown field");
    expectContext([] { pd::Verbalizer::fromJson(R"({"label_words": {"pos": []}})", "v.json"); },
                  "v.json: label_words.pos", "no label words");
    expectContext(
        [] { pd::Verbalizer::fromJson(R"({"label_words": {"pos": {"a": 1}}})", "v.json"); },
        "v.json: label_words.pos", "got object");
    expectContext([] { pd::Verbalizer::fromJson(R"({"label_words": {"pos": ["  "]}})", "v.json"); },
                  "v.json: label_words.pos[0]", "empty string");
    expectContext(
        [] {
          pd::Verbalizer::fromJson(R"({"classes": ["a"], "aliases": {"b": "bee"}})", "v.json");
        },
        "v.json: aliases.b", "not in \"classes\"");
    expectContext([] { pd::Verbalizer::fromJson(R"({"classes": ["a", "a"]})", "v.json"); },
                  "v.json: classes[1]", "listed twice");
    expectContext(
        [] { pd::Verbalizer::fromJson(R"({"classes": ["a"], "multi_token": "avg"})", "v.json"); },
        "v.json", "unknown multi-token mode 'avg'");
    expectContext(
        [] { pd::Verbalizer::fromJson(R"({"classes": ["a"], "normalize": "yes"})", "v.json"); },
        "v.json: normalize", "true or false");
    expectContext([] { pd::Verbalizer::fromJson("{\"classes\": [", "v.json"); }, "v.json",
                  "not valid JSON");
    expectContext([] { pd::Verbalizer::fromJson("{}", "v.json"); }, "v.json", "no classes");
    expectContext([] { pd::Verbalizer::load("/nonexistent/v.json"); }, "/nonexistent/v.json");
  }

  void savesAndLoadsBack() {
    QTemporaryDir dir;
    pd::Verbalizer v = pd::Verbalizer::fromJson(kSentiment);
    v.setAlias("positive", "good one");
    v.normalize = false;
    const std::string path = dir.filePath("v.json").toStdString();
    v.save(path);
    pd::Verbalizer w = pd::Verbalizer::load(path);
    QCOMPARE(w.classes(), v.classes());
    QCOMPARE(w.labelWords("negative"), v.labelWords("negative"));
    QCOMPARE(w.promptName("positive"), std::string("good one"));
    QVERIFY(w.multiToken == pd::MultiTokenMode::Mean);
    QVERIFY(!w.normalize);
    QCOMPARE(w.toJson(), v.toJson());
  }

  void multiTokenHandling() {
    QCOMPARE(pd::multiTokenScore({2.f, 5.f, -1.f}, pd::MultiTokenMode::First), 2.f);
    QCOMPARE(pd::multiTokenScore({2.f, 5.f, -1.f}, pd::MultiTokenMode::Max), 5.f);
    QCOMPARE(pd::multiTokenScore({2.f, 5.f, -1.f}, pd::MultiTokenMode::Mean), 2.f);
    QVERIFY_EXCEPTION_THROWN(pd::multiTokenScore({}, pd::MultiTokenMode::First), pd::Error);
  }

  void classScoresByHand() {
    const std::vector<float> logits = {0, 1, 2, 3, 4};
    // class 0: words "one" = [1] and "two three" = [2, 3]; class 1: "four" = [4]
    const std::vector<std::vector<std::vector<int>>> ids = {{{1}, {2, 3}}, {{4}}};
    using M = pd::MultiTokenMode;
    using A = pd::WordAggregation;
    auto s = pd::classScores(logits, ids, M::First, A::Mean, false);
    QCOMPARE(s[0], 1.5f);
    QCOMPARE(s[1], 4.f);
    QCOMPARE(pd::classScores(logits, ids, M::Mean, A::Mean, false)[0], 1.75f);
    QCOMPARE(pd::classScores(logits, ids, M::Max, A::Mean, false)[0], 2.f);
    QCOMPARE(pd::classScores(logits, ids, M::First, A::Max, false)[0], 2.f);
    // log-softmax over the three word scores (1, 2, 4): lse = 4.1698460
    const double lse = 4.0 + std::log(std::exp(-3.0) + std::exp(-2.0) + 1.0);
    auto n = pd::classScores(logits, ids, M::First, A::Mean, true);
    QVERIFY(std::abs(n[0] - (1.5 - lse)) < 1e-5);
    QVERIFY(std::abs(n[1] - (4.0 - lse)) < 1e-5);
    QVERIFY(std::abs(pd::classScores(logits, ids, M::First, A::Max, true)[0] - (2 - lse)) < 1e-5);
    expectContext(
        [&] {
          pd::classScores(logits, {{{1}}, {{7}}});
        },
        "class 1, word 0", "outside the vocabulary");
    expectContext([&] { pd::classScores(logits, {{{1}}, {}}); }, "class 1", "no label words");
  }

  void tokenIdsThroughACallback() {
    pd::Verbalizer v = pd::Verbalizer::fromJson(kSentiment);
    auto tok = [](const std::string& w) {
      std::vector<int> ids;
      for (char c : w)
        if (c != ' ') ids.push_back(c - 'a');
      return ids;
    };
    auto ids = v.wordTokenIds({"positive", "negative"}, tok);
    QCOMPARE(int(ids.size()), 2);
    QCOMPARE(int(ids[0][0].size()), 5);  // "great"
    QCOMPARE(int(ids[1].size()), 2);
    expectContext(
        [&] {
          v.wordTokenIds({"positive"}, [](const std::string&) { return std::vector<int>{}; });
        },
        "label_words.positive[0]", "has no tokens");
  }
};

QTEST_GUILESS_MAIN(TestVerbalizer)
#include "test_verbalizer.moc"
