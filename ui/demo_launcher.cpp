#include "demo_launcher.h"

#include <QApplication>
#include <QFileInfo>
#include <QPointer>
#include <QStatusBar>
#include <QThreadPool>

#include <vector>

#include "jobs/job_dock.h"
#include "main_window.h"
#include "promptdesk/job_registry.h"
#include "promptdesk/paths.h"

namespace pd::ui {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

DemoLauncher::DemoLauncher(MainWindow* window, ::pd::DemoOptions options, QObject* parent)
    : QObject(parent ? parent : window), window_(window), options_(std::move(options)) {
  connect(window_->jobs(), &JobDock::jobEnded, this, &DemoLauncher::onJobEnded);
}

void DemoLauncher::start() {
  pretrain_ = std::make_shared<::pd::DemoPretrainJob>(options_.pretrain);
  pretrainJob_ = window_->jobs()->submit(pretrain_);
  window_->jobs()->selectJob(pretrainJob_);
  window_->statusBar()->showMessage(
      tr("Demo: training the small demo CLIP on Fashion-MNIST (reused when trained before)…"));
}

void DemoLauncher::fail(const QString& error) {
  error_ = error;
  window_->statusBar()->showMessage(tr("Demo: %1").arg(error), 20000);
  emit failed(error);
}

void DemoLauncher::onJobEnded(quint64 id, int state) {
  if (id == pretrainJob_) {
    if (JobState(state) != JobState::Succeeded) {
      fail(JobState(state) == JobState::Failed
               ? tr("pretraining the demo CLIP failed: %1").arg(window_->jobs()->errorOf(id))
               : tr("pretraining the demo CLIP was cancelled"));
      return;
    }
    modelPath_ = q(pretrain_->result().modelPath);
    plan();
    return;
  }
  if (!runJobs_.contains(id) || finished_) return;
  if (--pending_ > 0) return;
  finished_ = true;
  if (exportReport_) {
    reportBase_ = QFileInfo(projectPath_).absolutePath() + QStringLiteral("/demo-report");
    window_->exportReport(experiment(), reportBase_, {QStringLiteral("html"), QStringLiteral("pdf")});
  }
  window_->statusBar()->showMessage(tr("Demo: all %1 runs ended").arg(runJobs_.size()), 10000);
  emit finished();
}

void DemoLauncher::plan() {
  // Creating the project, recording templates and expanding the experiment's grid read and write
  // the project file: done on a pool thread, the jobs are submitted back on the GUI thread.
  QPointer<DemoLauncher> self(this);
  const ::pd::DemoOptions options = options_;
  const std::string model = modelPath_.toStdString();
  window_->statusBar()->showMessage(tr("Demo: preparing the few-shot experiment…"));
  QThreadPool::globalInstance()->start([self, options, model] {
    std::vector<std::shared_ptr<::pd::Job>> jobs;
    int skipped = 0;
    QString error, project;
    try {
      const ::pd::DemoPlan plan = ::pd::planDemo(options, model);
      project = q(plan.projectPath);
      for (const std::string& spec : plan.specs) {
        ::pd::ProjectJob::Batch b = ::pd::ProjectJob::newRuns(plan.projectPath, spec);
        skipped += b.skipped;
        jobs.insert(jobs.end(), b.jobs.begin(), b.jobs.end());
      }
    } catch (const std::exception& e) {
      error = q(e.what());
    }
    QMetaObject::invokeMethod(
        qApp,
        [self, jobs, skipped, error, project] {
          if (!self) return;
          if (!error.isEmpty()) {
            self->fail(tr("could not prepare the demo project: %1").arg(error));
            return;
          }
          self->projectPath_ = project;
          self->skipped_ = skipped;
          MainWindow* w = self->window_;
          if (QFileInfo(w->currentProject()) != QFileInfo(project) && !w->openProject(project)) {
            self->fail(tr("could not open %1").arg(project));
            return;
          }
          w->openExperimentTab(self->experiment());
          for (const auto& job : jobs) self->runJobs_ << w->jobs()->submit(job);
          self->pending_ = self->runJobs_.size();
          if (!self->runJobs_.isEmpty()) w->jobs()->selectJob(self->runJobs_.first());
          w->statusBar()->showMessage(
              tr("Demo: %1 runs queued, %2 reused from before").arg(jobs.size()).arg(skipped),
              10000);
          emit self->planned(int(jobs.size()), skipped);
          if (jobs.empty()) {  // everything was done before: the chart is complete already
            self->finished_ = true;
            if (self->exportReport_) {
              self->reportBase_ =
                  QFileInfo(project).absolutePath() + QStringLiteral("/demo-report");
              w->exportReport(self->experiment(), self->reportBase_,
                              {QStringLiteral("html"), QStringLiteral("pdf")});
            }
            emit self->finished();
          }
        },
        Qt::QueuedConnection);
  });
}

}  // namespace pd::ui
