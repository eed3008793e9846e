// MainWindow's "Export as PEFT…": a text run's learned artifact (stored in the project) written as
// a PEFT adapter folder by the core's exportPeftAdapter, the function behind
// `promptdesk-cli export-prompt RUN --format peft`.
#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QPointer>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QThreadPool>

#include <fstream>
#include <optional>

#include "main_window.h"
#include "main_window_util.h"
#include "promptdesk/error.h"
#include "promptdesk/project.h"
#include "promptdesk/text_methods.h"

namespace pd::ui {

using namespace detail;

namespace {
void replaceAll(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}
}  // namespace

bool MainWindow::canExportPeft(qint64 runId) const {
  if (!project_ || runId <= 0) return false;
  try {
    const RunRecord r = project_->run(runId);
    return r.kind == "text-fewshot" && r.state == JobState::Succeeded &&
           project_->lastArtifact(runId, "prompt").has_value();
  } catch (const std::exception&) {
    return false;
  }
}

void MainWindow::exportRunPeftDialog(qint64 runId) {
  if (!project_) {
    statusBar()->showMessage(tr("Create or open a project first"), 8000);
    return;
  }
  QFileDialog dialog(this, tr("Export run %1 as PEFT: choose the adapter folder").arg(runId),
                     QFileInfo(q(project_->path())).absolutePath());
  dialog.setObjectName(QStringLiteral("peftFolderDialog"));
  dialog.setFileMode(QFileDialog::Directory);
  dialog.setOption(QFileDialog::ShowDirsOnly, true);
  dialog.setOption(QFileDialog::DontUseNativeDialog, true);  // the same dialog everywhere (tests)
  dialog.setAcceptMode(QFileDialog::AcceptSave);
  dialog.setLabelText(QFileDialog::Accept, tr("Export"));
  if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty()) return;
  exportRunPeft(runId, dialog.selectedFiles().first());
}

bool MainWindow::exportRunPeft(qint64 runId, const QString& dir) {
  if (!project_ || dir.trimmed().isEmpty()) return false;
  const std::string projectPath = project_->path();
  const std::string outDir = QDir::cleanPath(QFileInfo(dir.trimmed()).absoluteFilePath()).toStdString();
  statusBar()->showMessage(tr("Exporting run %1 as PEFT to %2…").arg(runId).arg(q(outDir)));
  QPointer<MainWindow> self(this);
  QThreadPool::globalInstance()->start([self, projectPath, outDir, runId] {
    QString error, peftType;
    try {
      Project::OpenOptions o;
      o.readOnly = true;
      o.recoverStaleRuns = false;
      auto p = Project::open(projectPath, o);
      const std::optional<ArtifactRecord> a = p->lastArtifact(runId, "prompt");
      if (!a)
        throw Error("run " + std::to_string(runId) + " has no learned prompt or adapter",
                    projectPath);
      QTemporaryDir scratch;
      if (!scratch.isValid())
        throw Error("cannot create a temporary folder", QDir::tempPath().toStdString());
      const std::string learned = scratch.filePath(QStringLiteral("learned.safetensors")).toStdString();
      {
        std::ofstream out(learned, std::ios::binary);
        out << p->artifactBytes(a->id);
        out.close();
        if (!out) throw Error("cannot write the learned tensors", learned);
      }
      try {
        const PeftExportResult r = exportPeftAdapter(learned, outDir);
        peftType = q(r.peftType);
      } catch (const std::exception& e) {
        // The temporary copy means nothing to the user: name the run's artifact instead.
        std::string what = e.what();
        replaceAll(what, learned,
                   projectPath + " (run " + std::to_string(runId) + ", artifact '" + a->name + "')");
        if (what.find("not a learned-parameters file") != std::string::npos)
          what += " — only text methods' learned tensors export as PEFT";
        throw Error(what);
      }
    } catch (const std::exception& e) {
      error = q(e.what());
    }
    QMetaObject::invokeMethod(
        qApp,
        [self, runId, outDir, peftType, error] {
          if (!self) return;
          const QString where = q(outDir);
          if (error.isEmpty()) {
            self->statusBar()->showMessage(
                tr("Exported run %1 as PEFT (%2) to %3").arg(runId).arg(peftType, where), 10000);
          } else {
            self->statusBar()->showMessage(tr("PEFT export of run %1 failed").arg(runId), 10000);
            auto* box = new QMessageBox(QMessageBox::Warning, tr("Export as PEFT"),
                                        tr("Could not export run %1 as a PEFT adapter to\n%2\n\n%3")
                                            .arg(runId)
                                            .arg(where, error),
                                        QMessageBox::Ok, self);
            box->setObjectName(QStringLiteral("peftExportError"));
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
          }
          emit self->peftExported(runId, where, peftType, error);
        },
        Qt::QueuedConnection);
  });
  return true;
}

}  // namespace pd::ui
