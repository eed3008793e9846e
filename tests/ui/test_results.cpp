// Results table (sort/filter) and the side-by-side comparison view, from plain structs.
#include <qcustomplot.h>
#include <QLabel>
#include <QPainter>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "charts/class_diff_chart.h"
#include "charts/confusion_chart.h"
#include "results/comparison_view.h"
#include "results/results_table.h"
#include "ui_test_util.h"

using namespace pd::ui;

namespace {
ResultsTableData sampleResults() {
  ResultsTableData d;
  d.textColumns = {"Method", "Dataset"};
  d.numberColumns = {"Shots", "Seed", "Top-1 (%)"};
  const char* methods[] = {"Zero-shot CLIP", "CoOp", "CoCoOp", "Linear probe"};
  const char* datasets[] = {"caltech101", "oxford_pets", "eurosat"};
  double acc = 60;
  for (const char* m : methods)
    for (const char* ds : datasets)
      for (int shots : {1, 16}) {
        acc = std::fmod(acc * 1.37 + 11.3, 40) + 55;
        d.rows.push_back({{m, ds}, {double(shots), 1, acc}});
      }
  return d;
}

ComparisonData sampleComparison(const QString& dir) {
  ComparisonData c;
  c.nameA = "a photo of a {class}.";
  c.nameB = "CoOp (M=16)";
  c.dataset = "CIFAR-10 (test, 10 000 images)";
  c.metrics = {{"Top-1 accuracy (%)", 88.4, 87.8, 89.0, 91.2, 90.6, 91.7},
               {"Macro F1 (%)", 88.1, 87.4, 88.7, 91.0, 90.4, 91.6},
               {"ECE (%)", 4.1, 3.6, 4.7, 2.9, 2.5, 3.4}};
  c.test = {"McNemar", 41.7, 1.1e-10, 190, 470, 0.05};
  c.classDiff.classNames = pd::test::sampleClasses(10);
  c.classDiff.diff = {1.2, 0.4, 6.5, 9.1, 3.3, 5.0, -1.5, 2.2, 0.8, -0.6};
  c.confusionA.title = "a photo of a {class}.";
  c.confusionB.title = "CoOp (M=16)";
  c.confusionA.classNames = c.confusionB.classNames = pd::test::sampleClasses(10);
  for (int t = 0; t < 10; ++t) {
    std::vector<double> ra(10, 0), rb(10, 0);
    for (int p = 0; p < 10; ++p) {
      ra[size_t(p)] = p == t ? 880 : (p == (t + 1) % 10 ? 60 : 7);
      rb[size_t(p)] = p == t ? 912 : (p == (t + 1) % 10 ? 30 : 6);
    }
    c.confusionA.counts.push_back(ra);
    c.confusionB.counts.push_back(rb);
  }
  const auto names = pd::test::sampleClasses(10);
  for (int i = 0; i < 12; ++i) {
    QImage img(64, 48, QImage::Format_RGB32);
    img.fill(QColor::fromHsv((i * 37) % 360, 160, 220));
    QPainter p(&img);
    p.drawText(img.rect(), Qt::AlignCenter, QString::number(i));
    p.end();
    const QString path = dir + QString("/img_%1.png").arg(i);
    img.save(path);
    DisagreementItem d;
    d.id = "test/" + std::to_string(1000 + i);
    d.imagePath = path.toStdString();
    d.trueLabel = names[size_t(i % 10)];
    // 0..5: only B right; 6..8: only A right; 9..11: both wrong.
    d.predA = i < 6 ? names[size_t((i + 1) % 10)] : d.trueLabel;
    d.predB = i < 6 ? d.trueLabel : names[size_t((i + 2) % 10)];
    if (i >= 9) d.predA = names[size_t((i + 3) % 10)];
    c.disagreements.push_back(d);
  }
  return c;
}
}  // namespace

class TestResults : public QObject {
  Q_OBJECT
 private slots:
  void tableSortsNumericallyAndFilters() {
    ResultsTable t;
    t.setData(sampleResults());
    QCOMPARE(t.visibleRows(), 24);
    QCOMPARE(t.view()->model()->columnCount(), 5);
    t.sortBy(4, Qt::DescendingOrder);
    double prev = 1e9;
    for (int r = 0; r < t.visibleRows(); ++r) {
      const double v = t.proxy()->index(r, 4).data().toDouble();
      QVERIFY(v <= prev);
      prev = v;
    }
    QVERIFY(t.cell(0, 4).contains('.'));   // 2 decimals
    QCOMPARE(t.cell(0, 3), QString("1"));  // integers without decimals
    t.setFilter("coop");                   // any column, case-insensitive: CoOp and CoCoOp
    QCOMPARE(t.visibleRows(), 12);
    t.setFilter("eurosat", 1);
    QCOMPARE(t.visibleRows(), 8);
    t.setFilter("eurosat", 0);  // not in the Method column
    QCOMPARE(t.visibleRows(), 0);
    t.setFilter(QString());
    QCOMPARE(t.visibleRows(), 24);
    // Numbers sort as numbers: 16 after 1 ascending, not "16" < "2" text order.
    t.sortBy(2, Qt::AscendingOrder);
    QCOMPARE(t.cell(0, 2), QString("1"));
    QCOMPARE(t.cell(23, 2), QString("16"));
    t.resize(760, 520);
    t.sortBy(4, Qt::DescendingOrder);
    pd::test::saveShot(&t, "results_table.png");
  }

  void comparisonView() {
    QTemporaryDir dir;
    ComparisonView v;
    v.resize(1200, 1000);
    v.setData(sampleComparison(dir.path()));
    QCOMPARE(v.metricsTable()->rowCount(), 3);
    QCOMPARE(v.metricsTable()->item(0, 2)->text(), QString("[87.80, 89.00]"));
    QCOMPARE(v.metricsTable()->item(0, 5)->text(), QString("+2.80"));
    QCOMPARE(v.metricsTable()->item(2, 5)->text(), QString("-1.20"));
    QVERIFY(v.significanceLabel()->text().contains("significant"));
    QVERIFY(!v.significanceLabel()->text().contains("not significant"));
    QVERIFY(v.significanceLabel()->text().contains("1.10e-10"));
    QCOMPARE(v.classDiffChart()->barCount(), 10);
    QCOMPARE(v.confusionChart()->colorMap()->data()->keySize(), 10);
    QVERIFY(qAbs(v.confusionChart()->colorMap()->data()->cell(0, 0) - 880.0 / 996.0) < 1e-9);
    v.showConfusion(1);
    QVERIFY(qAbs(v.confusionChart()->colorMap()->data()->cell(0, 0) - 912.0 / 990.0) < 1e-9);
    v.showConfusion(0);
    QTableWidget* items = v.disagreementTable();
    QCOMPARE(items->rowCount(), 12);
    QCOMPARE(items->columnCount(), 5);
    QVERIFY(!items->item(0, 1)->icon().isNull());  // thumbnail
    QCOMPARE(v.visibleDisagreements(), 12);
    v.setDisagreementFilter(2);  // only B right
    QCOMPARE(v.visibleDisagreements(), 6);
    v.setDisagreementFilter(1);
    QCOMPARE(v.visibleDisagreements(), 3);
    v.setDisagreementFilter(3);
    QCOMPARE(v.visibleDisagreements(), 3);
    v.setDisagreementFilter(0);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    pd::test::saveShot(&v, "comparison_view.png");
  }

  void textItemsAndNotSignificant() {
    ComparisonView v;
    ComparisonData c;
    c.nameA = "It was {mask}.";
    c.nameB = "Overall, it was {mask}.";
    c.metrics = {{"Accuracy (%)", 80, 78, 82, 80.5, 78.5, 82.5}};
    c.test = {"McNemar", 0.4, 0.53, 12, 14, 0.05};
    c.classDiff.classNames = {"negative", "positive"};
    c.classDiff.diff = {0.5, 0.5};
    c.confusionA.classNames = c.confusionB.classNames = {"negative", "positive"};
    c.confusionA.counts = c.confusionB.counts = {{40, 10}, {10, 40}};
    c.disagreements = {
        {"sst2/17", "", "a gripping, if uneven, thriller", "positive", "negative", "positive"}};
    v.setData(c);
    QVERIFY(v.significanceLabel()->text().contains("not significant"));
    QCOMPARE(v.disagreementTable()->item(0, 1)->text(), QString("a gripping, if uneven, thriller"));
    QVERIFY(v.disagreementTable()->item(0, 1)->icon().isNull());
  }
};

QTEST_MAIN(TestResults)
#include "test_results.moc"
