// MainWindow's project side: the project file behind File New/Open/Save As, the explorer's
// contents, job kinds from the core's registry, result tabs read from the project (off the GUI
// thread where they read a lot), the model manager, the dataset browser and report export.
#include <QAction>
#include <QApplication>
#include <QItemSelectionModel>
#include <QDialog>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QPointer>
#include <QPushButton>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QThreadPool>
#include <QTreeWidget>
#include <QCoreApplication>

#include <cstring>
#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include "charts/few_shot_chart.h"
#include "charts/training_curve_chart.h"
#include "datasets/dataset_browser.h"
#include "jobs/deferred_project_job.h"
#include "jobs/job_dock.h"
#include "main_window.h"
#include "main_window_util.h"
#include "models/model_manager.h"
#include "project/project_adapters.h"
#include "promptdesk/clip.h"
#include "promptdesk/dataset.h"
#include "promptdesk/error.h"
#include "promptdesk/hash.h"
#include "promptdesk/job_registry.h"
#include "promptdesk/jobs.h"
#include "promptdesk/project.h"
#include "promptdesk/report.h"
#include "report/report_export.h"
#include "results/comparison_view.h"
#include "results/results_table.h"

namespace pd::ui {

using namespace detail;

namespace {
constexpr int kSectionRole = Qt::UserRole;
constexpr int kPayloadRole = Qt::UserRole + 1;

std::unique_ptr<Project> openReader(const std::string& path) {
  Project::OpenOptions o;
  o.readOnly = true;
  o.recoverStaleRuns = false;
  return Project::open(path, o);
}

}  // namespace

QWidget* MainWindow::findTab(const QString& key) const {
  for (int i = 0; i < workArea_->count(); ++i)
    if (workArea_->widget(i)->property(kTabKey).toString() == key) return workArea_->widget(i);
  return nullptr;
}

void MainWindow::installProjectHandlers() {
  handlers_.create = [this](const QString& path) {
    project_ = Project::create(path.toStdString());
  };
  handlers_.open = [this](const QString& path) {
    auto p = Project::open(path.toStdString());
    if (p->readOnly())
      statusBar()->showMessage(tr("Opened read-only: %1").arg(q(p->readOnlyReason())), 10000);
    project_ = std::move(p);
  };
  handlers_.saveAs = [this](const QString& path) {
    if (!project_) throw Error("no project is open", "Save As");
    project_->saveAs(path.toStdString());
  };
  connect(jobs_, &JobDock::jobEnded, this, [this](quint64, int) {
    // Few-shot tabs fill as the experiment's runs end.
    for (int i = 0; i < workArea_->count(); ++i) {
      const QString key = workArea_->widget(i)->property(kTabKey).toString();
      if (key.startsWith(QLatin1String("experiment:"))) refreshExperimentTab(key.mid(11));
    }
  });
}

void MainWindow::refreshExplorer() {
  QMap<QString, QList<QPair<QString, QVariant>>> children;
  std::vector<ModelRecord> models;
  if (project_) {
    try {
      models = project_->models();
      for (const auto& m : models)
        children["Models"].append({QFileInfo(q(m.path)).fileName(), qint64(m.id)});
      for (const auto& d : project_->datasets())
        children["Datasets"].append({q(d.name), qint64(d.id)});
      for (const auto& t : project_->templates())
        children["Templates"].append({q(t.name), qint64(t.id)});
      for (const auto& e : project_->experiments())
        children["Experiments"].append({q(e.empty() ? std::string("(no experiment)") : e), q(e)});
      const auto runs = project_->runs();
      children["Results"].append({tr("All runs (%1)").arg(runs.size()), QVariant()});
      for (const auto& e : project_->experiments())
        if (!e.empty()) children["Reports"].append({tr("Report: %1").arg(q(e)), q(e)});
    } catch (const std::exception& e) {
      statusBar()->showMessage(tr("Could not read the project: %1").arg(q(e.what())), 10000);
    }
  }
  for (int i = 0; i < explorerTree_->topLevelItemCount(); ++i) {
    QTreeWidgetItem* top = explorerTree_->topLevelItem(i);
    const QString section = top->data(0, kSectionRole).toString();
    qDeleteAll(top->takeChildren());
    for (const auto& c : children.value(section)) {
      auto* item = new QTreeWidgetItem(top, QStringList{c.first});
      item->setData(0, kSectionRole, section);
      item->setData(0, kPayloadRole, c.second);
    }
    if (top->childCount() > 0) top->setExpanded(true);
  }
  if (auto* mm = qobject_cast<ModelManager*>(findTab(QStringLiteral("models"))))
    mm->setModels(models);
}

void MainWindow::onExplorerActivated(QTreeWidgetItem* item) {
  if (!item) return;
  const QString section = item->data(0, kSectionRole).toString();
  if (!item->parent()) {  // a section header
    if (section == QLatin1String("Models")) openModelManager();
    if (section == QLatin1String("Results")) openResultsTab();
    return;
  }
  if (section == QLatin1String("Results"))
    openResultsTab();
  else if (section == QLatin1String("Experiments") || section == QLatin1String("Reports"))
    openExperimentTab(item->data(0, kPayloadRole).toString());
  else if (section == QLatin1String("Templates"))
    newTemplate();
  else if (section == QLatin1String("Models"))
    openModelManager(item->data(0, kPayloadRole).toLongLong());
  else if (section == QLatin1String("Datasets"))
    openDatasetBrowser(item->data(0, kPayloadRole).toLongLong());
}

int MainWindow::openResultsTab() {
  if (!project_) return -1;
  auto* table = new ResultsTable(this);
  table->setProperty(kTabKey, QStringLiteral("results"));
  table->setData(resultsFromProject(*project_));
  QPushButton* compare = table->addButton(tr("Compare Selected (2)"), QStringLiteral("compareRuns"));
  compare->setToolTip(tr("Select two runs evaluated on the same test set"));
  QPointer<ResultsTable> t(table);
  connect(compare, &QPushButton::clicked, this, [this, t] {
    if (!t) return;
    const QList<QVariant> ids = t->selectedValues(QStringLiteral("Run"));
    if (ids.size() != 2) {
      statusBar()->showMessage(tr("Select exactly two runs to compare (%1 selected)").arg(ids.size()),
                               6000);
      return;
    }
    openComparisonTab(qint64(ids[0].toDouble()), qint64(ids[1].toDouble()));
  });
  QPushButton* report = table->addButton(tr("Export Report…"), QStringLiteral("exportFromResults"));
  connect(report, &QPushButton::clicked, this, &MainWindow::exportReportDialog);
  // The selected run's context menu: a text run's learned tensors as a PEFT adapter folder.
  auto* peft = new QAction(tr("Export as PEFT…"), table->view());
  peft->setObjectName(QStringLiteral("exportPeft"));
  peft->setToolTip(tr("Write the selected text run's learned prompt / adapter as a PEFT folder "
                      "(adapter_model.safetensors + adapter_config.json)"));
  peft->setEnabled(false);
  table->view()->setContextMenuPolicy(Qt::ActionsContextMenu);
  table->view()->addAction(peft);
  auto selectedRun = [t]() -> qint64 {
    if (!t) return 0;
    const QList<QVariant> ids = t->selectedValues(QStringLiteral("Run"));
    return ids.size() == 1 ? qint64(ids.first().toDouble()) : 0;
  };
  connect(table->view()->selectionModel(), &QItemSelectionModel::selectionChanged, peft,
          [this, peft, selectedRun] { peft->setEnabled(canExportPeft(selectedRun())); });
  connect(peft, &QAction::triggered, this, [this, selectedRun] {
    const qint64 run = selectedRun();
    if (run > 0) exportRunPeftDialog(run);
  });
  connect(table->view(), &QAbstractItemView::doubleClicked, this, [this, t](const QModelIndex&) {
    if (!t) return;
    const QList<QVariant> ids = t->selectedValues(QStringLiteral("Run"));
    if (!ids.isEmpty()) openRunTab(qint64(ids.first().toDouble()));
  });
  return openTab(table, tr("Results"));
}

int MainWindow::openExperimentTab(const QString& experiment) {
  if (!project_) return -1;
  const QString key = QStringLiteral("experiment:") + experiment;
  if (QWidget* w = findTab(key)) {
    workArea_->setCurrentWidget(w);
    refreshExperimentTab(experiment);
    return workArea_->currentIndex();
  }
  // The figure is read off the GUI thread (a large experiment has many runs and predictions);
  // the tab opens at once with its title and fills when the read ends.
  auto* chart = new charts::FewShotChart(this);
  chart->setProperty(kTabKey, key);
  charts::FewShotData empty;
  empty.dataset = experiment.toStdString();
  chart->setData(empty);
  const int index = openTab(chart, tr("Few-shot: %1").arg(experiment));
  refreshExperimentTab(experiment);
  return index;
}

void MainWindow::refreshExperimentTab(const QString& experiment) {
  if (!project_) return;
  auto* chart = qobject_cast<charts::FewShotChart*>(findTab(QStringLiteral("experiment:") + experiment));
  if (!chart) {
    openExperimentTab(experiment);
    return;
  }
  int& state = experimentRefresh_[experiment];
  if (state > 0) {  // a read is under way: read once more when it ends
    state = 2;
    return;
  }
  state = 1;
  const std::string path = project_->path();
  QPointer<MainWindow> self(this);
  QThreadPool::globalInstance()->start([self, path, experiment] {
    charts::FewShotData data;
    QString error;
    try {
      data = fewShotFromProject(*openReader(path), experiment.toStdString());
    } catch (const std::exception& e) {
      error = q(e.what());
    }
    QMetaObject::invokeMethod(
        qApp,
        [self, experiment, data, error] {
          if (!self) return;
          const int again = self->experimentRefresh_.value(experiment);
          self->experimentRefresh_.remove(experiment);
          if (auto* c = qobject_cast<charts::FewShotChart*>(
                  self->findTab(QStringLiteral("experiment:") + experiment))) {
            if (error.isEmpty()) {
              c->setData(data);
              c->setProperty("pdRefreshes", c->property("pdRefreshes").toInt() + 1);
            }
            else
              self->statusBar()->showMessage(tr("Few-shot chart: %1").arg(error), 8000);
          }
          if (again == 2) self->refreshExperimentTab(experiment);
        },
        Qt::QueuedConnection);
  });
}

int MainWindow::openRunTab(qint64 runId) {
  if (!project_) return -1;
  try {
    auto* chart = new charts::TrainingCurveChart(this);
    chart->setData(curvesFromRun(*project_, runId));
    return openTab(chart, tr("Run %1").arg(runId));
  } catch (const std::exception& e) {
    statusBar()->showMessage(tr("Run %1: %2").arg(runId).arg(q(e.what())), 10000);
    return -1;
  }
}

int MainWindow::openComparisonTab(qint64 runA, qint64 runB) {
  if (!project_) return -1;
  const QString key = QStringLiteral("compare:%1:%2").arg(runA).arg(runB);
  if (QWidget* w = findTab(key)) {
    workArea_->setCurrentWidget(w);
    return workArea_->currentIndex();
  }
  auto* view = new ComparisonView(this);
  view->setProperty(kTabKey, key);
  view->setProperty("pdLoading", true);
  const int index = openTab(view, tr("Compare #%1 vs #%2").arg(runA).arg(runB));
  statusBar()->showMessage(tr("Reading the predictions of runs %1 and %2…").arg(runA).arg(runB));
  const std::string path = project_->path();
  QPointer<ComparisonView> target(view);
  QPointer<MainWindow> self(this);
  QThreadPool::globalInstance()->start([self, target, path, runA, runB] {
    ComparisonData data;
    QString error;
    DatasetRecord dataset;
    try {
      auto reader = openReader(path);
      data = comparisonFromProject(*reader, runA, runB);
      const RunRecord r = reader->run(runA);
      if (r.datasetId > 0) dataset = reader->dataset(r.datasetId);
    } catch (const std::exception& e) {
      error = q(e.what());
    }
    QMetaObject::invokeMethod(
        qApp,
        [self, target, data, error] {
          if (!target) return;
          target->setProperty("pdLoading", false);
          if (!error.isEmpty()) {
            if (self) self->statusBar()->showMessage(tr("Cannot compare: %1").arg(error), 15000);
            target->setProperty("pdError", error);
            return;
          }
          target->setData(data);
          if (self)
            self->statusBar()->showMessage(
                tr("%1 test items differ between the two runs").arg(data.disagreements.size()),
                6000);
        },
        Qt::QueuedConnection);
    if (!error.isEmpty() || dataset.id == 0) return;
    // Thumbnails for items without an image file (e.g. IDX datasets): decoded here.
    bool needed = false;
    for (const auto& d : data.disagreements) needed = needed || d.imagePath.empty();
    if (!needed) return;
    QHash<QString, QImage> thumbs;
    try {
      const auto specAndOptions = datasetSpecOf(dataset);
      auto ds = openDataset(specAndOptions.first, specAndOptions.second);
      if (ds->modality() != "image") return;
      std::unordered_set<std::string> wanted;
      for (const auto& d : data.disagreements) wanted.insert(d.id);
      for (const auto& split : ds->splitNames())
        for (const auto& item : ds->items(split))
          if (wanted.count(item.id) && !thumbs.contains(q(item.id))) {
            if (!target) return;
            thumbs.insert(q(item.id), itemThumbnail(*ds, item, ComparisonView::kThumbnailSize));
          }
    } catch (const std::exception&) {
      return;  // thumbnails are a nicety; the table is complete without them
    }
    QMetaObject::invokeMethod(
        qApp,
        [target, thumbs] {
          if (target) target->setThumbnails(thumbs);
        },
        Qt::QueuedConnection);
  });
  return index;
}


// ---- reports ------------------------------------------------------------------------------------

quint64 MainWindow::exportReport(const QString& experiment, const QString& basePath,
                                 const QStringList& formats) {
  if (!project_ || formats.isEmpty() || basePath.isEmpty()) return 0;
  const quint64 id = jobs_->submit(makeReportExportJob(project_->path(), experiment.toStdString(),
                                                       basePath.toStdString(), formats));
  statusBar()->showMessage(tr("Exporting the report to %1.*").arg(basePath), 6000);
  return id;
}

void MainWindow::exportReportDialog() {
  if (!project_) {
    statusBar()->showMessage(tr("Create or open a project first"), 8000);
    return;
  }
  std::vector<std::string> experiments;
  try {
    experiments = project_->experiments();
  } catch (const std::exception&) {
  }
  ReportExportDialog dialog(experiments, q(project_->path()), this);
  if (dialog.exec() != QDialog::Accepted) return;
  exportReport(dialog.experiment(), dialog.basePath(), dialog.formats());
}

void MainWindow::openJobResult(quint64 jobId) {
  auto job = std::dynamic_pointer_cast<ProjectJob>(jobs_->runner().job(jobId));
  if (job && project_) {
    openRunTab(job->runId());
    return;
  }
  auto deferred = std::dynamic_pointer_cast<DeferredProjectJob>(jobs_->runner().job(jobId));
  if (deferred && project_ && deferred->runId() > 0) {
    openRunTab(deferred->runId());
    return;
  }
  statusBar()->showMessage(tr("Job %1 has no stored result to show").arg(jobId), 5000);
}

}  // namespace pd::ui
