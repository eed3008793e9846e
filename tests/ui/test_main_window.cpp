// The main window: menus, docks, status bar, settings kept across runs (temporary settings file),
// recent projects, shortcuts, About dialog, run dialogs from the Run menu, main views screenshots.
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest/QtTest>

#include "charts/few_shot_chart.h"
#include "editors/template_editor.h"
#include "jobs/job_dock.h"
#include "main_window.h"
#include "promptdesk/error.h"
#include "promptdesk/jobs.h"
#include "promptdesk/version.h"
#include "results/results_table.h"
#include "run/run_dialog.h"
#include "ui_test_util.h"

using pd::ui::MainWindow;
using pd::ui::MainWindowOptions;

namespace {
// Runs `fn` on the next modal dialog that opens (message boxes, run dialogs).
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
}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  MainWindowOptions options() const {
    MainWindowOptions o;
    o.settingsFile = dir_.filePath("settings.ini");
    o.confirmCloseWithJobs = [] { return true; };
    return o;
  }

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void hasTheMenus() {
    MainWindow w(options());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QStringList titles;
    for (QAction* a : w.menuBar()->actions()) titles << a->text().remove('&');
    QCOMPARE(titles, (QStringList{"File", "Project", "Run", "View", "Help"}));
    QVERIFY(w.jobDock() && w.explorerDock());
    QVERIFY(w.statusBar());
    QStringList sections;
    for (int i = 0; i < w.explorer()->topLevelItemCount(); ++i)
      sections << w.explorer()->topLevelItem(i)->text(0);
    QCOMPARE(sections,
             (QStringList{"Models", "Datasets", "Templates", "Experiments", "Results", "Reports"}));
    QCOMPARE(w.jobSummaryLabel()->text(), QString("No jobs running"));
    w.setExplorerItems("Datasets", {"caltech101", "oxford_pets"});
    QCOMPARE(w.explorer()->topLevelItem(1)->childCount(), 2);
    pd::test::saveShot(&w, "main_window.png");
    QVERIFY(w.close());
  }

  void shortcuts() {
    MainWindow w(options());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QCOMPARE(w.findChild<QAction*>("actionNew")->shortcut(), QKeySequence(QKeySequence::New));
    QCOMPARE(w.findChild<QAction*>("actionOpen")->shortcut(), QKeySequence(QKeySequence::Open));
    QCOMPARE(w.findChild<QAction*>("actionQuit")->shortcut(), QKeySequence(QKeySequence::Quit));
    QCOMPARE(w.findChild<QAction*>("actionRun_clip-zero-shot")->shortcut(), QKeySequence("Ctrl+R"));
    QVERIFY(!w.findChild<QAction*>("actionRun_zero_shot"));  // no placeholder entry
    QVERIFY(w.explorerDock()->isVisible());
    QTest::keyClick(&w, Qt::Key_1, Qt::ControlModifier);
    QVERIFY(!w.explorerDock()->isVisible());
    QTest::keyClick(&w, Qt::Key_1, Qt::ControlModifier);
    QVERIFY(w.explorerDock()->isVisible());
    const int tabs = w.workArea()->count();
    QTest::keyClick(&w, Qt::Key_T, Qt::ControlModifier);  // new template
    QCOMPARE(w.workArea()->count(), tabs + 1);
    QVERIFY(qobject_cast<pd::ui::TemplateEditor*>(w.workArea()->currentWidget()));
    w.close();
  }

  void settingsPersistAcrossRuns() {
    QTemporaryDir dir;
    MainWindowOptions o = options();
    o.settingsFile = dir.filePath("persist.ini");
    {
      MainWindow w(o);
      w.show();
      QVERIFY(QTest::qWaitForWindowExposed(&w));
      w.resize(1010, 707);
      w.explorerDock()->hide();
      QTest::qWait(50);
      QVERIFY(w.close());
    }
    QVERIFY(QFileInfo(o.settingsFile).size() > 0);
    MainWindow again(o);
    again.show();
    QVERIFY(QTest::qWaitForWindowExposed(&again));
    QCOMPARE(again.size(), QSize(1010, 707));
    QVERIFY(!again.explorerDock()->isVisible());
    again.close();
  }

  void recentProjects() {
    QTemporaryDir dir;
    MainWindowOptions o = options();
    o.settingsFile = dir.filePath("recent.ini");
    MainWindow w(o);
    QStringList opened;
    MainWindow::ProjectHandlers h;
    h.open = [&](const QString& path) {
      if (path.endsWith("broken.pdproj"))
        throw pd::Error("not a PromptDesk project", path.toStdString());
      opened << path;
    };
    w.setProjectHandlers(h);
    QVERIFY(!w.recentMenu()->isEnabled());
    for (int i = 0; i < MainWindow::kMaxRecent + 2; ++i)
      QVERIFY(w.openProject(dir.filePath(QString("p%1.pdproj").arg(i))));
    QCOMPARE(w.recentProjects().size(), MainWindow::kMaxRecent);
    QVERIFY(w.recentProjects().first().endsWith("p9.pdproj"));
    QVERIFY(w.windowTitle().startsWith("p9.pdproj"));
    QCOMPARE(w.recentMenu()->actions().size(), MainWindow::kMaxRecent);
    // Re-opening moves it to the top; the menu entry opens it.
    w.recentMenu()->actions().at(3)->trigger();
    QVERIFY(opened.last().endsWith("p6.pdproj"));
    QVERIFY(w.recentProjects().first().endsWith("p6.pdproj"));
    // A refused project: a warning, no change to the current project.
    bool warned = false;
    onNextModal([&](QWidget* box) {
      warned = qobject_cast<QMessageBox*>(box) &&
               static_cast<QMessageBox*>(box)->text().contains("not a PromptDesk project");
      box->close();
    });
    QVERIFY(!w.openProject(dir.filePath("broken.pdproj")));
    QVERIFY(warned);
    QVERIFY(w.currentProject().endsWith("p6.pdproj"));
    // Kept across runs.
    MainWindow again(o);
    QCOMPARE(again.recentProjects(), w.recentProjects());
  }

  void aboutShowsVersions() {
    MainWindow w(options());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QString text;
    onNextModal([&](QWidget* box) {
      if (auto* mb = qobject_cast<QMessageBox*>(box)) text = mb->text();
      pd::test::saveShot(box, "about_dialog.png");
      box->close();
    });
    w.findChild<QAction*>("actionAbout")->trigger();
    QVERIFY(text.contains(QString::fromStdString(pd::version())));
    QVERIFY(text.contains(QString::fromStdString(pd::torchVersion())));
    QVERIFY(text.contains(qVersion()));
    w.close();
  }

  void runMenuLaunchesFromSchema() {
    MainWindow w(options());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    MainWindow::JobKind k;
    k.kind = "synthetic";
    k.title = "Synthetic training";
    pd::ui::OptionSpec steps;
    steps.name = "steps";
    steps.type = pd::ui::OptionType::Int;
    steps.defaultValue = "5";
    steps.min = 1;
    steps.max = 100;
    k.schema = {steps};
    int made = 0;
    k.make = [&](const pd::ui::OptionValues& v) {
      ++made;
      const int n = std::stoi(v.at("steps"));
      return std::make_shared<pd::FunctionJob>("synthetic", [n](pd::JobContext& ctx) {
        for (int i = 1; i <= n; ++i) ctx.progress(double(i) / n, i, n, "step", {{"loss", 1.0 / i}});
      });
    };
    QAction* action = w.addJobKind(k);
    QVERIFY(w.findChild<QMenu*>("menuRun")->actions().contains(action));
    // First an invalid value: refused, the dialog stays; then a valid one launches.
    bool refused = false;
    onNextModal([&](QWidget* dlgWidget) {
      auto* dlg = qobject_cast<pd::ui::RunDialog*>(dlgWidget);
      QVERIFY(dlg);
      dlg->setValue("steps", "1000");
      dlg->accept();
      refused = dlg->isVisible() && !dlg->runButton()->isEnabled();
      dlg->setValue("steps", "7");
      dlg->runButton()->click();
    });
    const quint64 id = w.launchJobKind("synthetic");
    QVERIFY(refused);
    QVERIFY(id != 0);
    QCOMPARE(made, 1);
    QTRY_COMPARE_WITH_TIMEOUT(w.jobs()->stateOf(id), pd::JobState::Succeeded, 10000);
    // A registered kind without a project: the launch is refused with the reason.
    onNextModal([](QWidget* dlg) {
      auto* d = qobject_cast<pd::ui::RunDialog*>(dlg);
      d->setValue("model", "/models/clip.safetensors");
      d->setValue("dataset", "/data/caltech101");
      d->runButton()->click();
    });
    QCOMPARE(w.launchJobKind("clip-zero-shot"), quint64(0));
    QVERIFY2(w.statusBar()->currentMessage().contains("project first"),
             qPrintable(w.statusBar()->currentMessage()));
    // Kinds launch from the Run menu: every CLIP kind of the registry is there.
    for (const char* kind : {"clip-zero-shot", "clip-fewshot", "clip-fewshot-experiment"})
      QVERIFY2(w.findChild<QAction*>(QString("actionRun_") + kind), kind);
    w.close();
  }

  void screenshotsOfMainViews() {
    MainWindow w(options());
    w.resize(1400, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    auto* chart = new pd::charts::FewShotChart;
    chart->setData(pd::test::fewShotSample());
    w.openTab(chart, "Few-shot: Caltech101");
    QTest::qWait(50);
    pd::test::saveShot(&w, "main_window_few_shot.png");
    w.newTemplate();
    QTest::qWait(50);
    pd::test::saveShot(&w, "main_window_template.png");
    w.close();
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
