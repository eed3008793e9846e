// Charts: expected graphs per chart, tooltips, zoom reset, export to PNG/PDF (SVG refused when
// Qt SVG is missing), screenshots.
#include <qcustomplot.h>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "charts/class_diff_chart.h"
#include "charts/confusion_chart.h"
#include "charts/few_shot_chart.h"
#include "charts/training_curve_chart.h"
#include "ui_test_util.h"

using namespace pd::charts;

class TestCharts : public QObject {
  Q_OBJECT
 private slots:
  void fewShotHasLinesBandsAndZeroShot() {
    FewShotChart chart;
    chart.resize(720, 520);
    chart.setData(pd::test::fewShotSample());
    QCOMPARE(chart.countRole("line"), 3);
    QCOMPARE(chart.countRole("band"), 3);
    QCOMPARE(chart.countRole("zeroShot"), 1);
    QCOMPARE(chart.countRole("zeroShotLine"), 1);
    QCOMPARE(chart.plot()->graphCount(), 3 * 3 + 2);  // line + band edges per method, star, dash
    // Legend: the three methods and the star only.
    QCOMPARE(chart.plot()->legend->itemCount(), 4);
    // Log2 axis: 0 → 0, 1 → 1, 16 → 5.
    QCOMPARE(FewShotChart::shotsToAxis(0), 0.0);
    QCOMPARE(FewShotChart::shotsToAxis(16), 5.0);
    QCOMPARE(FewShotChart::axisToShots(3), 4.0);
    // The dashed line spans the axis; the star sits at 0 shots.
    QCPGraph* star = nullptr;
    QCPGraph* dashed = nullptr;
    for (int i = 0; i < chart.plot()->graphCount(); ++i) {
      QCPGraph* g = chart.plot()->graph(i);
      if (g->property(kRoleProperty) == "zeroShot") star = g;
      if (g->property(kRoleProperty) == "zeroShotLine") dashed = g;
    }
    QVERIFY(star && dashed);
    QCOMPARE(star->data()->at(0)->key, 0.0);
    QCOMPARE(star->scatterStyle().shape(), QCPScatterStyle::ssStar);
    QCOMPARE(dashed->pen().style(), Qt::DashLine);
    QVERIFY(dashed->data()->at(0)->key <= 0 && dashed->data()->at(1)->key >= 5);
  }

  void fewShotTooltipShowsMeanAndStd() {
    FewShotChart chart;
    chart.resize(720, 520);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    const FewShotData d = pd::test::fewShotSample();
    chart.setData(d);
    chart.plot()->replot();
    QCPGraph* line = nullptr;
    for (int i = 0; i < chart.plot()->graphCount() && !line; ++i)
      if (chart.plot()->graph(i)->property(kRoleProperty) == "line") line = chart.plot()->graph(i);
    QVERIFY(line);
    const auto pt = line->data()->at(4);  // 16 shots
    const QPointF px = line->coordsToPixels(pt->key, pt->value);
    const QString tip = chart.tooltipAt(px);
    QVERIFY2(
        tip.contains("CoOp") && tip.contains("16 shots") && tip.contains(QString::fromUtf8("±")),
        qPrintable(tip));
    QVERIFY(tip.contains(QString::number(d.methods[0].points[4].mean, 'f', 2)));
    QVERIFY(chart.tooltipAt(QPointF(-100, -100)).isEmpty());
    pd::test::saveShot(&chart, "chart_few_shot.png");
  }

  void zoomAndReset() {
    FewShotChart chart;
    chart.setData(pd::test::fewShotSample());
    QVERIFY(chart.plot()->interactions().testFlag(QCP::iRangeZoom));
    QVERIFY(chart.plot()->interactions().testFlag(QCP::iRangeDrag));
    const QCPRange original = chart.plot()->xAxis->range();
    chart.plot()->xAxis->scaleRange(0.25);
    QVERIFY(chart.plot()->xAxis->range().size() < original.size());
    chart.resetZoom();
    QCOMPARE(chart.plot()->xAxis->range().lower, original.lower);
    QCOMPARE(chart.plot()->xAxis->range().upper, original.upper);
  }

  void exportPngPdf() {
    QTemporaryDir dir;
    FewShotChart chart;
    chart.resize(640, 480);
    chart.setData(pd::test::fewShotSample());
    QString error;
    QVERIFY2(chart.exportTo(dir.filePath("few.png"), &error), qPrintable(error));
    QVERIFY2(chart.exportTo(dir.filePath("few.pdf"), &error), qPrintable(error));
    QVERIFY(QFileInfo(dir.filePath("few.png")).size() > 1000);
    QVERIFY(QFileInfo(dir.filePath("few.pdf")).size() > 1000);
    QFile pdf(dir.filePath("few.pdf"));
    QVERIFY(pdf.open(QIODevice::ReadOnly));
    QVERIFY(pdf.read(5) == "%PDF-");
    QImage png(dir.filePath("few.png"));
    QVERIFY(!png.isNull() && png.width() >= 640);
    // Not built with Qt SVG: refused with a reason, no file.
    if (!ChartView::exportFormats().contains("svg")) {
      QVERIFY(!chart.exportTo(dir.filePath("few.svg"), &error));
      QVERIFY(error.contains("SVG"));
      QVERIFY(!QFileInfo::exists(dir.filePath("few.svg")));
    }
    QVERIFY(!chart.exportTo(dir.filePath("few.bmpx"), &error));
    chart.exportTo(pd::test::outputDir() + "/chart_few_shot_export.pdf");
  }

  void trainingCurves() {
    TrainingCurveChart chart;
    chart.resize(640, 420);
    TrainingCurvesData d;
    d.title = "CoOp on Caltech101 (16 shots)";
    d.xLabel = "Epoch";
    d.y2Label = "Accuracy (%)";
    Curve loss{"loss", {}, {}, false}, acc{"train acc", {}, {}, true};
    for (int e = 0; e <= 50; ++e) {
      loss.x.push_back(e), loss.y.push_back(2.3 * std::exp(-e / 12.0) + 0.2);
      acc.x.push_back(e), acc.y.push_back(95 - 60 * std::exp(-e / 10.0));
    }
    d.curves = {loss, acc};
    chart.setData(d);
    QCOMPARE(chart.curveCount(), 2);
    QVERIFY(chart.plot()->yAxis2->visible());
    QCOMPARE(chart.plot()->graph(1)->valueAxis(), chart.plot()->yAxis2);
    QCOMPARE(chart.plot()->graph(0)->dataCount(), 51);
    chart.appendPoint("loss", 51, 0.21);
    chart.appendPoint("val acc", 51, 90);  // new curve, right axis by name
    QCOMPARE(chart.curveCount(), 3);
    QCOMPARE(chart.plot()->graph(0)->dataCount(), 52);
    chart.resetZoom();
    pd::test::saveShot(&chart, "chart_training_curves.png");
  }

  void classDiffBars() {
    ClassDiffChart chart;
    chart.resize(720, 420);
    ClassDiffData d;
    d.title = "Per-class accuracy: CoOp − zero-shot";
    d.classNames = pd::test::sampleClasses(10);
    d.diff = {3.5, -2.0, 12.0, 0.5, -6.5, 8.0, 1.0, -0.5, 4.0, 2.5};
    chart.setData(d);
    QCOMPARE(chart.barCount(), 10);
    QCOMPARE(chart.countRole("bars"), 2);  // gains and losses
    auto* gains = qobject_cast<QCPBars*>(chart.plot()->plottable(0));
    auto* losses = qobject_cast<QCPBars*>(chart.plot()->plottable(1));
    QVERIFY(gains && losses);
    QCOMPARE(gains->dataCount(), 7);
    QCOMPARE(losses->dataCount(), 3);
    // Sorted: the largest gain first.
    QCOMPARE(gains->data()->at(0)->key, 0.0);
    QCOMPARE(gains->data()->at(0)->value, 12.0);
    auto ticker = chart.plot()->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
    QVERIFY(ticker);
    QCOMPARE(ticker->ticks().value(0.0), QString("bird"));
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.plot()->replot();
    const QPointF px = gains->dataPixelPosition(0);
    const QString tip = chart.tooltipAt(px + QPointF(0, 3));
    QVERIFY2(tip.contains("bird") && tip.contains("+12.00"), qPrintable(tip));
    pd::test::saveShot(&chart, "chart_class_diff.png");
  }

  void confusionHeatmap() {
    ConfusionChart chart;
    chart.resize(620, 520);
    ConfusionData d;
    d.title = "Confusion matrix — CoOp";
    d.classNames = pd::test::sampleClasses(5);
    d.counts = {
        {40, 5, 3, 2, 0}, {4, 44, 0, 1, 1}, {2, 0, 38, 8, 2}, {1, 2, 9, 35, 3}, {0, 1, 2, 2, 45}};
    chart.setData(d);
    QCOMPARE(chart.colorMap()->data()->keySize(), 5);
    QCOMPARE(chart.colorMap()->data()->valueSize(), 5);
    QVERIFY(chart.colorScale() != nullptr);
    QCOMPARE(chart.colorMap()->colorScale(), chart.colorScale());
    QVERIFY(qAbs(chart.colorMap()->data()->cell(0, 0) - 0.8) < 1e-9);   // 40 / 50
    QVERIFY(qAbs(chart.colorMap()->data()->cell(3, 2) - 0.16) < 1e-9);  // true 2, pred 3: 8/50
    const QString cell = chart.describeCell(2, 3);
    QVERIFY2(
        cell.contains("true: bird") && cell.contains("predicted: cat") && cell.contains("count: 8"),
        qPrintable(cell));
    QVERIFY(chart.describeCell(7, 0).isEmpty());
    QCOMPARE(chart.plot()->itemCount(), 25);  // one value label per cell
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.plot()->replot();
    const QPointF px(chart.plot()->xAxis->coordToPixel(3), chart.plot()->yAxis->coordToPixel(2));
    QCOMPARE(chart.tooltipAt(px), cell);
    pd::test::saveShot(&chart, "chart_confusion.png");
  }
};

QTEST_MAIN(TestCharts)
#include "test_charts.moc"
