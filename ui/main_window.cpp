#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QTreeWidget>

#include "editors/template_editor.h"
#include "jobs/job_dock.h"
#include "promptdesk/error.h"
#include "promptdesk/jobs.h"
#include "promptdesk/project.h"
#include "promptdesk/version.h"
#include "run/run_dialog.h"
#include "run/run_launcher.h"
#include "welcome_page.h"

namespace pd::ui {

MainWindow::MainWindow(QWidget* parent) : MainWindow(MainWindowOptions{}, parent) {}

MainWindow::MainWindow(MainWindowOptions options, QWidget* parent)
    : QMainWindow(parent), options_(std::move(options)) {
  setObjectName(QStringLiteral("MainWindow"));
  setWindowTitle(QStringLiteral("PromptDesk"));
  JobRunnerOptions runnerOptions;
  runnerOptions.workers = options_.workers;
  runnerOptions.workerNice = 5;  // the GUI thread wins the CPU when jobs load every core
  runner_ = std::make_shared<JobRunner>(runnerOptions);
  workArea_ = new QTabWidget(this);
  workArea_->setObjectName(QStringLiteral("workArea"));
  workArea_->setDocumentMode(true);
  workArea_->setTabsClosable(true);
  workArea_->setMovable(true);
  connect(workArea_, &QTabWidget::tabCloseRequested, this, [this](int index) {
    QWidget* w = workArea_->widget(index);
    workArea_->removeTab(index);
    if (w) w->deleteLater();
  });
  setCentralWidget(workArea_);
  buildDocks();
  buildMenus();
  jobSummary_ = new QLabel(jobs_->summary(), this);
  jobSummary_->setObjectName(QStringLiteral("jobSummary"));
  statusBar()->addPermanentWidget(jobSummary_);
  statusBar()->showMessage(tr("Ready"));
  connect(jobs_, &JobDock::summaryChanged, jobSummary_, &QLabel::setText);
  connect(jobs_, &JobDock::jobEnded, this, [this](quint64 id, int state) {
    const auto s = JobState(state);
    if (project_) refreshExplorer();
    if (s == JobState::Failed)
      statusBar()->showMessage(tr("Job %1 failed: %2").arg(id).arg(jobs_->errorOf(id)), 10000);
    else
      statusBar()->showMessage(tr("Job %1 %2").arg(id).arg(QString::fromLatin1(toString(s))), 5000);
  });
  connect(jobs_, &JobDock::allJobsEnded, this, [this] {
    if (closingAfterCancel_) close();
  });
  openTab(new WelcomePage(this), tr("Welcome"));
  installProjectHandlers();
  run_->addCoreKinds();
  if (QAction* zs = run_->action(QStringLiteral("clip-zero-shot")))
    zs->setShortcut(QKeySequence(tr("Ctrl+R")));
  resize(1280, 800);
  restoreSettings();
}

MainWindow::~MainWindow() = default;

std::unique_ptr<QSettings> MainWindow::settings() const {
  if (!options_.settingsFile.isEmpty())
    return std::make_unique<QSettings>(options_.settingsFile, QSettings::IniFormat);
  return std::make_unique<QSettings>(QStringLiteral("PromptDesk"), QStringLiteral("PromptDesk"));
}

int MainWindow::openTab(QWidget* widget, const QString& title) {
  const int index = workArea_->addTab(widget, title);
  workArea_->setCurrentIndex(index);
  return index;
}

void MainWindow::setExplorerItems(const QString& section, const QStringList& names) {
  for (int i = 0; i < explorerTree_->topLevelItemCount(); ++i) {
    QTreeWidgetItem* top = explorerTree_->topLevelItem(i);
    if (top->data(0, Qt::UserRole).toString() != section) continue;
    qDeleteAll(top->takeChildren());
    for (const QString& n : names) new QTreeWidgetItem(top, QStringList{n});
    top->setExpanded(true);
  }
}

void MainWindow::buildDocks() {
  explorerDock_ = new QDockWidget(tr("Project"), this);
  explorerDock_->setObjectName(QStringLiteral("explorerDock"));
  explorerTree_ = new QTreeWidget(explorerDock_);
  explorerTree_->setObjectName(QStringLiteral("projectExplorer"));
  explorerTree_->setHeaderHidden(true);
  const QIcon folder = style()->standardIcon(QStyle::SP_DirIcon);
  for (const char* section :
       {"Models", "Datasets", "Templates", "Experiments", "Results", "Reports"}) {
    auto* item = new QTreeWidgetItem(explorerTree_, QStringList{tr(section)});
    item->setIcon(0, folder);
    item->setData(0, Qt::UserRole, QString::fromLatin1(section));
  }
  explorerDock_->setWidget(explorerTree_);
  addDockWidget(Qt::LeftDockWidgetArea, explorerDock_);

  jobDock_ = new QDockWidget(tr("Jobs"), this);
  jobDock_->setObjectName(QStringLiteral("jobDock"));
  jobs_ = new JobDock(runner_, jobDock_);
  jobDock_->setWidget(jobs_);
  addDockWidget(Qt::BottomDockWidgetArea, jobDock_);
  connect(jobs_, &JobDock::openResultRequested, this, &MainWindow::openJobResult);
  connect(explorerTree_, &QTreeWidget::itemActivated, this, &MainWindow::onExplorerActivated);
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->setObjectName(QStringLiteral("menuFile"));
  QAction* newAct = file->addAction(tr("&New Project…"), this, &MainWindow::newProject);
  newAct->setShortcut(QKeySequence::New);
  newAct->setObjectName(QStringLiteral("actionNew"));
  QAction* openAct = file->addAction(tr("&Open Project…"), this, &MainWindow::openProjectDialog);
  openAct->setShortcut(QKeySequence::Open);
  openAct->setObjectName(QStringLiteral("actionOpen"));
  recentMenu_ = file->addMenu(tr("Open &Recent"));
  recentMenu_->setObjectName(QStringLiteral("menuRecent"));
  QAction* saveAs = file->addAction(tr("Save &As…"), this, &MainWindow::saveProjectAs);
  saveAs->setShortcut(QKeySequence::SaveAs);
  saveAs->setObjectName(QStringLiteral("actionSaveAs"));
  file->addSeparator();
  QAction* exportAct =
      file->addAction(tr("&Export Report…"), this, &MainWindow::exportReportDialog);
  exportAct->setObjectName(QStringLiteral("actionExportReport"));
  exportAct->setShortcut(QKeySequence(tr("Ctrl+E")));
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"));
  quit->setShortcut(QKeySequence::Quit);
  quit->setObjectName(QStringLiteral("actionQuit"));
  connect(quit, &QAction::triggered, this, &QWidget::close);

  QMenu* project = menuBar()->addMenu(tr("&Project"));
  project->setObjectName(QStringLiteral("menuProject"));
  QAction* addModel = project->addAction(tr("Add &Model…"), this, &MainWindow::addModelDialog);
  addModel->setObjectName(QStringLiteral("actionAddModel"));
  addModel->setShortcut(QKeySequence(tr("Ctrl+Shift+M")));
  QAction* addModelFolder = project->addAction(tr("Add Model &Folder (Hugging Face)…"), this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Add a Hugging Face CLIP folder"));
    if (!dir.isEmpty()) addModelFile(dir);
  });
  addModelFolder->setObjectName(QStringLiteral("actionAddModelFolder"));
  QAction* models = project->addAction(tr("Model &Manager"), this, [this] { openModelManager(); });
  models->setObjectName(QStringLiteral("actionModelManager"));
  project->addSeparator();
  QAction* addDataset =
      project->addAction(tr("Add &Dataset…"), this, &MainWindow::addDatasetDialog);
  addDataset->setObjectName(QStringLiteral("actionAddDataset"));
  addDataset->setShortcut(QKeySequence(tr("Ctrl+Shift+D")));
  QAction* addDatasetFolder = project->addAction(tr("Add Dataset F&older…"), this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Add a dataset folder (class folders, IDX files or a CoOp split)"));
    if (!dir.isEmpty()) addDatasetFile(dir);
  });
  addDatasetFolder->setObjectName(QStringLiteral("actionAddDatasetFolder"));
  project->addSeparator();
  QAction* newTemplateAct =
      project->addAction(tr("New &Template…"), this, &MainWindow::newTemplate);
  newTemplateAct->setShortcut(QKeySequence(tr("Ctrl+T")));
  newTemplateAct->setObjectName(QStringLiteral("actionNewTemplate"));

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  run->setObjectName(QStringLiteral("menuRun"));
  run_ = new RunLauncher(this, run, run->addSeparator());
  connect(run_, &RunLauncher::gridLaunched, this, &MainWindow::gridLaunched);
  QAction* cancelAll = run->addAction(tr("&Cancel All Jobs"), this, [this] { jobs_->cancelAll(); });
  cancelAll->setShortcut(QKeySequence(tr("Ctrl+Shift+K")));
  cancelAll->setObjectName(QStringLiteral("actionCancelAll"));

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->setObjectName(QStringLiteral("menuView"));
  QAction* toggleExplorer = explorerDock_->toggleViewAction();
  toggleExplorer->setShortcut(QKeySequence(tr("Ctrl+1")));
  view->addAction(toggleExplorer);
  QAction* toggleJobs = jobDock_->toggleViewAction();
  toggleJobs->setShortcut(QKeySequence(tr("Ctrl+2")));
  view->addAction(toggleJobs);
  view->addSeparator();
  QAction* closeTab = view->addAction(tr("Close &Tab"), this, [this] {
    const int i = workArea_->currentIndex();
    if (i >= 0) emit workArea_->tabCloseRequested(i);
  });
  closeTab->setShortcut(QKeySequence::Close);
  QAction* nextTab = view->addAction(tr("&Next Tab"), this, [this] {
    if (workArea_->count() > 0)
      workArea_->setCurrentIndex((workArea_->currentIndex() + 1) % workArea_->count());
  });
  nextTab->setShortcut(QKeySequence::NextChild);

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->setObjectName(QStringLiteral("menuHelp"));
  QAction* about = help->addAction(tr("&About PromptDesk"), this, &MainWindow::showAbout);
  about->setObjectName(QStringLiteral("actionAbout"));
  about->setShortcut(QKeySequence::HelpContents);
}

QAction* MainWindow::addJobKind(JobKind kind) { return run_->addJobKind(std::move(kind)); }

quint64 MainWindow::launchJobKind(const QString& kind) { return run_->launch(kind); }

QList<quint64> MainWindow::lastLaunched() const { return run_->lastLaunched(); }

void MainWindow::newTemplate() {
  auto* editor = new TemplateEditor(this);
  // Preview with the classes of the project's newest dataset that has class names.
  if (project_) {
    try {
      const auto datasets = project_->datasets();
      for (auto it = datasets.rbegin(); it != datasets.rend(); ++it) {
        if (it->classNames.empty()) continue;
        QStringList classes;
        for (const auto& c : it->classNames)
          if (classes.size() < 8) classes << QString::fromStdString(c);
        editor->setPreviewClasses(classes);
        break;
      }
    } catch (const std::exception&) {
    }
  }
  editor->setTemplateText(QStringLiteral("a photo of a {class}."));
  openTab(editor, tr("Template"));
}

void MainWindow::showAbout() {
  QMessageBox box(this);
  box.setObjectName(QStringLiteral("aboutBox"));
  box.setWindowTitle(tr("About PromptDesk"));
  box.setTextFormat(Qt::RichText);
  box.setText(tr("<h3>PromptDesk %1</h3><p>A workbench for prompt learning: CLIP, hand-crafted "
                 "prompts, CoOp and CoCoOp.</p><table><tr><td>Qt</td><td>%2 (built with %3)"
                 "</td></tr><tr><td>LibTorch</td><td>%4</td></tr></table>")
                  .arg(QString::fromStdString(pd::version()), QString::fromLatin1(qVersion()),
                       QStringLiteral(QT_VERSION_STR), QString::fromStdString(pd::torchVersion())));
  box.setIconPixmap(QApplication::windowIcon().pixmap(64, 64));
  box.exec();
}

void MainWindow::restoreSettings() {
  auto s = settings();
  const QByteArray geometry = s->value(QStringLiteral("window/geometry")).toByteArray();
  if (!geometry.isEmpty()) restoreGeometry(geometry);
  const QByteArray state = s->value(QStringLiteral("window/state")).toByteArray();
  if (!state.isEmpty()) restoreState(state);
  rebuildRecentMenu();
}

void MainWindow::saveSettings() {
  auto s = settings();
  s->setValue(QStringLiteral("window/geometry"), saveGeometry());
  s->setValue(QStringLiteral("window/state"), saveState());
  s->sync();
}

QStringList MainWindow::recentProjects() const {
  return settings()->value(QStringLiteral("recentProjects")).toStringList();
}

void MainWindow::addRecentProject(const QString& path) {
  QStringList list = recentProjects();
  const QString abs = QFileInfo(path).absoluteFilePath();
  list.removeAll(abs);
  list.prepend(abs);
  while (list.size() > kMaxRecent) list.removeLast();
  auto s = settings();
  s->setValue(QStringLiteral("recentProjects"), list);
  s->sync();
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  recentMenu_->clear();
  const QStringList list = recentProjects();
  for (int i = 0; i < list.size(); ++i) {
    const QString path = list[i];
    QAction* a = recentMenu_->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(path));
    a->setData(path);
    connect(a, &QAction::triggered, this, [this, path] { openProject(path); });
  }
  recentMenu_->setEnabled(!list.isEmpty());
}

bool MainWindow::runProjectAction(const std::function<void(const QString&)>& fn,
                                  const QString& path, const QString& what) {
  try {
    if (fn) fn(path);
  } catch (const std::exception& e) {
    QMessageBox::warning(this, what, QString::fromStdString(e.what()));
    return false;
  }
  currentProject_ = QFileInfo(path).absoluteFilePath();
  setWindowTitle(QStringLiteral("%1 — PromptDesk").arg(QFileInfo(path).fileName()));
  addRecentProject(path);
  refreshExplorer();
  statusBar()->showMessage(tr("%1: %2").arg(what, path), 5000);
  emit projectChanged(currentProject_);
  return true;
}

bool MainWindow::openProject(const QString& path) {
  return runProjectAction(handlers_.open, path, tr("Open project"));
}

bool MainWindow::createProject(const QString& path) {
  return runProjectAction(handlers_.create, path, tr("New project"));
}

bool MainWindow::saveProjectCopyAs(const QString& path) {
  return runProjectAction(handlers_.saveAs, path, tr("Save project as"));
}

void MainWindow::newProject() {
  const QString path = QFileDialog::getSaveFileName(this, tr("New project"), QString(),
                                                    tr("PromptDesk projects (*.pdesk)"));
  if (!path.isEmpty()) createProject(path);
}

void MainWindow::openProjectDialog() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open project"), QString(),
                                                    tr("PromptDesk projects (*.pdesk);;All (*)"));
  if (!path.isEmpty()) openProject(path);
}

void MainWindow::saveProjectAs() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save project as"), currentProject_,
                                                    tr("PromptDesk projects (*.pdesk)"));
  if (!path.isEmpty()) saveProjectCopyAs(path);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  jobs_->drainNow();
  if (jobs_->activeCount() > 0) {
    if (closingAfterCancel_) {  // waiting for cancelled jobs to stop
      event->ignore();
      return;
    }
    const bool yes =
        options_.confirmCloseWithJobs
            ? options_.confirmCloseWithJobs()
            : QMessageBox::question(
                  this, tr("Jobs are running"),
                  tr("%n job(s) are still running or queued. Cancel them and quit?", nullptr,
                     jobs_->activeCount()),
                  QMessageBox::Yes | QMessageBox::No, QMessageBox::No) == QMessageBox::Yes;
    if (!yes) {
      event->ignore();
      return;
    }
    // Cancel and close once they have stopped (no blocking wait on the GUI thread).
    closingAfterCancel_ = true;
    jobs_->cancelAll();
    statusBar()->showMessage(tr("Cancelling jobs…"));
    event->ignore();
    return;
  }
  saveSettings();
  event->accept();
}

}  // namespace pd::ui
