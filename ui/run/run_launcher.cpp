#include "run/run_launcher.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QMenu>
#include <QPointer>
#include <QStatusBar>
#include <QTabWidget>
#include <QThreadPool>

#include <algorithm>

#include "editors/template_editor.h"
#include "jobs/deferred_project_job.h"
#include "jobs/job_dock.h"
#include "main_window.h"
#include "main_window_util.h"
#include "project/project_adapters.h"
#include "promptdesk/error.h"
#include "promptdesk/job_registry.h"
#include "promptdesk/jobs.h"
#include "promptdesk/project.h"
#include "run/run_dialog.h"

namespace pd::ui {

using namespace detail;

RunLauncher::RunLauncher(MainWindow* window, QMenu* menu, QAction* before)
    : QObject(window), window_(window), menu_(menu), before_(before) {}

QAction* RunLauncher::addJobKind(JobKind kind) {
  const QString id = kind.kind;
  QAction* action = actions_.value(id);
  if (!action) {
    action = new QAction(window_);
    action->setObjectName(QStringLiteral("actionRun_") + id);
    menu_->insertAction(before_, action);
    connect(action, &QAction::triggered, this, [this, id] { launch(id); });
    actions_.insert(id, action);
  }
  action->setText(kind.title + QStringLiteral("…"));
  if (!kind.shortcut.isEmpty()) action->setShortcut(kind.shortcut);
  for (auto& k : kinds_)
    if (k.kind == id) {
      k = std::move(kind);
      return action;
    }
  kinds_.push_back(std::move(kind));
  return action;
}

quint64 RunLauncher::launch(const QString& kind) {
  const JobKind* k = nullptr;
  for (const auto& j : kinds_)
    if (j.kind == kind) k = &j;
  if (!k) return 0;
  lastLaunched_.clear();
  RunDialog dialog(k->title, withProjectValues(k->schema), window_);
  if (dialog.exec() != QDialog::Accepted) return 0;
  if (!k->make && !k->makeAll) {
    window_->statusBar()->showMessage(tr("%1 is not available in this build yet").arg(k->title), 8000);
    return 0;
  }
  try {
    if (k->makeAll) {
      if (!window_->project())
        throw Error("create or open a project first (File ▸ New Project)", k->kind.toStdString());
      const std::string path = window_->project()->path();
      const auto makeAll = k->makeAll;
      const OptionValues values = dialog.values();
      const QString kindId = k->kind, title = k->title;
      window_->statusBar()->showMessage(tr("Preparing the cells of %1…").arg(title));
      QPointer<RunLauncher> self(this);
      QThreadPool::globalInstance()->start([self, path, makeAll, values, kindId, title] {
        std::vector<std::shared_ptr<Job>> jobs;
        int skipped = 0;
        QString error;
        try {
          jobs = makeAll(values, path, &skipped);
        } catch (const std::exception& e) {
          error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(
            qApp,
            [self, jobs, skipped, error, kindId, title] {
              if (!self) return;
              QList<quint64> ids;
              MainWindow* w = self->window_;
              for (const auto& job : jobs) ids << w->jobs()->submit(job);
              self->lastLaunched_ = ids;
              if (!error.isEmpty()) {
                w->statusBar()->showMessage(tr("Could not start %1: %2").arg(title, error),
                                               10000);
              } else {
                w->jobDock()->show();
                if (!ids.isEmpty()) w->jobs()->selectJob(ids.first());
                w->statusBar()->showMessage(tr("Started %1: %2 job(s), %3 cell(s) already done")
                                                   .arg(title)
                                                   .arg(ids.size())
                                                   .arg(skipped),
                                               8000);
              }
              emit self->gridLaunched(kindId, ids, skipped, error);
            },
            Qt::QueuedConnection);
      });
      return 0;
    }
    const JobId id = window_->jobs()->submit(k->make(dialog.values()));
    lastLaunched_ << id;
    window_->jobDock()->show();
    window_->jobs()->selectJob(id);
    window_->statusBar()->showMessage(tr("Started %1 (job %2)").arg(k->title).arg(id), 5000);
    return id;
  } catch (const std::exception& e) {
    window_->statusBar()->showMessage(
        tr("Could not start %1: %2").arg(k->title, QString::fromStdString(e.what())), 10000);
    return 0;
  }
}

void RunLauncher::addCoreKinds() {
  std::vector<JobKindInfo> kinds;
  try {
    kinds = jobKinds();
  } catch (const std::exception& e) {
    window_->statusBar()->showMessage(tr("Job kinds unavailable: %1").arg(q(e.what())), 10000);
    return;
  }
  for (const JobKindInfo& info : kinds) {
    JobKind k;
    k.kind = q(info.kind);
    k.title = q(info.title.empty() ? info.kind : info.title);
    k.schema = schemaFromRegistry(info.options);
    const std::string kind = info.kind;
    const OptionSchema schema = k.schema;
    if (info.grid) {
      k.makeAll = [kind, schema](const OptionValues& values, const std::string& projectPath,
                                 int* skipped) {
        const std::string spec = normalizeJobSpec(specJsonFrom(kind, schema, values));
        ProjectJob::Batch batch = ProjectJob::newRuns(projectPath, spec);
        if (skipped) *skipped = batch.skipped;
        return std::vector<std::shared_ptr<Job>>(batch.jobs.begin(), batch.jobs.end());
      };
    } else {
      MainWindow* w = window_;
      k.make = [w, kind, schema](const OptionValues& values) -> std::shared_ptr<Job> {
        if (!w->project())
          throw Error("create or open a project first (File ▸ New Project)", kind);
        // Validated here (a bad value is refused before anything runs); the run row is created
        // on the worker thread when the job starts.
        const std::string spec = normalizeJobSpec(specJsonFrom(kind, schema, values));
        return std::make_shared<DeferredProjectJob>(w->project()->path(), spec,
                                                    describeJobSpec(spec));
      };
    }
    addJobKind(std::move(k));
  }
}

OptionSchema RunLauncher::withProjectValues(OptionSchema schema) const {
  // The template being edited (the current tab, else the newest editor) fills "templates".
  QTabWidget* tabs = window_->workArea();
  TemplateEditor* editor = qobject_cast<TemplateEditor*>(tabs->currentWidget());
  for (int i = tabs->count() - 1; i >= 0 && !editor; --i)
    editor = qobject_cast<TemplateEditor*>(tabs->widget(i));
  if (editor && editor->isValid() && !editor->templateText().trimmed().isEmpty())
    for (OptionSpec& s : schema)
      if (s.name == "templates" && s.type == OptionType::String)
        s.defaultValue = editor->templateText().trimmed().toStdString();
  Project* project = window_->project();
  if (!project) return schema;
  std::vector<std::string> models, datasets;
  try {
    for (const auto& m : project->models()) models.push_back(m.path);
    for (const auto& d : project->datasets()) {
      const std::string spec = datasetSpecOf(d).first;
      if (std::find(datasets.begin(), datasets.end(), spec) == datasets.end())
        datasets.push_back(spec);
    }
  } catch (const std::exception&) {
    return schema;
  }
  std::reverse(models.begin(), models.end());  // newest first
  std::reverse(datasets.begin(), datasets.end());
  for (OptionSpec& s : schema) {
    if (s.type != OptionType::String) continue;
    if (s.name == "model") s.suggestions = models;
    if (s.name == "dataset") s.suggestions = datasets;
    if (!s.suggestions.empty() && s.defaultValue.empty()) s.defaultValue = s.suggestions.front();
  }
  return schema;
}

}  // namespace pd::ui
