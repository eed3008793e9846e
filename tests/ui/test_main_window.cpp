// The main window: menus, docks, status bar; it opens and closes cleanly.
#include <QtTest/QtTest>
#include <QDockWidget>
#include <QMenuBar>
#include <QStatusBar>

#include "main_window.h"

class TestMainWindow : public QObject {
  Q_OBJECT
 private slots:
  void hasTheMenus() {
    pd::ui::MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QStringList titles;
    for (QAction* a : w.menuBar()->actions()) titles << a->text().remove('&');
    QCOMPARE(titles, (QStringList{"File", "Project", "Run", "View", "Help"}));
    QVERIFY(w.jobDock() && w.explorerDock());
    QVERIFY(w.statusBar());
    QDir().mkpath(qEnvironmentVariable("PD_TEST_OUTPUT", PD_TEST_OUTPUT));
    w.grab().save(QString(PD_TEST_OUTPUT) + "/main_window.png");
    QVERIFY(w.close());
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
