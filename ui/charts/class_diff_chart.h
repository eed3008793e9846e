#pragma once
// Per-class accuracy difference (B − A) bars: gains in green, losses in red, sorted.
#include "charts/chart_data.h"
#include "charts/chart_view.h"

class QCPBars;

namespace pd::charts {

class ClassDiffChart : public ChartView {
  Q_OBJECT
 public:
  explicit ClassDiffChart(QWidget* parent = nullptr);
  void setData(const ClassDiffData& data);
  int barCount() const;  // number of classes drawn

 protected:
  QString describePoint(QCPAbstractPlottable* plottable, int index) const override;
  void fitRanges() override;

 private:
  std::vector<std::string> order_;  // class name at axis position i
  std::vector<double> values_;
};

}  // namespace pd::charts
