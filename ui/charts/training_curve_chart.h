#pragma once
// Training curves: one line per metric against step, optionally a right-hand axis (accuracy).
// Also takes points one at a time for a live job (appendPoint), replotted by the caller.
#include "charts/chart_data.h"
#include "charts/chart_view.h"

namespace pd::charts {

class TrainingCurveChart : public ChartView {
  Q_OBJECT
 public:
  explicit TrainingCurveChart(QWidget* parent = nullptr);
  void setData(const TrainingCurvesData& data);
  // Adds (x, y) to the curve named `name`, creating it on first use. Does not replot.
  void appendPoint(const std::string& name, double x, double y);
  void clear();
  int curveCount() const;
  // Curves with at most this many points are drawn with a marker at each point.
  static constexpr size_t kMarkedPoints = 40;

 protected:
  void fitRanges() override;

 private:
  QCPGraph* curve(const std::string& name, bool rightAxis);
};

}  // namespace pd::charts
