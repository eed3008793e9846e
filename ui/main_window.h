#pragma once
#include <QKeySequence>
#include <QMainWindow>
#include <QMap>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

class QDockWidget;
class QTabWidget;
class QLabel;
class QMenu;
class QTreeWidget;
class QTreeWidgetItem;
class QSettings;
class QAction;

#include "run/option_schema.h"

namespace pd {
class Job;
class JobRunner;
class Project;
}  // namespace pd

namespace pd::ui {

class JobDock;

struct MainWindowOptions {
  // Settings file (INI). Empty: the platform's default QSettings for PromptDesk. Tests pass a
  // file inside a QTemporaryDir.
  QString settingsFile;
  // Asked when the window closes while jobs run; returns true to cancel them and close. Empty:
  // a QMessageBox question. Tests pass a lambda.
  std::function<bool()> confirmCloseWithJobs;
  int workers = 0;  // JobRunner workers (0: the runner's default)
};

// The workbench's main window: menus, project explorer, central tabbed work area, job dock and a
// status bar with the running-job summary. Geometry, dock layout and recent projects persist.
class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  explicit MainWindow(MainWindowOptions options, QWidget* parent = nullptr);
  ~MainWindow() override;

  QTabWidget* workArea() const { return workArea_; }
  QDockWidget* jobDock() const { return jobDock_; }
  QDockWidget* explorerDock() const { return explorerDock_; }
  JobDock* jobs() const { return jobs_; }
  QTreeWidget* explorer() const { return explorerTree_; }
  QLabel* jobSummaryLabel() const { return jobSummary_; }
  QMenu* recentMenu() const { return recentMenu_; }

  // Replaces the children of an explorer section ("Models", "Datasets", "Templates", ...).
  void setExplorerItems(const QString& section, const QStringList& names);

  // Opens a widget as a tab in the work area (takes ownership) and shows it.
  int openTab(QWidget* widget, const QString& title);

  // Project file handling (the project API is wired in by setProjectHandlers).
  QStringList recentProjects() const;
  void addRecentProject(const QString& path);
  QString currentProject() const { return currentProject_; }
  bool openProject(const QString& path);
  bool createProject(const QString& path);
  bool saveProjectCopyAs(const QString& path);
  // The open project (nullptr when none); owned by the window.
  Project* project() const { return project_.get(); }
  // Re-reads the project into the explorer (models, datasets, templates, experiments, results).
  void refreshExplorer();
  // Tabs over the project: all runs in a results table; an experiment's few-shot figure; a run's
  // training curves. Return the tab index, -1 when there is nothing to show.
  int openResultsTab();
  int openExperimentTab(const QString& experiment);
  int openRunTab(qint64 runId);
  // Records a model / dataset file in the project. Hashing a large file takes a while, so it runs
  // as a job (its own project connection); the explorer refreshes when it ends. Returns the job
  // id, 0 when no project is open.
  quint64 addModelFile(const QString& path);
  quint64 addDatasetFile(const QString& path);

  struct ProjectHandlers {
    std::function<void(const QString& path)> create;  // throws pd::Error to refuse
    std::function<void(const QString& path)> open;
    std::function<void(const QString& path)> saveAs;
  };
  void setProjectHandlers(ProjectHandlers handlers) { handlers_ = std::move(handlers); }

  static constexpr int kMaxRecent = 8;

  // A kind of job the Run menu can launch: a dialog generated from the schema, then make() builds
  // the job from the checked values. Without make() the entry says it is not available yet.
  struct JobKind {
    QString kind;   // "zero_shot"
    QString title;  // "Zero-shot Evaluation"
    OptionSchema schema;
    std::function<std::shared_ptr<Job>(const OptionValues&)> make;
    QKeySequence shortcut;
  };
  // Adds (or replaces) a Run menu entry; returns its action.
  QAction* addJobKind(JobKind kind);
  // Shows the kind's run dialog; on Run, submits the job. Returns the job id (0: not launched).
  quint64 launchJobKind(const QString& kind);
  // Opens a new template editor tab.
  void newTemplate();

 signals:
  void projectChanged(const QString& path);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildMenus();
  void buildDocks();
  void showAbout();
  void restoreSettings();
  void saveSettings();
  void rebuildRecentMenu();
  void newProject();
  void openProjectDialog();
  void saveProjectAs();
  bool runProjectAction(const std::function<void(const QString&)>& fn, const QString& path,
                        const QString& what);
  std::unique_ptr<QSettings> settings() const;
  void installProjectHandlers();
  void registerCoreJobKinds();
  void openJobResult(quint64 jobId);
  void onExplorerActivated(QTreeWidgetItem* item);

  MainWindowOptions options_;
  std::shared_ptr<JobRunner> runner_;
  QTabWidget* workArea_ = nullptr;
  QDockWidget* explorerDock_ = nullptr;
  QDockWidget* jobDock_ = nullptr;
  QTreeWidget* explorerTree_ = nullptr;
  JobDock* jobs_ = nullptr;
  QLabel* jobSummary_ = nullptr;
  QMenu* recentMenu_ = nullptr;
  QString currentProject_;
  ProjectHandlers handlers_;
  std::unique_ptr<Project> project_;
  bool closingAfterCancel_ = false;
  QMenu* runMenu_ = nullptr;
  QAction* runSeparator_ = nullptr;
  std::vector<JobKind> jobKinds_;
  QMap<QString, QAction*> jobKindActions_;
};

}  // namespace pd::ui
