#pragma once
// Confusion-matrix heatmap (true class rows × predicted class columns) with a colour scale.
#include "charts/chart_data.h"
#include "charts/chart_view.h"

class QCPColorMap;
class QCPColorScale;

namespace pd::charts {

class ConfusionChart : public ChartView {
  Q_OBJECT
 public:
  static constexpr int kMaxLabelledClasses = 12;  // cells show their value up to this size
  explicit ConfusionChart(QWidget* parent = nullptr);
  void setData(const ConfusionData& data);
  QCPColorMap* colorMap() const { return map_; }
  QCPColorScale* colorScale() const { return scale_; }
  // Tooltip text for a cell.
  QString describeCell(int trueClass, int predicted) const;
  QString tooltipAt(const QPointF& pixel) const override;

 protected:
  QString describePoint(QCPAbstractPlottable* plottable, int index) const override;
  void fitRanges() override;

 private:
  ConfusionData data_;
  QCPColorMap* map_ = nullptr;
  QCPColorScale* scale_ = nullptr;
};

}  // namespace pd::charts
