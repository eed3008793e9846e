#pragma once
// The model manager: every CLIP checkpoint recorded in the project with its inferred architecture,
// parameter count and SHA-256, and the last loading error in plain words. Adding a checkpoint is
// MainWindow::addModelFile (a job; TorchScript files are converted in a child process).
#include <QWidget>

#include <cstdint>
#include <vector>

#include "promptdesk/project.h"

class QLabel;
class QPushButton;
class QTableWidget;

namespace pd::ui {

class ModelManager : public QWidget {
  Q_OBJECT
 public:
  explicit ModelManager(QWidget* parent = nullptr);

  void setModels(const std::vector<::pd::ModelRecord>& models);
  // Shows the model's details; returns false when it is not in the list.
  bool selectModel(std::int64_t id);
  std::int64_t selectedModel() const;
  // A failed import/inspection ("this file is not a valid CLIP checkpoint: ..."); empty clears.
  void setError(const QString& message);
  // A job is adding a file: shown until the next setModels/setError.
  void setBusy(const QString& message);

  QTableWidget* modelTable() const { return list_; }
  QTableWidget* architectureTable() const { return arch_; }
  QLabel* errorLabel() const { return error_; }
  QLabel* summaryLabel() const { return summary_; }
  QPushButton* addButton() const { return add_; }
  QPushButton* addFolderButton() const { return addFolder_; }
  int modelCount() const { return int(models_.size()); }

  // "151 277 313" style grouping and "151.3 M".
  static QString formatCount(std::int64_t n);

 signals:
  void addFileRequested();
  void addFolderRequested();

 private:
  void showDetails(int row);
  std::vector<::pd::ModelRecord> models_;
  QTableWidget* list_ = nullptr;
  QTableWidget* arch_ = nullptr;
  QLabel* summary_ = nullptr;
  QLabel* error_ = nullptr;
  QLabel* busy_ = nullptr;
  QPushButton* add_ = nullptr;
  QPushButton* addFolder_ = nullptr;
};

}  // namespace pd::ui
