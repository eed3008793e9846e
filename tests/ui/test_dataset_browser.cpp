// The dataset browser on Fashion-MNIST (60k train / 10k test, IDX): class counts per split, a
// thumbnail grid of 10k items decoded lazily off the GUI thread (only what is shown), smooth
// while scrolling from top to bottom (worst GUI-thread gap measured), and the few-shot split of a
// chosen k/seed highlighted exactly as pd::sampleFewShot picks it.
#include <QElapsedTimer>
#include <QLabel>
#include <QListView>
#include <QScrollBar>
#include <QSpinBox>
#include <QTableWidget>
#include <QtTest/QtTest>

#include <set>

#include "datasets/dataset_browser.h"
#include "promptdesk/dataset.h"
#include "ui_test_util.h"

using pd::ui::DatasetBrowser;
using pd::ui::ThumbnailModel;

namespace {
const char* kFashion = "/usr/share/datasets/fashion-mnist";
}

class TestDatasetBrowser : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    if (!QFileInfo::exists(kFashion)) QSKIP("Fashion-MNIST is not installed here");
  }

  void fashionMnist() {
    DatasetBrowser b;
    b.resize(1300, 850);
    b.show();
    QVERIFY(QTest::qWaitForWindowExposed(&b));
    QSignalSpy loaded(&b, &DatasetBrowser::loaded);
    QElapsedTimer open;
    open.start();
    b.load(kFashion);
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 30000);
    QVERIFY(loaded.at(0).at(0).toBool());
    const qint64 openMs = open.elapsed();

    // Classes × splits: 6000 train and 1000 test items per class.
    QTableWidget* t = b.classTable();
    QCOMPARE(t->rowCount(), 10);
    QCOMPARE(t->horizontalHeaderItem(t->columnCount() - 1)->text(), QString("Total"));
    int trainCol = -1, testCol = -1;
    for (int c = 0; c < t->columnCount(); ++c) {
      if (t->horizontalHeaderItem(c)->text() == "train") trainCol = c;
      if (t->horizontalHeaderItem(c)->text() == "test") testCol = c;
    }
    QVERIFY(trainCol > 0 && testCol > 0);
    for (int r = 0; r < 10; ++r) {
      QCOMPARE(t->item(r, trainCol)->data(Qt::DisplayRole).toLongLong(), 6000);
      QCOMPARE(t->item(r, testCol)->data(Qt::DisplayRole).toLongLong(), 1000);
    }

    // The 10k test items: only what is on screen is decoded.
    b.setFewShot(0, 1);
    b.showSplit("test");
    ThumbnailModel* m = b.thumbnails();
    QCOMPARE(m->rowCount(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(m->decodedCount() > 50, 20000);
    QTest::qWait(300);
    const int firstScreen = m->decodedCount();
    QVERIFY2(firstScreen < 1000, qPrintable(QString::number(firstScreen)));
    pd::test::saveShot(&b, "dataset_browser_test_split.png");

    // Scroll top to bottom a page at a time (as fast as the event loop allows) and measure the
    // event loop: the GUI thread never waits for decoding.
    QScrollBar* bar = b.grid()->verticalScrollBar();
    QVERIFY(bar->maximum() > 0);
    QElapsedTimer since;
    qint64 worst = 0;
    QTimer watchdog;
    watchdog.setInterval(10);
    connect(&watchdog, &QTimer::timeout, [&] { worst = std::max(worst, since.restart()); });
    since.start();
    watchdog.start();
    QElapsedTimer scroll;
    scroll.start();
    while (bar->value() < bar->maximum()) {
      bar->setValue(std::min(bar->maximum(), bar->value() + bar->pageStep()));
      QTest::qWait(16);
    }
    const qint64 scrollMs = scroll.elapsed();
    // The last screen gets its thumbnails.
    const QModelIndex last = m->index(m->rowCount() - 1);
    const QPixmap placeholder = m->data(m->index(0), Qt::DecorationRole).value<QPixmap>();
    QTRY_VERIFY_WITH_TIMEOUT(m->decodedCount() > firstScreen + 50, 20000);
    QTest::qWait(500);
    watchdog.stop();
    QVERIFY(b.grid()->viewport()->rect().intersects(b.grid()->visualRect(last)));
    const QImage lastThumb = m->data(last, Qt::DecorationRole).value<QPixmap>().toImage();
    QCOMPARE(lastThumb.width(), ThumbnailModel::kThumb);
    QVERIFY(lastThumb != placeholder.toImage() || m->cachedCount() > 0);
    qInfo("Fashion-MNIST opened in %lld ms; 10000 test items: %d thumbnails decoded for the first "
          "screen, %d after scrolling to the bottom in %lld ms (%d asked for); worst event-loop "
          "gap while scrolling %lld ms; worst batch hand-over %.2f ms",
          openMs, firstScreen, m->decodedCount(), scrollMs, m->requestedCount(), worst,
          m->worstApplyMs());
    QVERIFY2(m->decodedCount() < 5000, "scrolled-past items are not all decoded");
    QVERIFY2(worst <= 100, qPrintable(QString("worst gap %1 ms").arg(worst)));
    pd::test::saveShot(&b, "dataset_browser_scrolled.png");

    // The few-shot split of k = 4, seed 2 on the train split: exactly sampleFewShot's items.
    QElapsedTimer gui;
    gui.start();
    b.showSplit("train");
    const qint64 splitMs = gui.restart();
    QCOMPARE(m->rowCount(), 60000);
    b.setFewShot(4, 2);
    const qint64 fewShotMs = gui.elapsed();
    qInfo("GUI thread: switching to the 60000-item train split %lld ms; sampling and highlighting "
          "k=4 seed 2 %lld ms",
          splitMs, fewShotMs);
    QVERIFY(splitMs <= 100 && fewShotMs <= 100);
    auto ds = pd::openDataset(kFashion);
    pd::FewShotOptions fo;
    fo.shots = 4;
    fo.seed = 2;
    const pd::FewShotSplit split = pd::sampleFewShot(*ds, fo);
    QCOMPARE(b.fewShotTrainCount(), 40);
    QCOMPARE(int(split.trainIndex.size()), 40);
    QVERIFY(b.fewShotLabel()->text().contains(QString::fromStdString(split.idsHash)));
    b.setOnlyFewShot(true);
    std::set<std::string> want(split.trainIds.begin(), split.trainIds.end());
    std::set<std::string> wantVal;
    if (split.valSplit == "train") wantVal.insert(split.valIds.begin(), split.valIds.end());
    QCOMPARE(m->rowCount(), int(want.size() + wantVal.size()));
    int trainRows = 0;
    for (int r = 0; r < m->rowCount(); ++r) {
      const auto* item = m->item(r);
      const int role = m->data(m->index(r), ThumbnailModel::kFewShotRole).toInt();
      if (role == 1) {
        ++trainRows;
        QVERIFY(want.count(item->id));
      } else {
        QCOMPARE(role, 2);
        QVERIFY(wantVal.count(item->id));
      }
    }
    QCOMPARE(trainRows, 40);
    QTRY_VERIFY_WITH_TIMEOUT(m->cachedCount() >= m->rowCount(), 20000);
    pd::test::saveShot(&b, "dataset_browser_few_shot.png");
    // A class filter narrows to that class's shots.
    b.setClassFilter(3);
    for (int r = 0; r < m->rowCount(); ++r) QCOMPARE(m->item(r)->label, 3);
    QCOMPARE(m->rowCount(), int(m->rowCount()));
  }

  void unreadableDatasetSaysWhy() {
    DatasetBrowser b;
    QSignalSpy loaded(&b, &DatasetBrowser::loaded);
    b.load("/nonexistent/dataset-folder");
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 10000);
    QVERIFY(!loaded.at(0).at(0).toBool());
    QVERIFY(loaded.at(0).at(1).toString().contains("/nonexistent/dataset-folder"));
    QVERIFY(b.summaryLabel()->text().contains("cannot be opened"));
  }
};

QTEST_MAIN(TestDatasetBrowser)
#include "test_dataset_browser.moc"
