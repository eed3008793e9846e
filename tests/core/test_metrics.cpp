// Metrics against hand computations: confusion, macro-F1, top-k, ECE, bootstrap coverage, McNemar.
#include <nlohmann/json.hpp>

#include <QtTest/QtTest>

#include <QTemporaryDir>
#include <cmath>
#include <fstream>

#include "promptdesk/error.h"
#include "promptdesk/metrics.h"

namespace {

bool near(double a, double b, double tol = 1e-6) { return std::abs(a - b) <= tol; }

#define PD_NEAR(a, b) \
  QVERIFY2(           \
      near((a), (b)), \
      qPrintable(QString("%1 = %2, expected %3").arg(#a).arg(a, 0, 'g', 10).arg(b, 0, 'g', 10)))

// Six items, three classes (worked by hand in the comments).
std::vector<pd::ScoredItem> sixItems() {
  return {{"a", 0, {2, 1, 0}},   // pred 0, right
          {"b", 0, {0, 3, 1}},   // pred 1, wrong; true class ranks 3rd
          {"c", 1, {0, 2, 1}},   // pred 1, right
          {"d", 1, {1, 0, 0}},   // pred 0, wrong; tie 0 = 0 broken by index: ranks 2nd
          {"e", 2, {0, 0, 5}},   // pred 2, right
          {"f", 2, {0, 4, 1}}};  // pred 1, wrong; ranks 2nd
}

}  // namespace

class TestMetrics : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void confusionAndMacroF1ByHand() {
    pd::MetricsOptions opt;
    opt.topK = 2;
    pd::Metrics m = pd::computeMetrics(sixItems(), 3, opt);
    const std::vector<std::vector<std::int64_t>> expected = {{1, 1, 0}, {1, 1, 0}, {0, 1, 1}};
    QCOMPARE(m.confusion, expected);
    QCOMPARE(m.predictions, (std::vector<int>{0, 1, 1, 0, 2, 1}));
    PD_NEAR(m.accuracy, 0.5);
    PD_NEAR(m.top5, 5.0 / 6.0);  // top-2 here
    // F1: class 0: P 1/2 R 1/2 -> 0.5; class 1: P 1/3 R 1/2 -> 0.4; class 2: P 1 R 1/2 -> 2/3
    PD_NEAR(m.perClass[0].f1, 0.5);
    PD_NEAR(m.perClass[1].f1, 0.4);
    PD_NEAR(m.perClass[2].f1, 2.0 / 3.0);
    PD_NEAR(m.macroF1, (0.5 + 0.4 + 2.0 / 3.0) / 3.0);
    PD_NEAR(m.perClass[1].precision, 1.0 / 3.0);
    PD_NEAR(m.perClass[2].accuracy, 0.5);
    QCOMPARE(m.perClass[1].predicted, std::int64_t(3));
    // Default top-5 with 3 classes counts everything.
    PD_NEAR(pd::computeMetrics(sixItems(), 3).top5, 1.0);
    // A class that never occurs (as label or prediction) is left out of macro-F1.
    auto items = sixItems();
    for (auto& it : items) it.scores.push_back(-10);
    PD_NEAR(pd::computeMetrics(items, 4).macroF1, (0.5 + 0.4 + 2.0 / 3.0) / 3.0);
  }

  void eceByHand() {
    // Bins of width 1/15: 0.95 -> bin 14 (acc 1/2), 0.55 -> bin 8 (acc 2/3), 0.25 -> bin 3 (acc 0)
    std::vector<double> conf = {0.95, 0.95, 0.55, 0.55, 0.55, 0.25};
    std::vector<bool> right = {true, false, true, true, false, false};
    std::vector<pd::ReliabilityBin> bins;
    double ece = pd::expectedCalibrationError(conf, right, 15, &bins);
    PD_NEAR(ece, 2.0 / 6 * 0.45 + 3.0 / 6 * (2.0 / 3 - 0.55) + 1.0 / 6 * 0.25);
    PD_NEAR(ece, 0.25);
    QCOMPARE(int(bins.size()), 15);
    QCOMPARE(bins[8].count, std::int64_t(3));
    PD_NEAR(bins[14].accuracy, 0.5);
    // From logits through the softmax: confidences 0.75, 0.75, 0.9, 0.5.
    std::vector<pd::ScoredItem> items = {{"", 0, {float(std::log(3.0)), 0}},
                                         {"", 1, {float(std::log(3.0)), 0}},
                                         {"", 1, {0, float(std::log(9.0))}},
                                         {"", 0, {0, 0}}};
    pd::Metrics m = pd::computeMetrics(items, 2);
    QVERIFY(near(m.ece, 0.5 * 0.25 + 0.25 * 0.1 + 0.25 * 0.5, 1e-6));
    // A perfectly calibrated model: confidence 1, always right.
    PD_NEAR(pd::expectedCalibrationError({1.0, 1.0}, {true, true}), 0.0);
  }

  void bootstrapCoversAboutNinetyFivePercent() {
    // 200 synthetic experiments: 200 items right with probability 0.7.
    const double p = 0.7;
    int covered = 0;
    const int experiments = 200;
    pd::Rng data(12345);
    for (int e = 0; e < experiments; ++e) {
      std::vector<bool> right(200);
      for (auto&& r : right) r = data.uniform() < p;
      auto ci = pd::bootstrapAccuracyCI(right, 1000, 0.95, 1000 + e);
      QVERIFY(ci.first <= ci.second);
      covered += ci.first <= p && p <= ci.second;
    }
    const double coverage = double(covered) / experiments;
    qInfo("bootstrap 95%% CI coverage over %d experiments: %.3f", experiments, coverage);
    QVERIFY2(coverage >= 0.90 && coverage <= 0.99, qPrintable(QString::number(coverage)));
    // Seeded: the same seed gives the same interval; all-right items give [1, 1].
    std::vector<bool> r = {true, false, true, true, false, true, true, true};
    QCOMPARE(pd::bootstrapAccuracyCI(r, 500, 0.95, 7), pd::bootstrapAccuracyCI(r, 500, 0.95, 7));
    auto all = pd::bootstrapAccuracyCI({true, true, true}, 100);
    PD_NEAR(all.first, 1.0);
    PD_NEAR(all.second, 1.0);
    pd::Metrics m = pd::computeMetrics(sixItems(), 3);
    QVERIFY(m.ciLow < m.accuracy && m.accuracy < m.ciHigh);
  }

  void rngIsUniformAndReproducible() {
    pd::Rng a(1), b(1);
    for (int i = 0; i < 10; ++i) QCOMPARE(a.next(), b.next());
    std::vector<int> counts(10, 0);
    for (int i = 0; i < 100000; ++i) ++counts[a.below(10)];
    for (int c : counts) QVERIFY2(c > 9500 && c < 10500, qPrintable(QString::number(c)));
  }

  void mcnemarKnownTables() {
    // b = 10, c = 2: n = 12 < 25 -> exact: p = 2 * (C(12,0)+C(12,1)+C(12,2)) / 2^12 = 158/4096
    pd::McNemarResult r = pd::mcnemar(10, 2);
    QVERIFY(r.exact);
    PD_NEAR(r.statistic, 2.0);
    PD_NEAR(r.pValue, 158.0 / 4096.0);
    QVERIFY(r.significant);
    // Same table, chi-square with continuity correction: (|10-2|-1)^2/12 = 4.0833, p = 0.043308
    r = pd::mcnemar(10, 2, 0.05, 0);
    QVERIFY(!r.exact);
    PD_NEAR(r.statistic, 49.0 / 12.0);
    QVERIFY(near(r.pValue, 0.0433081428, 1e-8));
    // b = 25, c = 10: chi-square 196/35 = 5.6, p = 0.0179605
    r = pd::mcnemar(25, 10);
    QVERIFY(!r.exact);
    PD_NEAR(r.statistic, 5.6);
    QVERIFY(near(r.pValue, 0.0179604775, 1e-8));
    // b = 3, c = 9: exact p = 2 * 299/4096 = 0.145996, not significant
    r = pd::mcnemar(3, 9);
    PD_NEAR(r.pValue, 598.0 / 4096.0);
    QVERIFY(!r.significant);
    PD_NEAR(pd::mcnemar(0, 0).pValue, 1.0);
    PD_NEAR(pd::mcnemar(5, 5).pValue, 1.0);
    PD_NEAR(pd::mcnemar(20, 20).pValue, 1.0);  // chi-square floored at 0
    // From per-item correctness: A right/B wrong twice, the reverse once.
    r = pd::mcnemar(std::vector<bool>{true, true, true, false, false},
                    std::vector<bool>{false, false, true, true, false});
    QCOMPARE(r.b, std::int64_t(2));
    QCOMPARE(r.c, std::int64_t(1));
    PD_NEAR(r.pValue, 1.0);
    QVERIFY_EXCEPTION_THROWN(pd::mcnemar(std::vector<bool>{true}, std::vector<bool>{}), pd::Error);
  }

  void badItemsAreNamed() {
    auto items = sixItems();
    items[3].label = 7;
    try {
      pd::computeMetrics(items, 3);
      QFAIL("bad label accepted");
    } catch (const pd::Error& e) {
      QCOMPARE(e.context(), std::string("item 'd'"));
    }
    items = sixItems();
    items[4].scores.pop_back();
    items[4].id.clear();
    try {
      pd::computeMetrics(items, 3);
      QFAIL("short scores accepted");
    } catch (const pd::Error& e) {
      QCOMPARE(e.context(), std::string("item #4"));
    }
    items = sixItems();
    items[0].scores[1] = std::nanf("");
    QVERIFY_EXCEPTION_THROWN(pd::computeMetrics(items, 3), pd::Error);
    QVERIFY_EXCEPTION_THROWN(pd::computeMetrics({}, 3), pd::Error);
  }

  void resultsJson() {
    auto items = sixItems();
    pd::Metrics m = pd::computeMetrics(items, 3);
    QTemporaryDir dir;
    const std::string path = dir.filePath("results.json").toStdString();
    pd::writeMetricsJson(path, m, items, {"cat", "dog", "bird"});
    std::ifstream in(path);
    nlohmann::json j = nlohmann::json::parse(in);
    QCOMPARE(j["accuracy"].get<double>(), 0.5);
    QCOMPARE(j["top5"].get<double>(), 1.0);
    PD_NEAR(j["macro_f1"].get<double>(), m.macroF1);
    PD_NEAR(j["ece"].get<double>(), m.ece);
    QCOMPARE(int(j["accuracy_ci95"].size()), 2);
    PD_NEAR(j["accuracy_ci95"][0].get<double>(), m.ciLow);
    QCOMPARE(j["per_class"][1]["class"].get<std::string>(), std::string("dog"));
    PD_NEAR(j["per_class"][2]["accuracy"].get<double>(), 0.5);
    QCOMPARE(j["confusion"][2][1].get<int>(), 1);
    QCOMPARE(int(j["items"].size()), 6);
    QCOMPARE(j["items"][1]["id"].get<std::string>(), std::string("b"));
    QCOMPARE(j["items"][1]["label"].get<int>(), 0);
    QCOMPARE(j["items"][1]["pred"].get<int>(), 1);
    QCOMPARE(j["items"][1]["scores"][1].get<double>(), 3.0);
    QVERIFY_EXCEPTION_THROWN(pd::metricsToJson(m, items, {"cat"}), pd::Error);
  }
};

QTEST_GUILESS_MAIN(TestMetrics)
#include "test_metrics.moc"
