// `promptdesk --demo` in small: DemoLauncher pretrains a (tiny) demo CLIP as a job, creates the
// demo project, submits the experiment's cells as jobs and opens the few-shot chart, which fills
// as the jobs end; the report (HTML + PDF) is exported at the end. A second launch reuses the
// model and every finished cell.
#include <QLabel>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest/QtTest>

#include <cmath>
#include <set>

#include "charts/few_shot_chart.h"
#include "demo_launcher.h"
#include "jobs/job_dock.h"
#include "main_window.h"
#include "promptdesk/project.h"
#include "ui_test_util.h"

using pd::JobState;
using pd::ui::DemoLauncher;
using pd::ui::MainWindow;

class TestDemoLauncher : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

  pd::DemoOptions tiny() const {
    pd::DemoOptions o = pd::DemoOptions::reduced();
    o.projectPath = dir_.filePath("demo.pdesk").toStdString();
    o.pretrain.outDir = dir_.filePath("models").toStdString();
    o.pretrain.epochs = 1;
    o.pretrain.trainItems = 1500;
    o.shots = "1,4";
    o.seeds = "1";
    o.methods = "linear-probe,coop";
    o.epochsScale = 0.04;
    o.testLimit = 300;
    o.experiment = "Fashion-MNIST (UI test demo)";
    return o;
  }

 private slots:
  void initTestCase() {
    if (!QFileInfo::exists("/usr/share/datasets/fashion-mnist"))
      QSKIP("Fashion-MNIST is not installed here");
  }

  void chartFillsLive() {
    pd::ui::MainWindowOptions mo;
    mo.settingsFile = dir_.filePath("settings.ini");
    mo.confirmCloseWithJobs = [] { return true; };
    MainWindow w(mo);
    w.resize(1400, 880);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QElapsedTimer clock;
    clock.start();
    // Watchdog: the longest gap between ticks of a 10 ms timer while the demo's jobs (CLIP
    // pretraining, feature extraction, CoOp, the linear probe, the report) run.
    pd::test::GuiWatchdog dog([&] { return w.jobs()->activeCount() > 0; });
    auto* demo = new DemoLauncher(&w, tiny());
    QSignalSpy planned(demo, &DemoLauncher::planned);
    QSignalSpy finished(demo, &DemoLauncher::finished);
    QSignalSpy failed(demo, &DemoLauncher::failed);
    demo->start();
    QVERIFY(demo->pretrainJob() != 0);
    QTRY_VERIFY_WITH_TIMEOUT(planned.count() == 1 || failed.count() == 1, 120000);
    QVERIFY2(failed.isEmpty(), qPrintable(demo->error()));
    const qint64 pretrainMs = clock.elapsed();
    const int jobs = planned.at(0).at(0).toInt();
    // 3 hand-crafted prompts + 2 methods x 2 shots x 1 seed.
    QCOMPARE(jobs, 7);
    QCOMPARE(w.currentProject(), QFileInfo(dir_.filePath("demo.pdesk")).absoluteFilePath());
    auto* chart = qobject_cast<pd::charts::FewShotChart*>(w.workArea()->currentWidget());
    QVERIFY(chart);
    // Watch the chart while the jobs run: the number of points drawn grows step by step.
    std::set<int> seen;
    auto points = [&] {
      int n = std::isnan(chart->data().zeroShot) ? 0 : 1;
      for (const auto& m : chart->data().methods) n += int(m.points.size());
      return n;
    };
    QTimer probe;
    probe.setInterval(50);
    connect(&probe, &QTimer::timeout, [&] { seen.insert(points()); });
    probe.start();
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 240000);
    QTest::qWait(400);  // the last refresh
    seen.insert(points());
    probe.stop();
    for (quint64 id : demo->runJobs())
      QVERIFY2(w.jobs()->stateOf(id) == JobState::Succeeded, qPrintable(w.jobs()->errorOf(id)));
    QCOMPARE(chart->countRole("zeroShot"), 1);
    // Linear probe and CoOp over 1 and 4 shots; the tuned prompt and the ensemble as points at 0.
    QCOMPARE(chart->countRole("line"), 4);
    QCOMPARE(points(), 1 + 2 + 2 * 2);
    const QString star = QString::fromStdString(chart->data().zeroShotLabel);
    QVERIFY2(star.contains("hand-crafted") || star.contains("plain"), qPrintable(star));
    QVERIFY2(seen.size() >= 3, "the chart was redrawn as runs ended");
    // The report is exported when the runs have ended.
    const QString base = demo->reportBase();
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(base + ".pdf") && QFileInfo::exists(base + ".html"),
                             60000);
    QTRY_COMPARE_WITH_TIMEOUT(w.jobs()->activeCount(), 0, 30000);
    dog.timer.stop();
    qInfo("watchdog (10 ms timer, %lld ticks while the demo's jobs ran): worst gap %lld ms "
          "wall-clock (%lld ms of it waiting for a CPU); worst gap not spent waiting for a CPU "
          "%lld ms; worst job-dock drain %.1f ms",
          dog.ticks, dog.worstWallMs, dog.worstWallWaitMs, dog.worstOwnMs,
          w.jobs()->worstDrainMs());
    QVERIFY(dog.ticks > 100);
    QVERIFY2(dog.worstOwnMs <= 100, qPrintable(QString("worst GUI gap %1 ms").arg(dog.worstOwnMs)));
    pd::test::saveShot(&w, "demo_chart_filled.png");
    QStringList rows;
    for (const auto& m : chart->data().methods) rows << QString::fromStdString(m.name);
    qInfo("tiny demo: pretraining + planning %.1f s, whole demo %.1f s, %d chart states seen; "
          "star '%s', series: %s",
          pretrainMs / 1000.0, clock.elapsed() / 1000.0, int(seen.size()), qPrintable(star),
          qPrintable(rows.join(" | ")));

    // Second launch: the model is reused (no retraining) and every cell is skipped.
    QElapsedTimer again;
    again.start();
    auto* second = new DemoLauncher(&w, tiny());
    QSignalSpy planned2(second, &DemoLauncher::planned);
    QSignalSpy failed2(second, &DemoLauncher::failed);
    second->setExportReport(false);
    second->start();
    QTRY_VERIFY2_WITH_TIMEOUT(
        planned2.count() == 1 || failed2.count() == 1,
        qPrintable(QString("second launch not planned: pretraining job state %1, %2 jobs active, "
                           "%3 of %4 pool threads busy")
                       .arg(int(w.jobs()->stateOf(second->pretrainJob())))
                       .arg(w.jobs()->activeCount())
                       .arg(QThreadPool::globalInstance()->activeThreadCount())
                       .arg(QThreadPool::globalInstance()->maxThreadCount())),
        30000);
    QVERIFY2(failed2.isEmpty(), qPrintable(second->error()));
    QCOMPARE(planned2.at(0).at(0).toInt(), 0);
    QCOMPARE(planned2.at(0).at(1).toInt(), 7);
    QVERIFY(second->isFinished());
    QCOMPARE(second->modelPath(), demo->modelPath());
    qInfo("second launch: opened with everything reused in %lld ms", again.elapsed());
    QVERIFY(again.elapsed() < 10000);
    w.close();
  }
};

QTEST_MAIN(TestDemoLauncher)
#include "test_demo_launcher.moc"
