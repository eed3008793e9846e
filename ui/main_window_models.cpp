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
#include <QProcess>
#include <QPushButton>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QThreadPool>
#include <QTreeWidget>
#include <QCoreApplication>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <unordered_map>
#include <unordered_set>

#ifdef Q_OS_UNIX
#include <sys/resource.h>
#endif

#include "charts/few_shot_chart.h"
#include "charts/training_curve_chart.h"
#include "datasets/dataset_browser.h"
#include "jobs/deferred_project_job.h"
#include "jobs/job_dock.h"
#include "main_window.h"
#include "models/model_manager.h"
#include "project/project_adapters.h"
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

// The last non-empty line of a process's stderr, without the CLI's "error: " prefix.
QString lastLine(const QByteArray& bytes) {
  const QList<QByteArray> lines = bytes.split('\n');
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    QString l = QString::fromUtf8(*it).trimmed();
    if (l.isEmpty()) continue;
    for (const char* prefix : {"promptdesk-cli: ", "error: "})
      if (l.startsWith(QLatin1String(prefix))) l = l.mid(int(std::strlen(prefix)));
    return l;
  }
  return {};
}

const std::string kNotClip = "this file is not a valid CLIP checkpoint: ";

// Runs `promptdesk-cli import-checkpoint IN --out OUT` in a child process with an address-space
// limit and a time limit, on the calling (worker) thread; cancel kills it. Throws pd::Error
// ("this file is not a valid CLIP checkpoint: <reason>") for any failure.
void importInChildProcess(const QString& cli, const QString& in, const QString& out,
                          qint64 memoryLimit, int timeoutMs, JobContext& ctx) {
  if (!QFileInfo(cli).isExecutable())
    throw Error("the importer promptdesk-cli was not found next to the GUI", cli.toStdString());
  QProcess proc;
  proc.setProgram(cli);
  proc.setArguments({QStringLiteral("import-checkpoint"), in, QStringLiteral("--out"), out});
#ifdef Q_OS_UNIX
  const rlim_t limit = rlim_t(memoryLimit);
  proc.setChildProcessModifier([limit] {
    struct rlimit rl;
    rl.rlim_cur = limit;
    rl.rlim_max = limit;
    ::setrlimit(RLIMIT_AS, &rl);
  });
#else
  (void)memoryLimit;
#endif
  proc.start();
  if (!proc.waitForStarted(20000))
    throw Error("could not start the importer: " + proc.errorString().toStdString(),
                cli.toStdString());
  QElapsedTimer clock;
  clock.start();
  while (!proc.waitForFinished(200)) {
    if (proc.state() == QProcess::NotRunning) break;
    if (ctx.cancelRequested()) {
      proc.kill();
      proc.waitForFinished(5000);
      QFile::remove(out);
      throw JobCancelled();
    }
    if (clock.elapsed() > timeoutMs) {
      proc.kill();
      proc.waitForFinished(5000);
      QFile::remove(out);
      throw Error(kNotClip + "reading " + in.toStdString() + " took longer than the " +
                  QString::number(timeoutMs / 1000.0, 'g', 3).toStdString() +
                  " s allowed and was stopped");
    }
    ctx.progress(-1, 0, 0, "converting in a separate process (" +
                               std::to_string(clock.elapsed() / 1000) + " s)");
  }
  const QByteArray err = proc.readAllStandardError();
  if (proc.exitStatus() == QProcess::CrashExit) {
    QFile::remove(out);
    const QString why = lastLine(err);
    throw Error(kNotClip + "the importer crashed while reading " + in.toStdString() +
                (why.isEmpty() ? std::string(" (out of memory or a corrupt file)")
                               : " (" + why.toStdString() + ")"));
  }
  if (proc.exitCode() != 0) {
    QFile::remove(out);
    QString why = lastLine(err);
    if (why.contains(QLatin1String("bad_alloc")) || why.contains(QLatin1String("memory")) ||
        why.contains(QLatin1String("failed to map segment")))
      why = QStringLiteral("%1 needs more memory than the %2 GiB allowed (%3)")
                .arg(in)
                .arg(double(memoryLimit) / double(1ll << 30), 0, 'f', 1)
                .arg(why);
    throw Error(kNotClip + (why.isEmpty() ? "the importer failed on " + in.toStdString() +
                                                " (exit code " + std::to_string(proc.exitCode()) +
                                                ")"
                                          : why.toStdString()));
  }
  if (!QFileInfo::exists(out))
    throw Error(kNotClip + "the importer wrote nothing for " + in.toStdString());
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
  const QString cli = cliPath();
  const qint64 memoryLimit = options_.importMemoryLimitBytes;
  const int timeoutMs = options_.importTimeoutMs;
  auto job = std::make_shared<FunctionJob>(
      "Add model " + QFileInfo(abs).fileName().toStdString(), [=](JobContext& ctx) {
        std::string file = abs.toStdString();
        if (!importTo.isEmpty()) {
          if (!QFileInfo(abs).isFile()) throw Error(kNotClip + "no such file: " + file);
          QDir().mkpath(QFileInfo(importTo).absolutePath());
          ctx.progress(-1, 0, 0, "converting in a separate process");
          importInChildProcess(cli, abs, importTo, memoryLimit, timeoutMs, ctx);
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
