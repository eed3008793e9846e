#pragma once
// Side-by-side comparison of two prompts/runs on one test set: metrics with 95% CI, the paired
// significance test, per-class accuracy difference bars, confusion heatmaps (A or B) and the
// test items on which the two disagree.
#include <QHash>
#include <QImage>
#include <QWidget>

#include "results/results_data.h"

class QComboBox;
class QLabel;
class QTableWidget;

namespace pd::charts {
class ClassDiffChart;
class ConfusionChart;
}  // namespace pd::charts

namespace pd::ui {

class ComparisonView : public QWidget {
  Q_OBJECT
 public:
  explicit ComparisonView(QWidget* parent = nullptr);
  void setData(const ComparisonData& data);

  // Which confusion matrix is shown: 0 = A, 1 = B.
  void showConfusion(int which);
  // Disagreement filter: 0 all, 1 only A right, 2 only B right, 3 both wrong.
  void setDisagreementFilter(int mode);
  int visibleDisagreements() const;
  // Thumbnails of disagreement items by id (e.g. decoded from an IDX dataset off the GUI thread);
  // returns how many rows got one.
  int setThumbnails(const QHash<QString, QImage>& images);
  int thumbnailCount() const;

  QTableWidget* metricsTable() const { return metrics_; }
  QTableWidget* disagreementTable() const { return items_; }
  QLabel* significanceLabel() const { return significance_; }
  charts::ClassDiffChart* classDiffChart() const { return diff_; }
  charts::ConfusionChart* confusionChart() const { return confusion_; }

  static constexpr int kThumbnailSize = 48;

 private:
  ComparisonData data_;
  QLabel* title_ = nullptr;
  QTableWidget* metrics_ = nullptr;
  QLabel* significance_ = nullptr;
  charts::ClassDiffChart* diff_ = nullptr;
  charts::ConfusionChart* confusion_ = nullptr;
  QComboBox* confusionWhich_ = nullptr;
  QComboBox* itemFilter_ = nullptr;
  QTableWidget* items_ = nullptr;
};

}  // namespace pd::ui
