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
#include "promptdesk/project_files.h"
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
  IsolatedImportOptions import;
  import.cliPath = options_.cliPath.toStdString();  // empty: the core finds promptdesk-import
  import.memoryLimitBytes = std::uint64_t(options_.importMemoryLimitBytes);
  import.timeLimitSeconds = options_.importTimeoutMs / 1000.0;
  auto job = std::make_shared<FunctionJob>(
      "Add model " + QFileInfo(abs).fileName().toStdString(),
      [projectPath, file = abs.toStdString(), import](JobContext& ctx) {
        ::pd::addModelFile(projectPath, file, import, &ctx);
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
  auto job = std::make_shared<FunctionJob>(
      "Add dataset " + QFileInfo(path).fileName().toStdString(),
      [projectPath, file = path.toStdString()](JobContext& ctx) {
        ::pd::addDatasetFile(projectPath, file, &ctx);
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
