#include "charts/training_curve_chart.h"

#include <qcustomplot.h>

namespace pd::charts {

namespace {
bool looksLikeAccuracy(const std::string& name) {
  return name.find("acc") != std::string::npos || name.find("metric") != std::string::npos;
}
}  // namespace

TrainingCurveChart::TrainingCurveChart(QWidget* parent) : ChartView(parent) {
  setObjectName(QStringLiteral("trainingCurveChart"));
  plot()->xAxis->setLabel(tr("Step"));
  plot()->yAxis->setLabel(tr("Loss"));
  plot()->legend->setVisible(false);  // shown with the first curve
}

void TrainingCurveChart::clear() {
  plot()->clearPlottables();
  plot()->legend->setVisible(false);
  plot()->yAxis2->setVisible(false);
  plot()->replot();
}

int TrainingCurveChart::curveCount() const { return countRole(QStringLiteral("curve")); }

QCPGraph* TrainingCurveChart::curve(const std::string& name, bool rightAxis) {
  const QString qname = QString::fromStdString(name);
  for (int i = 0; i < plot()->graphCount(); ++i)
    if (plot()->graph(i)->name() == qname) return plot()->graph(i);
  QCPAxis* y = rightAxis ? plot()->yAxis2 : plot()->yAxis;
  if (rightAxis) {
    plot()->yAxis2->setVisible(true);
    if (plot()->yAxis2->label().isEmpty()) plot()->yAxis2->setLabel(tr("Accuracy"));
  }
  QCPGraph* g = plot()->addGraph(plot()->xAxis, y);
  plot()->legend->setVisible(true);
  g->setName(qname);
  g->setPen(QPen(seriesColor(plot()->graphCount() - 1), 2.0));
  if (rightAxis) g->setPen(QPen(g->pen().color(), 2.0, Qt::DashLine));
  tagRole(g, "curve");
  return g;
}

void TrainingCurveChart::setData(const TrainingCurvesData& data) {
  plot()->clearPlottables();
  plot()->legend->setVisible(false);
  setTitle(QString::fromStdString(data.title));
  plot()->xAxis->setLabel(QString::fromStdString(data.xLabel));
  plot()->yAxis->setLabel(QString::fromStdString(data.yLabel));
  plot()->yAxis2->setLabel(QString::fromStdString(data.y2Label));
  plot()->yAxis2->setVisible(!data.y2Label.empty());
  for (const Curve& c : data.curves) {
    QCPGraph* g = curve(c.name, c.rightAxis);
    const size_t n = std::min(c.x.size(), c.y.size());
    QVector<double> xs(static_cast<int>(n)), ys(static_cast<int>(n));
    for (size_t i = 0; i < n; ++i) xs[int(i)] = c.x[i], ys[int(i)] = c.y[i];
    g->setData(xs, ys, true);
    // Sparse curves (a dev accuracy evaluated every few steps) get markers: a single evaluation
    // is a point, not an invisible line.
    if (n <= kMarkedPoints)
      g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, g->pen().color(), Qt::white, 6));
  }
  fitRanges();
  plot()->replot();
}

void TrainingCurveChart::appendPoint(const std::string& name, double x, double y) {
  curve(name, looksLikeAccuracy(name))->addData(x, y);
}

void TrainingCurveChart::fitRanges() {
  QCustomPlot* p = plot();
  // Ranges from the data itself (QCustomPlot widens a flat line's range arbitrarily).
  for (QCPAxis* axis : {p->xAxis, p->yAxis, p->yAxis2}) {
    double lo = 1e300, hi = -1e300;
    for (int i = 0; i < p->graphCount(); ++i) {
      QCPGraph* g = p->graph(i);
      const bool isKey = axis == p->xAxis;
      if (!isKey && g->valueAxis() != axis) continue;
      for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
        const double v = isKey ? it->key : it->value;
        lo = std::min(lo, v), hi = std::max(hi, v);
      }
    }
    if (lo > hi) continue;
    if (axis == p->xAxis) {
      axis->setRange(lo, hi > lo ? hi : lo + 1);
      continue;
    }
    const double pad = hi - lo > 1e-12 ? (hi - lo) * 0.06 : std::max(0.05, std::abs(hi) * 0.05);
    axis->setRange(lo - pad, hi + pad);
  }
}

}  // namespace pd::charts
