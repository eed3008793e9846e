#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QTreeWidget>

#include "promptdesk/version.h"

namespace pd::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setObjectName(QStringLiteral("MainWindow"));
  setWindowTitle(QStringLiteral("PromptDesk"));
  workArea_ = new QTabWidget(this);
  workArea_->setObjectName(QStringLiteral("workArea"));
  workArea_->setDocumentMode(true);
  workArea_->setTabsClosable(true);
  setCentralWidget(workArea_);
  buildDocks();
  buildMenus();
  jobSummary_ = new QLabel(tr("No jobs running"), this);
  statusBar()->addPermanentWidget(jobSummary_);
  statusBar()->showMessage(tr("Ready"));
  resize(1280, 800);
}

void MainWindow::buildDocks() {
  explorerDock_ = new QDockWidget(tr("Project"), this);
  explorerDock_->setObjectName(QStringLiteral("explorerDock"));
  auto* tree = new QTreeWidget(explorerDock_);
  tree->setHeaderHidden(true);
  for (const char* section :
       {"Models", "Datasets", "Templates", "Experiments", "Results", "Reports"})
    new QTreeWidgetItem(tree, QStringList{tr(section)});
  explorerDock_->setWidget(tree);
  addDockWidget(Qt::LeftDockWidgetArea, explorerDock_);

  jobDock_ = new QDockWidget(tr("Jobs"), this);
  jobDock_->setObjectName(QStringLiteral("jobDock"));
  auto* jobs = new QTreeWidget(jobDock_);
  jobs->setHeaderLabels({tr("Job"), tr("State"), tr("Progress"), tr("ETA")});
  jobDock_->setWidget(jobs);
  addDockWidget(Qt::BottomDockWidgetArea, jobDock_);
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->setObjectName(QStringLiteral("menuFile"));
  file->addAction(tr("&New Project…"))->setShortcut(QKeySequence::New);
  file->addAction(tr("&Open Project…"))->setShortcut(QKeySequence::Open);
  file->addAction(tr("Save &As…"))->setShortcut(QKeySequence::SaveAs);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"));
  quit->setShortcut(QKeySequence::Quit);
  connect(quit, &QAction::triggered, this, &QWidget::close);

  QMenu* project = menuBar()->addMenu(tr("&Project"));
  project->setObjectName(QStringLiteral("menuProject"));
  project->addAction(tr("Add &Model…"));
  project->addAction(tr("Add &Dataset…"));
  project->addAction(tr("New &Template…"));

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  run->setObjectName(QStringLiteral("menuRun"));
  run->addAction(tr("&Zero-shot Evaluation…"));
  run->addAction(tr("&Cancel All Jobs"));

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->setObjectName(QStringLiteral("menuView"));
  view->addAction(explorerDock_->toggleViewAction());
  view->addAction(jobDock_->toggleViewAction());

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->setObjectName(QStringLiteral("menuHelp"));
  connect(help->addAction(tr("&About PromptDesk")), &QAction::triggered, this,
          &MainWindow::showAbout);
}

void MainWindow::showAbout() {
  QMessageBox::about(
      this, tr("About PromptDesk"),
      tr("<b>PromptDesk %1</b><br>Prompt learning workbench.<br>Qt %2, LibTorch %3")
          .arg(QString::fromStdString(pd::version()), QString::fromLatin1(qVersion()),
               QString::fromStdString(pd::torchVersion())));
}

}  // namespace pd::ui
