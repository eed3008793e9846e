#pragma once
#include <QKeySequence>
#include <QMainWindow>
#include <QHash>
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
#include "run/run_launcher.h"

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
  // The importer run as a child process to import TorchScript checkpoints (never loaded in the GUI
  // process): promptdesk-import or promptdesk-cli. Empty: pd::findImporterExecutable()
  // ($PROMPTDESK_IMPORTER, else promptdesk-import beside the running program, else on PATH).
  QString cliPath;
  qint64 importMemoryLimitBytes = qint64(8) << 30;  // RLIMIT_AS of the import process
  int importTimeoutMs = 10 * 60 * 1000;              // the import process is killed after this
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
  // A TorchScript .pt/.pth is first converted by the core's isolated import (promptdesk-import in a
  // child process with a memory and a time limit), into <project folder>/models/<name>.safetensors; any
  // failure ("this file is not a valid CLIP checkpoint: <reason>") leaves the project untouched.
  quint64 addModelFile(const QString& path);
  quint64 addDatasetFile(const QString& path);
  // The model manager (all models of the project, the selected one's architecture, parameters,
  // SHA-256 and errors) and a dataset's browser; both reuse an open tab.
  int openModelManager(qint64 modelId = 0);
  int openDatasetBrowser(qint64 datasetId);
  // Side-by-side comparison of two runs' predictions.
  int openComparisonTab(qint64 runA, qint64 runB);
  // Re-reads an open few-shot tab of `experiment` (off the GUI thread); opens one when none.
  void refreshExperimentTab(const QString& experiment);
  // Writes the report of `experiment` (all runs when empty) as <base>.html/.csv/.md/.pdf for the
  // formats given ("html", "csv", "md", "pdf") in a job; returns its id (0: nothing to do).
  quint64 exportReport(const QString& experiment, const QString& basePath,
                       const QStringList& formats);
  // A text few-shot run's learned tensors as a PEFT adapter folder in `dir`
  // (adapter_model.safetensors + adapter_config.json, created when missing), written off the GUI
  // thread by the core's exportPeftAdapter (what promptdesk-cli export-prompt --format peft
  // runs). peftExported() tells the outcome; a failure is also shown in a message box naming the
  // file. Returns false (nothing started) when no project is open.
  bool exportRunPeft(qint64 runId, const QString& dir);
  // "Export as PEFT…": a folder chooser, then exportRunPeft.
  void exportRunPeftDialog(qint64 runId);
  // Whether the run has a text method's learned artifact to export (a succeeded text-fewshot run).
  bool canExportPeft(qint64 runId) const;
  // The error of the last failed model import/inspection (plain words), empty when none.
  QString lastModelError() const { return lastModelError_; }

  struct ProjectHandlers {
    std::function<void(const QString& path)> create;  // throws pd::Error to refuse
    std::function<void(const QString& path)> open;
    std::function<void(const QString& path)> saveAs;
  };
  void setProjectHandlers(ProjectHandlers handlers) { handlers_ = std::move(handlers); }

  static constexpr int kMaxRecent = 8;

  using JobKind = ::pd::ui::JobKind;
  // Adds (or replaces) a Run menu entry; returns its action.
  QAction* addJobKind(JobKind kind);
  // Shows the kind's run dialog; on Run, submits the job and returns its id (0: not launched).
  // A grid kind's cells are prepared off the GUI thread: it returns 0 and gridLaunched() tells
  // the submitted ids. The dialog's `model`/`dataset` fields offer the project's recorded
  // models and datasets, `templates` the template being edited.
  quint64 launchJobKind(const QString& kind);
  // The ids of the jobs the last launchJobKind() submitted.
  QList<quint64> lastLaunched() const;
  std::shared_ptr<JobRunner> runner() const { return runner_; }
  // Opens a new template editor tab.
  void newTemplate();

 signals:
  void projectChanged(const QString& path);
  // A grid kind's cells were submitted (ids), `skipped` were done before; `error` when the grid
  // could not be prepared.
  void gridLaunched(const QString& kind, const QList<quint64>& ids, int skipped,
                    const QString& error);
  // exportRunPeft ended: `error` empty on success (`peftType` then says what was written).
  void peftExported(qint64 runId, const QString& dir, const QString& peftType,
                    const QString& error);

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
  void openJobResult(quint64 jobId);
  void onExplorerActivated(QTreeWidgetItem* item);
  void addModelDialog();
  void addDatasetDialog();
  void exportReportDialog();

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
  QWidget* findTab(const QString& key) const;  // by the "pdTab" property
  void watchModelJob(quint64 jobId, const QString& file);
  QHash<QString, int> experimentRefresh_;  // 1: reading, 2: reading and asked again
  QHash<quint64, QString> modelJobs_;      // add-model jobs -> file
  QString lastModelError_;
  RunLauncher* run_ = nullptr;  // the Run menu's kinds and launching
};

}  // namespace pd::ui
