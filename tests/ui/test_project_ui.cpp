// The main window over a real project file: New/Open/Save As, explorer contents, a registered job
// kind launched from its generated dialog (linear probe on a small CSV) running on the pool,
// its failure shown in the dock, result tabs (run curves, results table, few-shot figure).
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest/QtTest>

#include <cmath>
#include <fstream>
#include <random>

#include "charts/few_shot_chart.h"
#include "charts/training_curve_chart.h"
#include "jobs/job_dock.h"
#include "main_window.h"
#include "project/project_adapters.h"
#include "promptdesk/job_registry.h"
#include "promptdesk/project.h"
#include "results/results_table.h"
#include "run/run_dialog.h"
#include "ui_test_util.h"

using pd::ui::MainWindow;

namespace {
void onNextModal(std::function<void(QWidget*)> fn) {
  auto* timer = new QTimer(qApp);
  timer->setInterval(20);
  QObject::connect(timer, &QTimer::timeout, [timer, fn] {
    if (QWidget* w = QApplication::activeModalWidget()) {
      timer->stop();
      timer->deleteLater();
      fn(w);
    }
  });
  timer->start();
}

// Two separable Gaussian blobs per class, 3 classes, 2 features.
std::string writeCsv(const QString& dir) {
  const std::string path = (dir + "/blobs.csv").toStdString();
  std::ofstream out(path);
  out << "f1,f2,label\n";
  std::mt19937 rng(7);
  std::normal_distribution<double> n(0.0, 0.4);
  const double cx[] = {0, 3, 0}, cy[] = {0, 0, 3};
  const char* names[] = {"cat", "dog", "bird"};
  for (int i = 0; i < 90; ++i)
    out << cx[i % 3] + n(rng) << ',' << cy[i % 3] + n(rng) << ',' << names[i % 3] << '\n';
  return path;
}

QTreeWidgetItem* section(MainWindow& w, const QString& name) {
  for (int i = 0; i < w.explorer()->topLevelItemCount(); ++i)
    if (w.explorer()->topLevelItem(i)->text(0) == name) return w.explorer()->topLevelItem(i);
  return nullptr;
}
}  // namespace

class TestProjectUi : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  pd::ui::MainWindowOptions options() const {
    pd::ui::MainWindowOptions o;
    o.settingsFile = dir_.filePath("settings.ini");
    o.confirmCloseWithJobs = [] { return true; };
    return o;
  }

 private slots:
  void adapters() {
    pd::OptionSpec a;
    a.name = "optimizer";
    a.type = "choice";
    a.defaultJson = "\"sgd\"";
    a.choices = {"sgd", "lbfgs"};
    pd::OptionSpec b;
    b.name = "lr";
    b.type = "float";
    b.defaultJson = "0.1";
    b.min = 1e-8;
    b.max = 100;
    pd::OptionSpec c;
    c.name = "csv";
    c.type = "path";
    c.required = true;
    const auto schema = pd::ui::schemaFromRegistry({a, b, c});
    QCOMPARE(schema.size(), size_t(3));
    QCOMPARE(schema[0].defaultValue, std::string("sgd"));
    QVERIFY(schema[1].type == pd::ui::OptionType::Double);
    QCOMPARE(schema[1].max, 100.0);
    QVERIFY(schema[2].required);
    const std::string spec = pd::ui::specJsonFrom(
        "k", schema, {{"optimizer", "lbfgs"}, {"lr", "0.5"}, {"csv", "C:\\a \"b\".csv"}});
    const std::string expected =
        "{\"kind\":\"k\",\"optimizer\":\"lbfgs\",\"lr\":0.5,\"csv\":\"C:\\\\a \\\"b\\\".csv\"}";
    QCOMPARE(spec, expected);
  }

  void newProjectLaunchRunAndShowResults() {
    MainWindow w(options());
    w.resize(1400, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QAction* probe = w.findChild<QAction*>("actionRun_linear-probe-csv");
    QVERIFY2(probe, "the registry's linear-probe-csv kind is in the Run menu");
    // No project yet: the launch is refused with a reason, nothing submitted.
    onNextModal([&](QWidget* d) {
      static_cast<pd::ui::RunDialog*>(d)->setValue("csv", "/nonexistent.csv");
      static_cast<pd::ui::RunDialog*>(d)->runButton()->click();
    });
    QCOMPARE(w.launchJobKind("linear-probe-csv"), quint64(0));
    QVERIFY(w.statusBar()->currentMessage().contains("project first"));
    QCOMPARE(w.jobs()->jobCount(), 0);

    const QString path = dir_.filePath("study.pdesk");
    QVERIFY(w.createProject(path));
    QVERIFY(w.project());
    QVERIFY(QFileInfo::exists(path));
    QVERIFY(w.windowTitle().startsWith("study.pdesk"));

    // A real run: the dialog's values become a validated spec; the job trains on the pool.
    const std::string csv = writeCsv(dir_.path());
    onNextModal([&](QWidget* d) {
      auto* dlg = static_cast<pd::ui::RunDialog*>(d);
      QCOMPARE(dlg->value("label_column"), QString("label"));
      QCOMPARE(dlg->value("epochs"), QString("30"));
      dlg->setValue("epochs", "0");  // below min: refused
      QVERIFY(!dlg->runButton()->isEnabled());
      dlg->setValue("epochs", "15");
      dlg->setValue("csv", QString::fromStdString(csv));
      dlg->runButton()->click();
    });
    const quint64 id = w.launchJobKind("linear-probe-csv");
    QVERIFY(id != 0);
    QTRY_VERIFY_WITH_TIMEOUT(w.jobs()->stateOf(id) != pd::JobState::Queued &&
                                 w.jobs()->stateOf(id) != pd::JobState::Running,
                             30000);
    QVERIFY2(w.jobs()->stateOf(id) == pd::JobState::Succeeded, qPrintable(w.jobs()->errorOf(id)));
    w.jobs()->selectJob(id);
    QVERIFY(w.jobs()->curveChart()->curveCount() >= 1);  // live loss curve from progress events
    // Open result: the run's recorded series.
    const int before = w.workArea()->count();
    emit w.jobs()->openResultRequested(id);
    QCOMPARE(w.workArea()->count(), before + 1);
    auto* runChart = qobject_cast<pd::charts::TrainingCurveChart*>(w.workArea()->currentWidget());
    QVERIFY(runChart);
    QVERIFY(runChart->curveCount() >= 2);  // loss, test_accuracy
    pd::test::saveShot(&w, "main_window_project_run.png");

    // Explorer shows the project; the results table lists the run with its final metrics.
    w.refreshExplorer();
    QCOMPARE(section(w, "Results")->childCount(), 1);
    QVERIFY(section(w, "Results")->child(0)->text(0).contains("1"));
    QVERIFY(w.openResultsTab() >= 0);
    auto* table = qobject_cast<pd::ui::ResultsTable*>(w.workArea()->currentWidget());
    QVERIFY(table);
    QCOMPARE(table->visibleRows(), 1);
    int accColumn = -1;
    for (int c = 0; c < table->proxy()->columnCount(); ++c)
      if (table->proxy()->headerData(c, Qt::Horizontal).toString() == "accuracy") accColumn = c;
    QVERIFY(accColumn >= 0);
    QVERIFY(table->proxy()->index(0, accColumn).data().toDouble() > 0.8);

    // A failing run (missing CSV): error in the dock, nothing closed.
    onNextModal([&](QWidget* d) {
      auto* dlg = static_cast<pd::ui::RunDialog*>(d);
      dlg->setValue("csv", dir_.filePath("missing.csv"));
      dlg->runButton()->click();
    });
    const quint64 bad = w.launchJobKind("linear-probe-csv");
    QVERIFY(bad != 0);
    QTRY_COMPARE_WITH_TIMEOUT(w.jobs()->stateOf(bad), pd::JobState::Failed, 30000);
    QVERIFY(w.jobs()->errorOf(bad).contains("missing.csv"));
    QVERIFY(w.isVisible());

    // Adding files hashes them in a job; the explorer shows them when it ends.
    const quint64 addJob = w.addDatasetFile(QString::fromStdString(csv));
    const quint64 addMissing = w.addModelFile(dir_.filePath("nope.safetensors"));
    QVERIFY(addJob && addMissing);
    QTRY_COMPARE_WITH_TIMEOUT(w.jobs()->stateOf(addJob), pd::JobState::Succeeded, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(w.jobs()->stateOf(addMissing), pd::JobState::Failed, 20000);
    QVERIFY(w.jobs()->errorOf(addMissing).contains("nope.safetensors"));
    QTRY_VERIFY(section(w, "Datasets")->childCount() >= 1);

    // Save As continues on the new file; it reopens with the run in it.
    const QString copy = dir_.filePath("study-copy.pdesk");
    QVERIFY(w.saveProjectCopyAs(copy));
    QCOMPARE(QString::fromStdString(w.project()->path()), copy);
    MainWindow again(options());
    QVERIFY(again.openProject(copy));
    QCOMPARE(again.project()->runs().size(), size_t(2));
    QVERIFY(again.recentProjects().contains(copy));
    w.close();
  }

  void experimentFigureFromReport() {
    const QString path = dir_.filePath("fewshot.pdesk");
    {
      auto p = pd::Project::create(path.toStdString());
      for (const char* method : {"CoOp", "Linear probe", "zero-shot CLIP"})
        for (int shots : {1, 2, 4, 8, 16})
          for (int seed = 1; seed <= 3; ++seed) {
            pd::RunRecord r;
            r.specId = p->addJobSpec(std::string("{\"kind\":\"sim\",\"m\":\"") + method +
                                     "\",\"shots\":" + std::to_string(shots) +
                                     ",\"seed\":" + std::to_string(seed) + "}");
            r.experiment = "caltech101";
            r.method = method;
            r.shots = shots;
            r.seed = seed;
            const std::int64_t id = p->createRun(r);
            const bool zs = std::string(method).rfind("zero", 0) == 0;
            const double acc = zs ? 0.86
                                  : (std::string(method) == "CoOp" ? 0.87 : 0.7) +
                                        0.015 * std::log2(shots) + 0.003 * seed;
            p->setFinalMetrics(id, {{"accuracy", acc}});
            p->setRunState(id, pd::JobState::Succeeded);
          }
    }
    MainWindow w(options());
    w.resize(1300, 850);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.openProject(path));
    QTreeWidgetItem* experiments = section(w, "Experiments");
    QCOMPARE(experiments->childCount(), 1);
    QCOMPARE(experiments->child(0)->text(0), QString("caltech101"));
    emit w.explorer()->itemActivated(experiments->child(0), 0);
    auto* chart = qobject_cast<pd::charts::FewShotChart*>(w.workArea()->currentWidget());
    QVERIFY(chart);
    QTRY_COMPARE_WITH_TIMEOUT(chart->property("pdRefreshes").toInt(), 1, 10000);  // read off-thread
    QCOMPARE(chart->countRole("line"), 2);
    QCOMPARE(chart->countRole("band"), 2);
    QCOMPARE(chart->countRole("zeroShot"), 1);
    QVERIFY(qAbs(chart->data().zeroShot - 86.0) < 1e-6);
    pd::test::saveShot(&w, "main_window_experiment_figure.png");
    w.close();
  }
};

QTEST_MAIN(TestProjectUi)
#include "test_project_ui.moc"
