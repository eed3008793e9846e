// The workbench end to end, offscreen, through the real widgets and real jobs: create a project,
// add the fixture CLIP model and Fashion-MNIST, type a template (an error, then fixed), run
// zero-shot and a short CoOp from their generated dialogs, watch them finish, compare the two
// runs, see the few-shot chart, a failing run, export the report (HTML + PDF) and close while a
// job runs. A watchdog timer measures the worst GUI-thread gap while jobs run. Screenshots of
// each view go to PD_TEST_OUTPUT.
#include <QAbstractItemView>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QElapsedTimer>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest/QtTest>

#include <fstream>
#include <set>

#include "charts/few_shot_chart.h"
#include "datasets/dataset_browser.h"
#include "editors/template_editor.h"
#include "jobs/job_dock.h"
#include "main_window.h"
#include "models/model_manager.h"
#include "promptdesk/hash.h"
#include "promptdesk/project.h"
#include "results/comparison_view.h"
#include "results/results_table.h"
#include "run/run_dialog.h"
#include "ui_test_util.h"

using pd::JobState;
using pd::ui::MainWindow;

namespace {
const char* kFashion = "/usr/share/datasets/fashion-mnist";

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

QTreeWidgetItem* section(MainWindow& w, const QString& name) {
  for (int i = 0; i < w.explorer()->topLevelItemCount(); ++i)
    if (w.explorer()->topLevelItem(i)->text(0) == name) return w.explorer()->topLevelItem(i);
  return nullptr;
}

bool ended(JobState s) { return s != JobState::Queued && s != JobState::Running; }

}  // namespace

class TestWorkbenchFlow : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private slots:
  void initTestCase() {
    if (!QFileInfo::exists(kFashion)) QSKIP("Fashion-MNIST is not installed here");
  }

  void endToEnd() {
    QElapsedTimer clock;
    clock.start();
    int asked = 0;
    pd::ui::MainWindowOptions o;
    o.settingsFile = dir_.filePath("settings.ini");
    o.confirmCloseWithJobs = [&] {
      ++asked;
      return true;
    };
    o.cliPath = QStringLiteral(PD_BIN_DIR "/promptdesk-cli");
    MainWindow w(o);
    w.resize(1440, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    pd::test::GuiWatchdog dog([&] { return w.jobs()->activeCount() > 0; });

    dog.phase = "create project";
    // 1. A new project.
    const QString projectPath = dir_.filePath("flow.pdesk");
    QVERIFY(w.createProject(projectPath));

    dog.phase = "add model";
    // 2. The fixture CLIP model: inspected and hashed in a job; the manager shows it.
    const QString model = QStringLiteral(PD_TEST_DATA "/clip-tiny-vit/model.safetensors");
    const quint64 addModel = w.addModelFile(model);
    QVERIFY(addModel);
    QTRY_VERIFY_WITH_TIMEOUT(ended(w.jobs()->stateOf(addModel)), 30000);
    QVERIFY2(w.jobs()->stateOf(addModel) == JobState::Succeeded,
             qPrintable(w.jobs()->errorOf(addModel)));
    QCOMPARE(section(w, "Models")->childCount(), 1);
    dog.phase = "open model manager";
    emit w.explorer()->itemActivated(section(w, "Models")->child(0), 0);
    auto* manager = qobject_cast<pd::ui::ModelManager*>(w.workArea()->currentWidget());
    QVERIFY(manager);
    QCOMPARE(manager->modelCount(), 1);
    QVERIFY(manager->architectureTable()->rowCount() >= 11);
    const QString sha = QString::fromStdString(pd::sha256File(model.toStdString()));
    QVERIFY2(manager->summaryLabel()->text().contains(sha), qPrintable(manager->summaryLabel()->text()));
    QVERIFY(manager->summaryLabel()->text().contains("Parameters:"));
    QVERIFY(!manager->summaryLabel()->text().contains("unknown"));
    dog.shot(&w, "flow_1_model_manager.png");

    dog.phase = "add dataset";
    // 3. Fashion-MNIST (a folder: hashed over its manifest) and its browser.
    const quint64 addData = w.addDatasetFile(kFashion);
    QTRY_VERIFY_WITH_TIMEOUT(ended(w.jobs()->stateOf(addData)), 60000);
    QVERIFY2(w.jobs()->stateOf(addData) == JobState::Succeeded,
             qPrintable(w.jobs()->errorOf(addData)));
    QCOMPARE(section(w, "Datasets")->childCount(), 1);
    QCOMPARE(section(w, "Datasets")->child(0)->text(0), QString("Fashion-MNIST"));
    dog.phase = "open dataset browser";
    emit w.explorer()->itemActivated(section(w, "Datasets")->child(0), 0);
    auto* browser = qobject_cast<pd::ui::DatasetBrowser*>(w.workArea()->currentWidget());
    QVERIFY(browser);
    QTRY_VERIFY_WITH_TIMEOUT(browser->dataset() != nullptr, 30000);
    QCOMPARE(browser->classTable()->rowCount(), 10);
    dog.phase = "few-shot highlight";
    browser->setFewShot(1, 1);
    QCOMPARE(browser->fewShotTrainCount(), 10);
    QTRY_VERIFY_WITH_TIMEOUT(browser->thumbnails()->decodedCount() > 20, 20000);
    dog.shot(&w, "flow_2_dataset_browser.png");

    dog.phase = "template";
    // 4. A template typed with a mistake, underlined with the parser's message, then fixed.
    QTest::keyClick(&w, Qt::Key_T, Qt::ControlModifier);
    auto* editor = qobject_cast<pd::ui::TemplateEditor*>(w.workArea()->currentWidget());
    QVERIFY(editor);
    editor->editor()->selectAll();
    QTest::keyClicks(editor->editor(), "a photo of a {clas}.");
    QTRY_VERIFY(!editor->isValid());
    // The preview uses the project's dataset classes.
    QCOMPARE(editor->previewTable()->item(0, 0)->text(), QString("T-shirt/top"));
    QVERIFY(editor->messageLabel()->text().contains("clas"));
    dog.shot(&w, "flow_3_template_error.png");
    editor->editor()->selectAll();
    QTest::keyClicks(editor->editor(), "a black and white photo of a {class}.");
    QTRY_VERIFY(editor->isValid());
    dog.shot(&w, "flow_4_template_fixed.png");

    dog.phase = "launch zero-shot";
    // 5. Zero-shot from its generated dialog: model and dataset offered from the project, the
    // template taken from the editor.
    const qint64 before = clock.elapsed();
    onNextModal([&](QWidget* d) {
      auto* dlg = qobject_cast<pd::ui::RunDialog*>(d);
      QVERIFY(dlg);
      auto* modelBox = qobject_cast<QComboBox*>(dlg->field("model"));
      QVERIFY2(modelBox && modelBox->isEditable(), "model is an editable combo");
      QVERIFY(dlg->value("model").endsWith("clip-tiny-vit/model.safetensors"));
      QCOMPARE(dlg->value("dataset"), QString(kFashion));
      QCOMPARE(dlg->value("templates"), QString("a black and white photo of a {class}."));
      dlg->setValue("test_limit", "200");
      dlg->setValue("experiment", "flow");
      dlg->runButton()->click();
    });
    const quint64 zs = w.launchJobKind("clip-zero-shot");
    QVERIFY2(zs, qPrintable(w.statusBar()->currentMessage()));
    dog.phase = "launch coop";
    // 6. A short CoOp (1 shot, 2 epochs) on the same test items.
    onNextModal([&](QWidget* d) {
      auto* dlg = qobject_cast<pd::ui::RunDialog*>(d);
      dlg->setValue("method", "coop");
      dlg->setValue("shots", "1");
      dlg->setValue("seed", "1");
      dlg->setValue("epochs", "2");
      dlg->setValue("test_limit", "200");
      dlg->setValue("experiment", "flow");
      dlg->setValue("templates", "a photo of a {class}.");
      dlg->runButton()->click();
    });
    const quint64 coop = w.launchJobKind("clip-fewshot");
    QVERIFY2(coop, qPrintable(w.statusBar()->currentMessage()));
    w.jobs()->selectJob(coop);
    QTRY_VERIFY_WITH_TIMEOUT(w.jobs()->stateOf(coop) == JobState::Running || ended(w.jobs()->stateOf(coop)), 60000);
    dog.shot(&w, "flow_5_jobs_running.png");
    dog.phase = "waiting for zero-shot + CoOp";
    QTRY_VERIFY_WITH_TIMEOUT(ended(w.jobs()->stateOf(zs)) && ended(w.jobs()->stateOf(coop)), 120000);
    QVERIFY2(w.jobs()->stateOf(zs) == JobState::Succeeded, qPrintable(w.jobs()->errorOf(zs)));
    QVERIFY2(w.jobs()->stateOf(coop) == JobState::Succeeded, qPrintable(w.jobs()->errorOf(coop)));
    const qint64 runMs = clock.elapsed() - before;
    dog.shot(&w, "flow_6_jobs_done.png");

    dog.phase = "results/compare";
    // 7. Results table → select the two runs → comparison view from their predictions.
    const auto runs = w.project()->runs();
    QCOMPARE(runs.size(), size_t(2));
    QVERIFY(w.openResultsTab() >= 0);
    auto* table = qobject_cast<pd::ui::ResultsTable*>(w.workArea()->currentWidget());
    QVERIFY(table);
    table->selectByValues("Run", {double(runs[0].id), double(runs[1].id)});
    QCOMPARE(table->selectedValues("Run").size(), 2);
    table->findChild<QPushButton*>("compareRuns")->click();
    auto* cmp = qobject_cast<pd::ui::ComparisonView*>(w.workArea()->currentWidget());
    QVERIFY(cmp);
    QTRY_VERIFY_WITH_TIMEOUT(!cmp->property("pdLoading").toBool(), 30000);
    QVERIFY2(cmp->property("pdError").toString().isEmpty(),
             qPrintable(cmp->property("pdError").toString()));
    QVERIFY(cmp->metricsTable()->rowCount() >= 2);
    QVERIFY(cmp->significanceLabel()->text().contains("McNemar"));
    // The disagreement list is exactly the items whose predictions differ.
    const auto pa = w.project()->predictions(runs[0].id), pb = w.project()->predictions(runs[1].id);
    QCOMPARE(pa.size(), size_t(200));
    std::map<std::string, std::int64_t> predB;
    for (const auto& p : pb) predB[p.itemId] = p.pred;
    int differ = 0;
    for (const auto& p : pa) differ += predB.count(p.itemId) && predB[p.itemId] != p.pred;
    QCOMPARE(cmp->disagreementTable()->rowCount(), differ);
    if (differ > 0) QTRY_VERIFY_WITH_TIMEOUT(cmp->thumbnailCount() > 0, 30000);
    dog.shot(&w, "flow_7_comparison.png");

    dog.phase = "few-shot chart";
    // 8. The few-shot chart of the experiment: the zero-shot star and one CoOp line.
    QVERIFY(w.openExperimentTab("flow") >= 0);
    auto* chart = qobject_cast<pd::charts::FewShotChart*>(w.workArea()->currentWidget());
    QVERIFY(chart);
    QTRY_VERIFY_WITH_TIMEOUT(chart->property("pdRefreshes").toInt() >= 1, 10000);
    QCOMPARE(chart->countRole("zeroShot"), 1);
    QCOMPARE(chart->countRole("line"), 1);
    QCOMPARE(int(chart->data().methods.size()), 1);
    double zsAcc = -1;
    for (const auto& m : w.project()->finalMetrics(runs[0].id))
      if (m.name == "accuracy") zsAcc = m.value;
    QVERIFY(qAbs(chart->data().zeroShot - 100 * zsAcc) < 1e-6);
    dog.shot(&w, "flow_8_few_shot_chart.png");

    // 8b. A grid kind (the few-shot experiment) launches every cell; launched again, all are
    // skipped as done.
    dog.phase = "grid launch";
    auto launchGrid = [&](QList<quint64>* ids, int* skipped) {
      QSignalSpy spy(&w, &MainWindow::gridLaunched);
      onNextModal([&](QWidget* d) {
        auto* dlg = qobject_cast<pd::ui::RunDialog*>(d);
        dlg->setValue("methods", "zeroshot,linear-probe");
        dlg->setValue("shots", "1");
        dlg->setValue("seeds", "1");
        dlg->setValue("test_limit", "200");
        dlg->setValue("experiment", "grid");
        dlg->runButton()->click();
      });
      QCOMPARE(w.launchJobKind("clip-fewshot-experiment"), quint64(0));  // cells come async
      QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 30000);
      QVERIFY2(spy.at(0).at(3).toString().isEmpty(), qPrintable(spy.at(0).at(3).toString()));
      *ids = spy.at(0).at(1).value<QList<quint64>>();
      *skipped = spy.at(0).at(2).toInt();
    };
    QList<quint64> cells;
    int skipped = -1;
    launchGrid(&cells, &skipped);
    QCOMPARE(cells.size(), 2);  // zero-shot once at 0 shots, the linear probe at 1 shot
    QCOMPARE(skipped, 0);
    for (quint64 id : cells) {
      QTRY_VERIFY_WITH_TIMEOUT(ended(w.jobs()->stateOf(id)), 60000);
      QVERIFY2(w.jobs()->stateOf(id) == JobState::Succeeded, qPrintable(w.jobs()->errorOf(id)));
    }
    launchGrid(&cells, &skipped);
    QCOMPARE(cells.size(), 0);
    QCOMPARE(skipped, 2);

    dog.phase = "failing run";
    // 9. A failing run shows its error; nothing closes.
    const int tabs = w.workArea()->count();
    onNextModal([&](QWidget* d) {
      auto* dlg = qobject_cast<pd::ui::RunDialog*>(d);
      dlg->setValue("dataset", dir_.filePath("no-such-dataset"));
      dlg->setValue("experiment", "flow");
      dlg->runButton()->click();
    });
    const quint64 bad = w.launchJobKind("clip-zero-shot");
    QVERIFY(bad);
    QTRY_VERIFY_WITH_TIMEOUT(ended(w.jobs()->stateOf(bad)), 30000);
    QCOMPARE(w.jobs()->stateOf(bad), JobState::Failed);
    QVERIFY2(w.jobs()->errorOf(bad).contains("no-such-dataset"), qPrintable(w.jobs()->errorOf(bad)));
    QVERIFY(w.statusBar()->currentMessage().contains("failed"));
    QVERIFY(w.isVisible());
    QCOMPARE(w.workArea()->count(), tabs);
    w.jobs()->selectJob(bad);
    dog.shot(&w, "flow_9_failed_job.png");

    dog.phase = "export";
    // 10. Report export (HTML + PDF) as a job.
    const QString base = dir_.filePath("flow-report");
    // Through File ▸ Export Report…: experiment, file name and formats in the dialog.
    onNextModal([&](QWidget* d) {
      QCOMPARE(d->objectName(), QString("exportReportDialog"));
      auto* exp = d->findChild<QComboBox*>("reportExperiment");
      exp->setCurrentIndex(exp->findData("flow"));
      d->findChild<QLineEdit*>("reportBase")->setText(base);
      d->findChild<QCheckBox*>("format_html")->setChecked(true);
      d->findChild<QCheckBox*>("format_pdf")->setChecked(true);
      d->findChild<QCheckBox*>("format_csv")->setChecked(false);
      d->findChild<QCheckBox*>("format_md")->setChecked(false);
      d->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
    });
    const int jobsBefore = w.jobs()->jobCount();
    w.findChild<QAction*>("actionExportReport")->trigger();
    QCOMPARE(w.jobs()->jobCount(), jobsBefore + 1);
    quint64 rep = 0;
    for (quint64 id = 1; id < 10000 && !rep; ++id)
      if (QString::fromStdString(w.jobs()->runner().job(id) ? w.jobs()->runner().job(id)->name()
                                                              : std::string())
              .startsWith("Export report flow-report"))
        rep = id;
    QVERIFY(rep);
    QTRY_VERIFY_WITH_TIMEOUT(ended(w.jobs()->stateOf(rep)), 60000);
    QVERIFY2(w.jobs()->stateOf(rep) == JobState::Succeeded, qPrintable(w.jobs()->errorOf(rep)));
    QFile html(base + ".html"), pdf(base + ".pdf");
    QVERIFY(html.open(QIODevice::ReadOnly));
    const QByteArray htmlText = html.readAll();
    QVERIFY(htmlText.contains("flow"));
    QVERIFY(htmlText.contains("<svg"));
    QVERIFY(pdf.open(QIODevice::ReadOnly));
    QVERIFY(pdf.read(5) == "%PDF-");

    dog.phase = "close";
    // 11. Close while a long CoOp runs: asked, cancelled, finished results kept.
    onNextModal([&](QWidget* d) {
      auto* dlg = qobject_cast<pd::ui::RunDialog*>(d);
      dlg->setValue("method", "coop");
      dlg->setValue("shots", "16");
      dlg->setValue("epochs", "200");
      dlg->setValue("experiment", "flow");
      dlg->runButton()->click();
    });
    const quint64 longRun = w.launchJobKind("clip-fewshot");
    QVERIFY(longRun);
    QTRY_COMPARE_WITH_TIMEOUT(w.jobs()->stateOf(longRun), JobState::Running, 30000);
    QTest::qWait(300);
    w.close();
    QCOMPARE(asked, 1);
    QTRY_VERIFY_WITH_TIMEOUT(!w.isVisible(), 30000);
    QCOMPARE(w.jobs()->runner().state(longRun), JobState::Cancelled);
    dog.timer.stop();
    {
      auto p = pd::Project::open(projectPath.toStdString());
      int succeeded = 0, cancelled = 0;
      for (const auto& r : p->runs()) {
        succeeded += r.state == JobState::Succeeded;
        cancelled += r.state == JobState::Cancelled;
      }
      QCOMPARE(succeeded, 4);
      QCOMPARE(cancelled, 1);
      QCOMPARE(p->predictions(runs[1].id).size(), size_t(200));
    }
    qInfo("watchdog (10 ms timer, %lld ticks while real jobs ran): worst gap %lld ms wall-clock "
          "(%lld ms of it waiting for a CPU); worst gap not spent waiting for a CPU %lld ms "
          "(phase: %s); worst job-dock drain %.1f ms; zero-shot + CoOp took %.1f s; whole flow "
          "%.1f s",
          dog.ticks, dog.worstWallMs, dog.worstWallWaitMs, dog.worstOwnMs,
          qPrintable(dog.worstPhase), w.jobs()->worstDrainMs(), runMs / 1000.0,
          clock.elapsed() / 1000.0);
    QVERIFY(dog.ticks > 100);
    QVERIFY2(dog.worstOwnMs <= 100, qPrintable(QString("worst GUI gap %1 ms").arg(dog.worstOwnMs)));
  }
};

QTEST_MAIN(TestWorkbenchFlow)
#include "test_workbench_flow.moc"
