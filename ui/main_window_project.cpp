// MainWindow's project side: the project file behind File New/Open/Save As, the explorer's
// contents, job kinds from the core's registry, and result tabs read from the project.
#include <QFileInfo>
#include <QStatusBar>
#include <QTabWidget>
#include <QTreeWidget>

#include "charts/few_shot_chart.h"
#include "charts/training_curve_chart.h"
#include "jobs/job_dock.h"
#include "main_window.h"
#include "project/project_adapters.h"
#include "promptdesk/error.h"
#include "promptdesk/hash.h"
#include "promptdesk/job_registry.h"
#include "promptdesk/jobs.h"
#include "promptdesk/project.h"
#include "promptdesk/report.h"
#include "results/results_table.h"

namespace pd::ui {

namespace {
constexpr int kSectionRole = Qt::UserRole;
constexpr int kPayloadRole = Qt::UserRole + 1;
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

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
}

void MainWindow::registerCoreJobKinds() {
  std::vector<JobKindInfo> kinds;
  try {
    kinds = jobKinds();
  } catch (const std::exception& e) {
    statusBar()->showMessage(tr("Job kinds unavailable: %1").arg(q(e.what())), 10000);
    return;
  }
  for (const JobKindInfo& info : kinds) {
    JobKind k;
    k.kind = q(info.kind);
    k.title = q(info.title.empty() ? info.kind : info.title);
    k.schema = schemaFromRegistry(info.options);
    const std::string kind = info.kind;
    const OptionSchema schema = k.schema;
    k.make = [this, kind, schema](const OptionValues& values) -> std::shared_ptr<Job> {
      if (!project_) throw Error("create or open a project first (File ▸ New Project)", kind);
      const std::string spec = normalizeJobSpec(specJsonFrom(kind, schema, values));
      return ProjectJob::newRun(project_->path(), spec);
    };
    addJobKind(std::move(k));
  }
}

void MainWindow::refreshExplorer() {
  QMap<QString, QList<QPair<QString, QVariant>>> children;
  if (project_) {
    try {
      for (const auto& m : project_->models())
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
}

void MainWindow::onExplorerActivated(QTreeWidgetItem* item) {
  if (!item || !item->parent()) return;
  const QString section = item->data(0, kSectionRole).toString();
  if (section == QLatin1String("Results"))
    openResultsTab();
  else if (section == QLatin1String("Experiments") || section == QLatin1String("Reports"))
    openExperimentTab(item->data(0, kPayloadRole).toString());
  else if (section == QLatin1String("Templates"))
    newTemplate();
}

int MainWindow::openResultsTab() {
  if (!project_) return -1;
  auto* table = new ResultsTable(this);
  table->setData(resultsFromProject(*project_));
  return openTab(table, tr("Results"));
}

int MainWindow::openExperimentTab(const QString& experiment) {
  if (!project_) return -1;
  try {
    ReportOptions o;
    o.experiment = experiment.toStdString();
    const ReportData report = collectReport(*project_, o);
    auto* chart = new charts::FewShotChart(this);
    chart->setData(fewShotFromReport(report));
    return openTab(chart, tr("Few-shot: %1").arg(experiment));
  } catch (const std::exception& e) {
    statusBar()->showMessage(tr("No figure for %1: %2").arg(experiment, q(e.what())), 10000);
    return -1;
  }
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

namespace {
std::string formatOf(const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix == QLatin1String("safetensors")) return "safetensors";
  if (suffix == QLatin1String("pt") || suffix == QLatin1String("pth")) return "torchscript";
  if (suffix == QLatin1String("csv")) return "csv-linear";
  return suffix.toStdString();
}
}  // namespace

quint64 MainWindow::addModelFile(const QString& path) {
  if (!project_) {
    statusBar()->showMessage(tr("Create or open a project first"), 8000);
    return 0;
  }
  const std::string projectPath = project_->path(), file = path.toStdString();
  const std::string format = formatOf(path);
  auto job = std::make_shared<FunctionJob>("Add model " + QFileInfo(path).fileName().toStdString(),
                                           [=](JobContext& ctx) {
                                             ctx.progress(-1, 0, 0, "hashing " + file);
                                             ModelRecord m;
                                             m.path = file;
                                             m.format = format;
                                             m.contentHash = sha256File(file);
                                             ctx.checkCancelled();
                                             Project::open(projectPath)->addModel(m);
                                           });
  return jobs_->submit(job);
}

quint64 MainWindow::addDatasetFile(const QString& path) {
  if (!project_) {
    statusBar()->showMessage(tr("Create or open a project first"), 8000);
    return 0;
  }
  const std::string projectPath = project_->path(), file = path.toStdString();
  const std::string name = QFileInfo(path).completeBaseName().toStdString();
  auto job = std::make_shared<FunctionJob>(
      "Add dataset " + QFileInfo(path).fileName().toStdString(), [=](JobContext& ctx) {
        ctx.progress(-1, 0, 0, "hashing " + file);
        DatasetRecord d;
        d.name = name;
        d.path = file;
        d.contentHash = sha256File(file);
        ctx.checkCancelled();
        Project::open(projectPath)->addDataset(d);
      });
  return jobs_->submit(job);
}

void MainWindow::openJobResult(quint64 jobId) {
  auto job = std::dynamic_pointer_cast<ProjectJob>(jobs_->runner().job(jobId));
  if (job && project_) {
    openRunTab(job->runId());
    return;
  }
  statusBar()->showMessage(tr("Job %1 has no stored result to show").arg(jobId), 5000);
}

}  // namespace pd::ui
