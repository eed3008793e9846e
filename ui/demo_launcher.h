#pragma once
// `promptdesk --demo`: pretrains (or reuses) the demo CLIP as a job in the job dock, creates or
// opens the demo project, submits every cell of its few-shot experiment as jobs and opens the
// experiment's few-shot chart, which MainWindow refreshes whenever a job ends (the chart fills
// live). When all runs have ended it exports the report (HTML + PDF) beside the project.
#include <QList>
#include <QObject>
#include <QString>

#include <memory>

#include "promptdesk/demo.h"

namespace pd::ui {

class MainWindow;

class DemoLauncher : public QObject {
  Q_OBJECT
 public:
  DemoLauncher(MainWindow* window, ::pd::DemoOptions options, QObject* parent = nullptr);

  void start();
  quint64 pretrainJob() const { return pretrainJob_; }
  const QList<quint64>& runJobs() const { return runJobs_; }
  int skipped() const { return skipped_; }
  QString projectPath() const { return projectPath_; }
  QString modelPath() const { return modelPath_; }
  QString experiment() const { return QString::fromStdString(options_.experiment); }
  QString reportBase() const { return reportBase_; }
  bool isFinished() const { return finished_; }
  QString error() const { return error_; }
  // Export the report when all runs ended (default on).
  void setExportReport(bool on) { exportReport_ = on; }

 signals:
  void planned(int jobs, int skipped);
  // Every run ended (succeeded or not); the report export was submitted when asked for.
  void finished();
  void failed(const QString& error);

 private:
  void onJobEnded(quint64 id, int state);
  void plan();
  void fail(const QString& error);

  MainWindow* window_;
  ::pd::DemoOptions options_;
  std::shared_ptr<::pd::DemoPretrainJob> pretrain_;
  quint64 pretrainJob_ = 0;
  QList<quint64> runJobs_;
  int pending_ = 0;
  int skipped_ = 0;
  QString projectPath_, modelPath_, reportBase_, error_;
  bool finished_ = false;
  bool exportReport_ = true;
};

}  // namespace pd::ui
