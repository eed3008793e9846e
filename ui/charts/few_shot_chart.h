#pragma once
// The CoOp paper's few-shot figure: score against shots per class on a log2 axis, one line with a
// mean ± std band per method, the hand-crafted zero-shot prompt as a star at 0 shots with a dashed
// horizontal line across.
#include "charts/chart_data.h"
#include "charts/chart_view.h"

namespace pd::charts {

class FewShotChart : public ChartView {
  Q_OBJECT
 public:
  explicit FewShotChart(QWidget* parent = nullptr);
  void setData(const FewShotData& data);
  const FewShotData& data() const { return data_; }

  // Axis position of a shot count: 0 → 0, 1 → 1, 2 → 2, 4 → 3, 8 → 4, 16 → 5 (log2 spacing).
  static double shotsToAxis(double shots);
  static double axisToShots(double pos);

 protected:
  QString describePoint(QCPAbstractPlottable* plottable, int index) const override;
  void fitRanges() override;

 private:
  FewShotData data_;
};

}  // namespace pd::charts
