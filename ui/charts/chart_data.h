#pragma once
// Plain chart inputs shared by the GUI and the report generator: no Qt, no torch.
#include <limits>
#include <string>
#include <vector>

namespace pd::charts {

// One point of a method's curve: mean and standard deviation over seeds at x.
struct SeriesPoint {
  double x = 0.0;
  double mean = 0.0;
  double std = 0.0;  // 0 when a single seed
};

struct MethodSeries {
  std::string name;  // "CoOp (M=16, end)", "CoCoOp", "Linear probe"
  // Shown after the name in the legend, e.g. the trained parameters "31,194 params (3.04%)";
  // empty: nothing.
  std::string detail;
  std::vector<SeriesPoint> points;
};

// The few-shot figure of the CoOp paper: accuracy against shots per class (0,1,2,4,8,16).
struct FewShotData {
  std::string dataset;  // the chart's title
  std::string yLabel = "Score (%)";
  double zeroShot = std::numeric_limits<double>::quiet_NaN();  // hand-crafted prompt; NaN: none
  std::string zeroShotLabel = "Zero-shot CLIP";
  std::vector<MethodSeries> methods;
};

struct Curve {
  std::string name;  // "loss", "train acc"
  std::vector<double> x;
  std::vector<double> y;
  bool rightAxis = false;  // plot against the right-hand axis (e.g. accuracy next to a loss)
};

struct TrainingCurvesData {
  std::string title;
  std::string xLabel = "Step";
  std::string yLabel = "Loss";
  std::string y2Label;  // right axis label; empty: no right axis unless a curve asks for it
  std::vector<Curve> curves;
};

// Per-class accuracy of B minus A, in percentage points.
struct ClassDiffData {
  std::string title;
  std::vector<std::string> classNames;
  std::vector<double> diff;
  bool sortDescending = true;
};

// counts[true][predicted].
struct ConfusionData {
  std::string title;
  std::vector<std::string> classNames;
  std::vector<std::vector<double>> counts;
  bool normalizeRows = true;  // show row-normalised rates (tooltips still give counts)
};

}  // namespace pd::charts
