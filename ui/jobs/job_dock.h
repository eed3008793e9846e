#pragma once
// The job dock over pd::JobRunner: every job with state, progress, ETA, current loss/metric and
// elapsed time; cancel, retry, open result; a live training curve for the selected job.
// Worker-thread events go through a JobEventQueue drained by a QTimer (5 Hz): the GUI never waits.
#include <QElapsedTimer>
#include <QHash>
#include <QWidget>

#include <map>
#include <memory>
#include <vector>

#include "promptdesk/jobs.h"

class QTreeWidget;
class QTreeWidgetItem;
class QLabel;
class QTimer;
class QToolButton;

namespace pd::charts {
class TrainingCurveChart;
}

namespace pd::ui {

class JobEventQueue;

class JobDock : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kDrainIntervalMs = 200;     // ≤ 5 Hz updates and replots
  static constexpr size_t kMaxCurvePoints = 4000;  // per series; older points are thinned

  explicit JobDock(std::shared_ptr<JobRunner> runner, QWidget* parent = nullptr);
  ~JobDock() override;

  JobRunner& runner() const { return *runner_; }
  JobId submit(std::shared_ptr<Job> job);
  void cancel(JobId id);
  void cancelAll();
  // Resubmits an ended job's Job object; returns the new id (0 when it cannot be retried).
  JobId retry(JobId id);
  void selectJob(JobId id);
  JobId selectedJob() const;

  // What the dock has seen (after the last drain).
  JobState stateOf(JobId id) const;
  QString errorOf(JobId id) const;
  double fractionOf(JobId id) const;
  int activeCount() const;  // queued + running
  int runningCount() const;
  int jobCount() const { return int(jobs_.size()); }
  QString summary() const;

  // Drains the queue now (the timer does this every kDrainIntervalMs).
  void drainNow();
  // Longest time one drain (apply events, refresh rows, replot) took on the GUI thread, in ms.
  double worstDrainMs() const { return worstDrainMs_; }
  // The same in CPU time of the GUI thread (wall time also counts waiting for a busy machine).
  double worstDrainCpuMs() const { return worstDrainCpuMs_; }
  // Progress events merged because a job reported faster than the GUI drained.
  std::int64_t coalescedEvents() const;

  QTreeWidget* jobList() const { return list_; }
  charts::TrainingCurveChart* curveChart() const { return chart_; }
  QLabel* detailsLabel() const { return details_; }

 signals:
  void summaryChanged(const QString& summary);
  // Never emitted from inside submit()/retry() (a job that ends before submit() returns, e.g. one
  // that finds its result cached, is reported from the event loop): callers that compare the id
  // submit() returned see every end.
  void jobEnded(quint64 id, int state);
  void allJobsEnded();
  void openResultRequested(quint64 id);

 private:
  struct Info {
    JobId id = 0;
    QString name;
    JobState state = JobState::Queued;
    double fraction = 0.0;
    std::int64_t step = 0, total = 0;
    QString message, error;
    std::map<std::string, double> metrics;
    std::map<std::string, std::vector<std::pair<double, double>>> history;
    double elapsed = 0.0, eta = -1.0;
    QElapsedTimer clock;  // GUI-side clock for the elapsed column while running
    QTreeWidgetItem* item = nullptr;
    bool curveDirty = false;                // new points since the curve was drawn
    bool curveNeedsRebuild = false;         // history was thinned: redraw from scratch
    std::map<std::string, size_t> plotted;  // points of each series already on the chart
    std::int64_t metricEvents = 0;
    int stride = 1;  // keep every stride-th metric event (doubles when the history is thinned)
  };

  void apply(const JobEvent& e);
  void refreshRow(Info& info);
  void refreshButtons();
  void refreshDetails();
  void rebuildCurve();
  void extendCurve(Info& info);
  Info* info(JobId id);
  const Info* info(JobId id) const;

  std::shared_ptr<JobRunner> runner_;
  std::shared_ptr<JobEventQueue> queue_;
  std::map<JobId, Info> jobs_;
  QTreeWidget* list_ = nullptr;
  QLabel* details_ = nullptr;
  charts::TrainingCurveChart* chart_ = nullptr;
  QTimer* timer_ = nullptr;
  QToolButton* cancelButton_ = nullptr;
  QToolButton* retryButton_ = nullptr;
  QToolButton* openButton_ = nullptr;
  QString lastSummary_;
  bool hadActive_ = false;
  bool submitting_ = false;  // inside submit()/retry(): end signals are queued
  double worstDrainMs_ = 0.0;
  double worstDrainCpuMs_ = 0.0;
};

QString formatDuration(double seconds);

}  // namespace pd::ui
