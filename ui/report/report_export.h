#pragma once
// Exporting a project's report (HTML, PDF, CSV, Markdown): the job that writes the files and the
// dialog that asks which experiment, where and which formats. Split out of MainWindow.
#include <QDialog>
#include <QMap>
#include <QString>
#include <QStringList>

#include <memory>
#include <string>
#include <vector>

class QCheckBox;
class QComboBox;
class QLineEdit;

namespace pd {
class Job;
}

namespace pd::ui {

// A job that reads the finished runs of `experiment` (all runs when empty) from the project at
// `projectPath` (read-only) and writes <basePath>.html/.pdf/.csv/.md for `formats` ("html",
// "pdf", "csv", "md"). Fails when there is no finished run or a format is unknown.
std::shared_ptr<Job> makeReportExportJob(const std::string& projectPath,
                                         const std::string& experiment,
                                         const std::string& basePath, const QStringList& formats);

// Experiment (or all runs), base file name (default <project folder>/report) and formats (HTML
// and PDF checked).
class ReportExportDialog : public QDialog {
  Q_OBJECT
 public:
  ReportExportDialog(const std::vector<std::string>& experiments, const QString& projectPath,
                     QWidget* parent = nullptr);
  QString experiment() const;  // empty: all runs
  QString basePath() const;
  QStringList formats() const;

 private:
  QComboBox* experiment_ = nullptr;
  QLineEdit* base_ = nullptr;
  QMap<QString, QCheckBox*> boxes_;
};

}  // namespace pd::ui
