// MainWindow's models and datasets: the model manager (with the out-of-process .pt import),
// adding model / dataset files to the project (hashed in jobs) and the dataset browser.
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QThreadPool>
#include <QTreeWidget>
#include <QCoreApplication>

#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include "charts/few_shot_chart.h"
#include "charts/training_curve_chart.h"
#include "datasets/dataset_browser.h"
#include "jobs/deferred_project_job.h"
#include "jobs/job_dock.h"
#include "main_window.h"
#include "models/model_manager.h"
#include "project/project_adapters.h"
#include "promptdesk/checkpoint_import.h"
#include "promptdesk/clip.h"
#include "promptdesk/models.h"
#include "promptdesk/dataset.h"
#include "promptdesk/error.h"
#include "promptdesk/hash.h"
#include "promptdesk/job_registry.h"
#include "promptdesk/jobs.h"
#include "promptdesk/project.h"
#include "promptdesk/report.h"
#include "report_pdf.h"
#include "results/comparison_view.h"
#include "results/results_table.h"

#include "main_window_util.h"

namespace pd::ui {

using namespace detail;

namespace {

bool isTorchScript(const QString& path) {
  const QString s = QFileInfo(path).suffix().toLower();
  return s == QLatin1String("pt") || s == QLatin1String("pth");
}

const std::string kNotClip = "this file is not a valid CLIP checkpoint: ";

// The core's isolated import (promptdesk-import, or the importer given, as a child process with an
// address-space and a time limit), on the calling (worker) thread; cancel kills the child. Throws
// pd::Error "this file is not a valid CLIP checkpoint: <reason> (<file>)" for any failure.
void importInChildProcess(const QString& importer, const QString& in, const QString& out,
                          qint64 memoryLimit, int timeoutMs, JobContext& ctx) {
  IsolatedImportOptions o;
  o.cliPath = importer.toStdString();
  o.memoryLimitBytes = std::uint64_t(memoryLimit);
  o.timeLimitSeconds = timeoutMs / 1000.0;
  o.cancelled = [&ctx] { return ctx.cancelRequested(); };
  try {
    importCheckpointIsolated(in.toStdString(), out.toStdString(), o);
  } catch (const Error& e) {
    QFile::remove(out);
    if (ctx.cancelRequested()) throw JobCancelled();
    // The job row shows the reason first; the file is named after it.
    std::string m = e.what();
    const std::string prefix = e.context() + ": ";
    if (!e.context().empty() && m.rfind(prefix, 0) == 0) m = m.substr(prefix.size());
    if (m.rfind(kNotClip, 0) != 0) m = kNotClip + m;
    if (m.find(QFileInfo(in).fileName().toStdString()) == std::string::npos)
      m += " (" + in.toStdString() + ")";
    throw Error(m);
  }
}
}  // namespace

// ---- models and datasets ------------------------------------------------------------------------

int MainWindow::openModelManager(qint64 modelId) {
  auto* mm = qobject_cast<ModelManager*>(findTab(QStringLiteral("models")));
  int index = -1;
  if (mm) {
    workArea_->setCurrentWidget(mm);
    index = workArea_->currentIndex();
  } else {
    mm = new ModelManager(this);
    mm->setProperty(kTabKey, QStringLiteral("models"));
    connect(mm, &ModelManager::addFileRequested, this, &MainWindow::addModelDialog);
    connect(mm, &ModelManager::addFolderRequested, this, [this] {
      const QString dir =
          QFileDialog::getExistingDirectory(this, tr("Add a Hugging Face CLIP folder"));
      if (!dir.isEmpty()) addModelFile(dir);
    });
    index = openTab(mm, tr("Models"));
  }
  try {
    mm->setModels(project_ ? project_->models() : std::vector<ModelRecord>{});
  } catch (const std::exception& e) {
    mm->setError(q(e.what()));
  }
  if (!lastModelError_.isEmpty()) mm->setError(lastModelError_);
  if (modelId > 0) mm->selectModel(modelId);
  return index;
}

void MainWindow::addModelDialog() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Add a CLIP checkpoint"), QString(),
      tr("CLIP checkpoints (*.pt *.pth *.safetensors);;All files (*)"));
  if (!path.isEmpty()) addModelFile(path);
}

void MainWindow::addDatasetDialog() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Add a dataset file"), QString(),
      tr("Datasets (*.csv *.tsv *.json *.jsonl *.gz);;All files (*)"));
  if (!path.isEmpty()) addDatasetFile(path);
}

void MainWindow::watchModelJob(quint64 jobId, const QString& file) {
  modelJobs_.insert(jobId, file);
  if (auto* mm = qobject_cast<ModelManager*>(findTab(QStringLiteral("models"))))
    mm->setBusy(tr("Adding %1…").arg(QFileInfo(file).fileName()));
  // One connection per job: disconnects itself when its job ends.
  auto* conn = new QMetaObject::Connection;
  *conn = connect(jobs_, &JobDock::jobEnded, this, [this, jobId, conn](quint64 id, int state) {
    if (id != jobId) return;
    disconnect(*conn);
    delete conn;
    const QString file = modelJobs_.take(jobId);
    auto* mm = qobject_cast<ModelManager*>(findTab(QStringLiteral("models")));
    if (JobState(state) == JobState::Failed) {
      lastModelError_ = jobs_->errorOf(jobId);
      if (mm) mm->setError(lastModelError_);
      statusBar()->showMessage(lastModelError_, 15000);
    } else if (JobState(state) == JobState::Succeeded) {
      lastModelError_.clear();
      if (mm) {
        mm->setError(QString());
        try {
          const auto models = project_ ? project_->models() : std::vector<ModelRecord>{};
          mm->setModels(models);
          if (!models.empty()) mm->selectModel(models.back().id);
        } catch (const std::exception& e) {
          mm->setError(q(e.what()));
        }
      }
    } else if (mm) {
      mm->setBusy(QString());
    }
  });
}

quint64 MainWindow::addModelFile(const QString& path) {
  if (!project_) {
    statusBar()->showMessage(tr("Create or open a project first"), 8000);
    return 0;
  }
  const std::string projectPath = project_->path();
  const QString abs = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
  QString importTo;
  if (isTorchScript(abs)) {
    // Written beside the project: <project folder>/models/<name>.safetensors (a free name).
    const QDir dir(QFileInfo(q(projectPath)).absolutePath() + QStringLiteral("/models"));
    const QString base = QFileInfo(abs).completeBaseName();
    importTo = dir.filePath(base + QStringLiteral(".safetensors"));
    for (int n = 2; QFileInfo::exists(importTo); ++n)
      importTo = dir.filePath(QStringLiteral("%1-%2.safetensors").arg(base).arg(n));
  }
  const QString importer = options_.cliPath;  // empty: the core finds promptdesk-import
  const qint64 memoryLimit = options_.importMemoryLimitBytes;
  const int timeoutMs = options_.importTimeoutMs;
  auto job = std::make_shared<FunctionJob>(
      "Add model " + QFileInfo(abs).fileName().toStdString(), [=](JobContext& ctx) {
        std::string file = abs.toStdString();
        if (!importTo.isEmpty()) {
          if (!QFileInfo(abs).isFile()) throw Error(kNotClip + "no such file: " + file);
          QDir().mkpath(QFileInfo(importTo).absolutePath());
          ctx.progress(-1, 0, 0, "converting in a separate process");
          importInChildProcess(importer, abs, importTo, memoryLimit, timeoutMs, ctx);
          file = importTo.toStdString();
        }
        ctx.checkCancelled();
        ctx.progress(-1, 0, 0, "inspecting " + file);
        ModelDescription a;
        try {
          a = describeModel(file);
        } catch (const std::exception& e) {
          if (!importTo.isEmpty()) QFile::remove(importTo);
          std::string why = e.what();
          throw Error(kNotClip + why);
        }
        ctx.checkCancelled();
        ctx.progress(-1, 0, 0, "SHA-256 of " + file);
        ModelRecord m;
        m.path = file;
        m.format = a.format.empty() ? "safetensors" : a.format;
        m.contentHash = sha256Path(file);
        m.architectureJson = a.architectureJson;
        ctx.checkCancelled();
        Project::open(projectPath)->addModel(m);
      });
  const quint64 id = jobs_->submit(job);
  watchModelJob(id, abs);
  return id;
}

quint64 MainWindow::addDatasetFile(const QString& path) {
  if (!project_) {
    statusBar()->showMessage(tr("Create or open a project first"), 8000);
    return 0;
  }
  const std::string projectPath = project_->path();
  const std::string file = QDir::cleanPath(QFileInfo(path).absoluteFilePath()).toStdString();
  const std::string fallbackName = QFileInfo(path).completeBaseName().toStdString();
  auto job = std::make_shared<FunctionJob>(
      "Add dataset " + QFileInfo(path).fileName().toStdString(), [=](JobContext& ctx) {
        DatasetRecord d;
        d.name = fallbackName;
        d.path = file;
        d.specJson = QJsonDocument(QJsonObject{{QStringLiteral("spec"), q(file)}}).toJson(QJsonDocument::Compact).toStdString();
        // A dataset PromptDesk can open gets its recognised name and classes; a plain feature
        // table (e.g. for linear-probe-csv) is recorded as a file.
        ctx.progress(-1, 0, 0, "reading " + file);
        try {
          auto ds = openDataset(file);
          if (!ds->name().empty()) d.name = ds->name();
          d.classNames = ds->classNames();
        } catch (const std::exception& e) {
          if (!QFileInfo(q(file)).exists()) throw;
          ctx.progress(-1, 0, 0, std::string("recorded as a plain file: ") + e.what());
        }
        ctx.checkCancelled();
        ctx.progress(-1, 0, 0, "SHA-256 of " + file);
        d.contentHash = sha256Path(file);
        ctx.checkCancelled();
        Project::open(projectPath)->addDataset(d);
      });
  return jobs_->submit(job);
}

int MainWindow::openDatasetBrowser(qint64 datasetId) {
  if (!project_) return -1;
  const QString key = QStringLiteral("dataset:%1").arg(datasetId);
  if (QWidget* w = findTab(key)) {
    workArea_->setCurrentWidget(w);
    return workArea_->currentIndex();
  }
  DatasetRecord d;
  try {
    d = project_->dataset(datasetId);
  } catch (const std::exception& e) {
    statusBar()->showMessage(q(e.what()), 8000);
    return -1;
  }
  auto* browser = new DatasetBrowser(this);
  browser->setProperty(kTabKey, key);
  const auto specAndOptions = datasetSpecOf(d);
  browser->load(q(specAndOptions.first), specAndOptions.second, q(d.name));
  return openTab(browser, tr("Dataset: %1").arg(q(d.name)));
}

}  // namespace pd::ui
