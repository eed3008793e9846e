#pragma once
// The Run menu's responsibility, split out of MainWindow: the job kinds it offers (the core's
// registered kinds plus any a caller adds), the run dialog generated from a kind's schema with the
// project's models/datasets and the edited template filled in, and submitting what it makes (one
// job, or a grid's cells prepared off the GUI thread).
#include <QKeySequence>
#include <QList>
#include <QMap>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "run/option_schema.h"

class QAction;
class QMenu;

namespace pd {
class Job;
}

namespace pd::ui {

class MainWindow;

// A kind of job the Run menu can launch: a dialog generated from the schema, then make() builds
// the job from the checked values. Without make() the entry says it is not available yet.
struct JobKind {
  QString kind;   // "zero_shot"
  QString title;  // "Zero-shot Evaluation"
  OptionSchema schema;
  std::function<std::shared_ptr<Job>(const OptionValues&)> make;
  // Grid kinds (experiments): every cell as its own job; `skipped` counts cells done before.
  // Called on a pool thread (expanding a grid writes a run row per cell) with the open
  // project's path; the jobs are submitted back on the GUI thread (gridLaunched).
  std::function<std::vector<std::shared_ptr<Job>>(const OptionValues&,
                                                  const std::string& projectPath, int* skipped)>
      makeAll;
  QKeySequence shortcut;
};

class RunLauncher : public QObject {
  Q_OBJECT
 public:
  // Entries go into `menu` before `before`.
  RunLauncher(MainWindow* window, QMenu* menu, QAction* before);

  // One entry per kind of the core's job registry (errors go to the status bar).
  void addCoreKinds();
  // Adds (or replaces) an entry; returns its action.
  QAction* addJobKind(JobKind kind);
  QAction* action(const QString& kind) const { return actions_.value(kind); }
  // Shows the kind's run dialog; on Run, submits the job and returns its id (0: not launched).
  // A grid kind's cells are prepared off the GUI thread: it returns 0 and gridLaunched() tells
  // the submitted ids.
  quint64 launch(const QString& kind);
  QList<quint64> lastLaunched() const { return lastLaunched_; }

 signals:
  void gridLaunched(const QString& kind, const QList<quint64>& ids, int skipped,
                    const QString& error);

 private:
  // The project's recorded models and datasets as suggestions (newest first) for "model" and
  // "dataset"; the template being edited as the default of "templates".
  OptionSchema withProjectValues(OptionSchema schema) const;

  MainWindow* window_;
  QMenu* menu_;
  QAction* before_;
  std::vector<JobKind> kinds_;
  QMap<QString, QAction*> actions_;
  QList<quint64> lastLaunched_;
};

}  // namespace pd::ui
