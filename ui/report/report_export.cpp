#include "report/report_export.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include <utility>

#include "promptdesk/error.h"
#include "promptdesk/jobs.h"
#include "promptdesk/project.h"
#include "promptdesk/report.h"
#include "report_pdf.h"

namespace pd::ui {

namespace {
Project::OpenOptions readOnly() {
  Project::OpenOptions o;
  o.readOnly = true;
  o.recoverStaleRuns = false;
  return o;
}
}  // namespace

std::shared_ptr<Job> makeReportExportJob(const std::string& projectPath,
                                         const std::string& experiment,
                                         const std::string& basePath, const QStringList& formats) {
  const std::string path = projectPath, base = basePath, exp = experiment;
  const QStringList fmts = formats;
  return std::make_shared<FunctionJob>(
      "Export report " + QFileInfo(QString::fromStdString(basePath)).fileName().toStdString(),
      [=](JobContext& ctx) {
        ctx.progress(0, 0, fmts.size() + 1, "reading the runs");
        ReportOptions o;
        o.experiment = exp;
        const ReportData data = collectReport(*Project::open(path, readOnly()), o);
        if (data.runs.empty())
          throw Error("no finished run to report" +
                          (exp.empty() ? std::string() : " in experiment '" + exp + "'"),
                      path);
        int done = 1;
        for (const QString& f : fmts) {
          ctx.checkCancelled();
          ctx.progress(double(done) / double(fmts.size() + 1), done, fmts.size() + 1,
                       "writing " + f.toStdString());
          if (f == QLatin1String("html"))
            writeFileAtomically(base + ".html", reportHtml(data));
          else if (f == QLatin1String("csv"))
            writeFileAtomically(base + ".csv", reportCsv(data));
          else if (f == QLatin1String("md"))
            writeFileAtomically(base + ".md", reportMarkdown(data));
          else if (f == QLatin1String("pdf"))
            writeReportPdf(data, base + ".pdf");
          else
            throw Error("unknown report format '" + f.toStdString() + "'", "export");
          ++done;
        }
      });
}

ReportExportDialog::ReportExportDialog(const std::vector<std::string>& experiments,
                                       const QString& projectPath, QWidget* parent)
    : QDialog(parent) {
  QDialog& dialog = *this;
  dialog.setObjectName(QStringLiteral("exportReportDialog"));
  dialog.setWindowTitle(tr("Export Report"));
  auto* experiment = experiment_ = new QComboBox(&dialog);
  experiment->setObjectName(QStringLiteral("reportExperiment"));
  experiment->addItem(tr("(all runs)"), QString());
  for (const auto& e : experiments)
    if (!e.empty()) experiment->addItem(QString::fromStdString(e), QString::fromStdString(e));
  if (experiment->count() > 1) experiment->setCurrentIndex(1);
  auto* base = base_ = new QLineEdit(&dialog);
  base->setObjectName(QStringLiteral("reportBase"));
  base->setText(QFileInfo(projectPath).absolutePath() + QStringLiteral("/report"));
  auto* browse = new QPushButton(tr("Browse…"), &dialog);
  connect(browse, &QPushButton::clicked, &dialog, [&] {
    const QString f = QFileDialog::getSaveFileName(&dialog, tr("Report file name (no extension)"),
                                                   base->text());
    if (!f.isEmpty()) base->setText(QFileInfo(f).absolutePath() + "/" + QFileInfo(f).completeBaseName());
  });
  auto* row = new QHBoxLayout;
  row->addWidget(base, 1);
  row->addWidget(browse);
  auto* fmt = new QHBoxLayout;
  for (const auto& [id, label] : std::vector<std::pair<QString, QString>>{
           {"html", "HTML"}, {"pdf", "PDF"}, {"csv", "CSV"}, {"md", "Markdown"}}) {
    auto* b = new QCheckBox(label, &dialog);
    b->setObjectName(QStringLiteral("format_") + id);
    b->setChecked(id == QLatin1String("html") || id == QLatin1String("pdf"));
    boxes_.insert(id, b);
    fmt->addWidget(b);
  }
  auto* form = new QFormLayout;
  form->addRow(tr("Experiment:"), experiment);
  form->addRow(tr("Files:"), row);
  form->addRow(tr("Formats:"), fmt);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  auto* layout = new QVBoxLayout(&dialog);
  layout->addLayout(form);
  layout->addWidget(buttons);
}

QString ReportExportDialog::experiment() const { return experiment_->currentData().toString(); }
QString ReportExportDialog::basePath() const { return base_->text().trimmed(); }
QStringList ReportExportDialog::formats() const {
  QStringList out;
  for (auto it = boxes_.begin(); it != boxes_.end(); ++it)
    if (it.value()->isChecked()) out << it.key();
  return out;
}

}  // namespace pd::ui
