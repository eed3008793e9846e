#include "jobs/job_dock.h"

#include <qcustomplot.h>
#include <QApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <cmath>
#include <ctime>

#include "charts/training_curve_chart.h"
#include "jobs/job_event_queue.h"

namespace pd::ui {

namespace {
enum Column { kName, kState, kProgress, kEta, kMetric, kElapsed, kMessage, kColumns };
constexpr int kIdRole = Qt::UserRole + 1;
constexpr int kFractionRole = Qt::UserRole + 2;

double threadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

bool isFinal(JobState s) {
  return s == JobState::Succeeded || s == JobState::Failed || s == JobState::Cancelled ||
         s == JobState::Interrupted;
}

QColor stateColor(JobState s) {
  switch (s) {
    case JobState::Running:
      return QColor(25, 110, 200);
    case JobState::Succeeded:
      return QColor(30, 140, 60);
    case JobState::Failed:
      return QColor(200, 40, 40);
    case JobState::Cancelled:
    case JobState::Interrupted:
      return QColor(160, 110, 20);
    case JobState::Queued:
      break;
  }
  return QColor(110, 110, 110);
}

// Paints the progress column as a progress bar (no widget per row: cheap to update).
class ProgressDelegate : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;
  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override {
    const QVariant v = index.data(kFractionRole);
    if (!v.isValid()) return QStyledItemDelegate::paint(painter, option, index);
    const double f = v.toDouble();
    QStyleOptionProgressBar bar;
    bar.rect = option.rect.adjusted(2, 3, -2, -3);
    bar.minimum = 0;
    bar.maximum = f < 0 ? 0 : 1000;  // 0..0: busy indicator for unknown progress
    bar.progress = f < 0 ? 0 : int(std::lround(std::clamp(f, 0.0, 1.0) * 1000));
    bar.text = f < 0 ? QStringLiteral("…") : QStringLiteral("%1%").arg(int(std::floor(f * 100)));
    bar.textVisible = true;
    bar.state = option.state | QStyle::State_Horizontal;
    const QWidget* w = option.widget;
    (w ? w->style() : QApplication::style())->drawControl(QStyle::CE_ProgressBar, &bar, painter, w);
  }
};
}  // namespace

QString formatDuration(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds)) return QStringLiteral("–");
  const qint64 s = qint64(std::llround(seconds));
  if (s < 60) return QStringLiteral("%1 s").arg(s);
  if (s < 3600) return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
  return QStringLiteral("%1:%2:%3")
      .arg(s / 3600)
      .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
      .arg(s % 60, 2, 10, QLatin1Char('0'));
}

JobDock::JobDock(std::shared_ptr<JobRunner> runner, QWidget* parent)
    : QWidget(parent), runner_(std::move(runner)), queue_(std::make_shared<JobEventQueue>()) {
  setObjectName(QStringLiteral("jobDockWidget"));
  std::weak_ptr<JobEventQueue> weak = queue_;
  runner_->setListener([weak](const JobEvent& e) {
    if (auto q = weak.lock()) q->push(e);
  });

  list_ = new QTreeWidget(this);
  list_->setObjectName(QStringLiteral("jobList"));
  list_->setColumnCount(kColumns);
  list_->setHeaderLabels({tr("Job"), tr("State"), tr("Progress"), tr("ETA"), tr("Loss / metric"),
                          tr("Elapsed"), tr("Message")});
  list_->setRootIsDecorated(false);
  list_->setUniformRowHeights(true);
  list_->setAlternatingRowColors(true);
  list_->setItemDelegateForColumn(kProgress, new ProgressDelegate(list_));
  list_->header()->setStretchLastSection(true);
  list_->setColumnWidth(kName, 200);
  list_->setColumnWidth(kState, 80);
  list_->setColumnWidth(kProgress, 140);
  list_->setColumnWidth(kEta, 60);
  list_->setColumnWidth(kMetric, 150);
  list_->setColumnWidth(kElapsed, 60);

  auto makeButton = [this](const QString& text, const QString& name, QStyle::StandardPixmap icon) {
    auto* b = new QToolButton(this);
    b->setText(text);
    b->setObjectName(name);
    b->setIcon(style()->standardIcon(icon));
    b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    b->setAutoRaise(true);
    return b;
  };
  cancelButton_ = makeButton(tr("Cancel"), QStringLiteral("cancelJob"), QStyle::SP_BrowserStop);
  retryButton_ = makeButton(tr("Retry"), QStringLiteral("retryJob"), QStyle::SP_BrowserReload);
  openButton_ =
      makeButton(tr("Open result"), QStringLiteral("openResult"), QStyle::SP_DialogOpenButton);
  connect(cancelButton_, &QToolButton::clicked, this, [this] { cancel(selectedJob()); });
  connect(retryButton_, &QToolButton::clicked, this, [this] {
    if (JobId id = retry(selectedJob())) selectJob(id);
  });
  connect(openButton_, &QToolButton::clicked, this, [this] {
    if (JobId id = selectedJob()) emit openResultRequested(id);
  });
  connect(list_, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
    const JobId id = item->data(kName, kIdRole).toULongLong();
    if (stateOf(id) == JobState::Succeeded) emit openResultRequested(id);
  });

  details_ = new QLabel(this);
  details_->setObjectName(QStringLiteral("jobDetails"));
  details_->setWordWrap(true);
  details_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* buttons = new QHBoxLayout;
  buttons->setContentsMargins(0, 0, 0, 0);
  buttons->addWidget(cancelButton_);
  buttons->addWidget(retryButton_);
  buttons->addWidget(openButton_);
  buttons->addStretch(1);

  auto* left = new QWidget(this);
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  leftLayout->addLayout(buttons);
  leftLayout->addWidget(list_, 1);
  leftLayout->addWidget(details_);

  chart_ = new charts::TrainingCurveChart(this);
  chart_->setMinimumWidth(280);
  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->addWidget(left);
  splitter->addWidget(chart_);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addWidget(splitter);

  connect(list_, &QTreeWidget::currentItemChanged, this, [this] {
    refreshButtons();
    refreshDetails();
    rebuildCurve();
  });
  timer_ = new QTimer(this);
  timer_->setInterval(kDrainIntervalMs);
  connect(timer_, &QTimer::timeout, this, &JobDock::drainNow);
  timer_->start();
  refreshButtons();
  refreshDetails();
}

JobDock::~JobDock() { runner_->setListener(nullptr); }

std::int64_t JobDock::coalescedEvents() const { return queue_->coalesced(); }

JobId JobDock::submit(std::shared_ptr<Job> job) {
  const JobId id = runner_->submit(std::move(job));
  submitting_ = true;
  drainNow();  // show the queued row at once
  submitting_ = false;
  return id;
}

void JobDock::cancel(JobId id) {
  if (id) runner_->cancel(id);
}

void JobDock::cancelAll() { runner_->cancelAll(); }

JobId JobDock::retry(JobId id) {
  const Info* i = info(id);
  if (!i || !isFinal(i->state) || i->state == JobState::Succeeded) return 0;
  std::shared_ptr<Job> job = runner_->job(id);
  return job ? submit(std::move(job)) : 0;
}

JobDock::Info* JobDock::info(JobId id) {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}
const JobDock::Info* JobDock::info(JobId id) const {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}

JobState JobDock::stateOf(JobId id) const {
  const Info* i = info(id);
  return i ? i->state : JobState::Queued;
}
QString JobDock::errorOf(JobId id) const {
  const Info* i = info(id);
  return i ? i->error : QString();
}
double JobDock::fractionOf(JobId id) const {
  const Info* i = info(id);
  return i ? i->fraction : 0.0;
}

int JobDock::activeCount() const {
  int n = 0;
  for (const auto& kv : jobs_) n += isFinal(kv.second.state) ? 0 : 1;
  return n;
}
int JobDock::runningCount() const {
  int n = 0;
  for (const auto& kv : jobs_) n += kv.second.state == JobState::Running ? 1 : 0;
  return n;
}

QString JobDock::summary() const {
  const int running = runningCount();
  const int queued = activeCount() - running;
  if (running == 0 && queued == 0) return tr("No jobs running");
  QString text = tr("%n job(s) running", nullptr, running);
  if (queued > 0) text += tr(", %n queued", nullptr, queued);
  // The running job furthest from done sets the overall ETA.
  double eta = -1;
  for (const auto& kv : jobs_)
    if (kv.second.state == JobState::Running) eta = std::max(eta, kv.second.eta);
  if (eta >= 0) text += tr(" — ETA %1").arg(formatDuration(eta));
  return text;
}

JobId JobDock::selectedJob() const {
  QTreeWidgetItem* item = list_->currentItem();
  return item ? item->data(kName, kIdRole).toULongLong() : 0;
}

void JobDock::selectJob(JobId id) {
  if (Info* i = info(id)) list_->setCurrentItem(i->item);
}

void JobDock::apply(const JobEvent& e) {
  auto [it, inserted] = jobs_.try_emplace(e.id);
  Info& i = it->second;
  if (inserted) {
    i.id = e.id;
    i.item = new QTreeWidgetItem(list_);
    i.item->setData(kName, kIdRole, QVariant::fromValue<qulonglong>(e.id));
  }
  i.name = QString::fromStdString(e.name);
  const JobState previous = i.state;
  i.state = e.state;
  if (e.state == JobState::Running && (previous != JobState::Running || !i.clock.isValid()))
    i.clock.start();
  if (e.state == JobState::Running && e.fraction != 0.0) i.fraction = e.fraction;
  if (e.state == JobState::Succeeded) i.fraction = 1.0;
  if (e.step || e.totalSteps) i.step = e.step, i.total = e.totalSteps;
  if (!e.message.empty()) i.message = QString::fromStdString(e.message);
  if (!e.error.empty()) i.error = QString::fromStdString(e.error);
  if (e.elapsedSeconds > 0) i.elapsed = e.elapsedSeconds;
  i.eta = e.state == JobState::Running ? e.etaSeconds : -1.0;
  if (!e.metrics.empty()) {
    for (const auto& m : e.metrics) i.metrics[m.first] = m.second;
    const double x = e.totalSteps > 0 || e.step > 0 ? double(e.step) : double(i.metricEvents);
    if (i.metricEvents++ % i.stride == 0) {
      bool thin = false;
      for (const auto& m : e.metrics) {
        auto& h = i.history[m.first];
        h.emplace_back(x, m.second);
        thin = thin || h.size() > kMaxCurvePoints;
      }
      if (thin) {  // keep every other point: memory and redraw cost stay bounded
        for (auto& kv : i.history) {
          size_t w = 0;
          for (size_t r = 0; r < kv.second.size(); r += 2) kv.second[w++] = kv.second[r];
          kv.second.resize(w);
        }
        i.stride *= 2;
        i.curveNeedsRebuild = true;
      }
      i.curveDirty = true;
    }
  }
  if (isFinal(e.state) && !isFinal(previous)) {
    if (submitting_) {
      const quint64 id = e.id;
      const int state = int(e.state);
      QMetaObject::invokeMethod(this, [this, id, state] { emit jobEnded(id, state); },
                                Qt::QueuedConnection);
    } else {
      emit jobEnded(e.id, int(e.state));
    }
  }
}

void JobDock::refreshRow(Info& i) {
  QTreeWidgetItem* item = i.item;
  item->setText(kName, i.name);
  item->setText(kState, QString::fromLatin1(toString(i.state)));
  item->setForeground(kState, stateColor(i.state));
  const bool showBar = i.state == JobState::Running || i.state == JobState::Succeeded;
  item->setData(kProgress, kFractionRole, showBar ? QVariant(i.fraction) : QVariant());
  item->setText(kProgress, showBar ? QString() : QStringLiteral("–"));
  item->setText(kEta, i.state == JobState::Running ? formatDuration(i.eta) : QStringLiteral("–"));
  QStringList metrics;
  for (const auto& m : i.metrics)
    metrics
        << QStringLiteral("%1 %2").arg(QString::fromStdString(m.first)).arg(m.second, 0, 'g', 4);
  item->setText(kMetric, metrics.join(QStringLiteral(", ")));
  const double elapsed =
      i.state == JobState::Running && i.clock.isValid() ? i.clock.elapsed() / 1000.0 : i.elapsed;
  item->setText(kElapsed,
                i.state == JobState::Queued ? QStringLiteral("–") : formatDuration(elapsed));
  QString msg = i.state == JobState::Failed ? tr("Error: %1").arg(i.error) : i.message;
  if (i.total > 0 && i.state == JobState::Running)
    msg = QStringLiteral("[%1/%2] %3").arg(i.step).arg(i.total).arg(msg);
  item->setText(kMessage, msg);
  item->setForeground(kMessage, i.state == JobState::Failed ? stateColor(i.state) : QBrush());
  item->setToolTip(kName, i.error.isEmpty() ? i.name : i.name + QLatin1Char('\n') + i.error);
  item->setToolTip(kMessage, msg);
}

void JobDock::drainNow() {
  QElapsedTimer clock;
  clock.start();
  const double cpuStart = threadCpuMs();
  const std::vector<JobEvent> events = queue_->drain();
  std::vector<JobId> touched;
  for (const JobEvent& e : events) {
    apply(e);
    touched.push_back(e.id);
  }
  // Running rows refresh each tick (elapsed clock); others only when touched.
  for (auto& kv : jobs_) {
    const bool hit = std::find(touched.begin(), touched.end(), kv.first) != touched.end();
    if (hit || kv.second.state == JobState::Running) refreshRow(kv.second);
  }
  if (!events.empty()) {
    refreshButtons();
    refreshDetails();
  }
  const JobId sel = selectedJob();
  if (Info* i = info(sel); i && i->curveNeedsRebuild)
    rebuildCurve();
  else if (i && i->curveDirty)
    extendCurve(*i);
  if (!list_->currentItem() && list_->topLevelItemCount() > 0)
    list_->setCurrentItem(list_->topLevelItem(list_->topLevelItemCount() - 1));
  const QString s = summary();
  if (s != lastSummary_) {
    lastSummary_ = s;
    emit summaryChanged(s);
  }
  const bool active = activeCount() > 0;
  worstDrainMs_ = std::max(worstDrainMs_, clock.nsecsElapsed() / 1e6);
  worstDrainCpuMs_ = std::max(worstDrainCpuMs_, threadCpuMs() - cpuStart);
  if (hadActive_ && !active) {
    if (submitting_)
      QMetaObject::invokeMethod(this, [this] { emit allJobsEnded(); }, Qt::QueuedConnection);
    else
      emit allJobsEnded();
  }
  hadActive_ = active;
}

void JobDock::refreshButtons() {
  const Info* i = info(selectedJob());
  cancelButton_->setEnabled(i && !isFinal(i->state));
  retryButton_->setEnabled(i && isFinal(i->state) && i->state != JobState::Succeeded);
  openButton_->setEnabled(i && i->state == JobState::Succeeded);
}

void JobDock::refreshDetails() {
  const Info* i = info(selectedJob());
  if (!i) {
    details_->setText(tr("No job selected."));
    details_->setStyleSheet(QString());
    return;
  }
  if (i->state == JobState::Failed) {
    details_->setText(
        tr("<b>%1 failed:</b> %2").arg(i->name.toHtmlEscaped(), i->error.toHtmlEscaped()));
    details_->setStyleSheet(QStringLiteral("color: rgb(190, 30, 30);"));
  } else {
    details_->setText(
        tr("<b>%1</b> — %2").arg(i->name.toHtmlEscaped(), QString::fromLatin1(toString(i->state))));
    details_->setStyleSheet(QString());
  }
}

void JobDock::rebuildCurve() {
  chart_->clear();
  Info* i = info(selectedJob());
  if (!i) return;
  i->plotted.clear();
  i->curveNeedsRebuild = false;
  extendCurve(*i);
}

void JobDock::extendCurve(Info& i) {
  for (const auto& h : i.history) {
    size_t& done = i.plotted[h.first];
    for (size_t k = done; k < h.second.size(); ++k)
      chart_->appendPoint(h.first, h.second[k].first, h.second[k].second);
    done = h.second.size();
  }
  i.curveDirty = false;
  chart_->resetZoom();
}

}  // namespace pd::ui
