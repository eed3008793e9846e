#include "charts/confusion_chart.h"

#include <qcustomplot.h>

#include <cmath>

namespace pd::charts {

ConfusionChart::ConfusionChart(QWidget* parent) : ChartView(parent) {
  setObjectName(QStringLiteral("confusionChart"));
  QCustomPlot* p = plot();
  p->xAxis->setLabel(tr("Predicted class"));
  p->yAxis->setLabel(tr("True class"));
  p->yAxis->setRangeReversed(true);
  p->xAxis->grid()->setVisible(false);
  p->yAxis->grid()->setVisible(false);
  map_ = new QCPColorMap(p->xAxis, p->yAxis);
  map_->setName(tr("confusion"));
  map_->setInterpolate(false);
  tagRole(map_, "heatmap");
  scale_ = new QCPColorScale(p);
  p->plotLayout()->addElement(p->plotLayout()->rowCount() - 1, 1, scale_);
  scale_->setType(QCPAxis::atRight);
  map_->setColorScale(scale_);
  QCPColorGradient gradient(QCPColorGradient::gpHot);
  gradient.setColorStops({{0.0, QColor(247, 251, 255)},
                          {0.35, QColor(158, 202, 225)},
                          {0.7, QColor(49, 130, 189)},
                          {1.0, QColor(8, 48, 107)}});
  map_->setGradient(gradient);
  auto* group = new QCPMarginGroup(p);
  p->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  scale_->setMarginGroup(QCP::msBottom | QCP::msTop, group);
}

void ConfusionChart::setData(const ConfusionData& data) {
  data_ = data;
  QCustomPlot* p = plot();
  setTitle(QString::fromStdString(data.title));
  const int n = int(data.classNames.size());
  map_->data()->setSize(std::max(1, n), std::max(1, n));
  map_->data()->setRange(QCPRange(0, std::max(0, n - 1)), QCPRange(0, std::max(0, n - 1)));
  double maxValue = 0.0;
  for (int t = 0; t < n; ++t) {
    double rowSum = 0.0;
    if (t < int(data.counts.size()))
      for (double c : data.counts[size_t(t)]) rowSum += c;
    for (int q = 0; q < n; ++q) {
      double c = 0.0;
      if (t < int(data.counts.size()) && q < int(data.counts[size_t(t)].size()))
        c = data.counts[size_t(t)][size_t(q)];
      const double v = data.normalizeRows ? (rowSum > 0 ? c / rowSum : 0.0) : c;
      map_->data()->setCell(q, t, v);
      maxValue = std::max(maxValue, v);
    }
  }
  // Cell labels while they stay readable.
  p->clearItems();
  if (n > 0 && n <= kMaxLabelledClasses) {
    QFont f = font();
    f.setPointSizeF(std::max(7.0, f.pointSizeF() * (n <= 6 ? 1.0 : 0.85)));
    const double top = data.normalizeRows ? 1.0 : std::max(1.0, maxValue);
    for (int t = 0; t < n; ++t)
      for (int q = 0; q < n; ++q) {
        const double v = map_->data()->cell(q, t);
        auto* label = new QCPItemText(p);
        label->position->setCoords(q, t);
        label->setFont(f);
        label->setText(data.normalizeRows ? QString::number(100.0 * v, 'f', v >= 0.995 ? 0 : 1)
                                          : QString::number(v, 'g', 6));
        label->setColor(v / top > 0.55 ? Qt::white : QColor(40, 40, 40));
        label->setClipToAxisRect(true);
      }
  }
  scale_->axis()->setLabel(data.normalizeRows ? tr("Rate (row-normalised; cells in %)")
                                              : tr("Count"));
  map_->setDataRange(QCPRange(0.0, data.normalizeRows ? 1.0 : std::max(1.0, maxValue)));
  auto xt = QSharedPointer<QCPAxisTickerText>::create();
  auto yt = QSharedPointer<QCPAxisTickerText>::create();
  const bool labels = n <= 40;
  for (int i = 0; i < n; ++i) {
    const QString name = labels ? QString::fromStdString(data.classNames[size_t(i)]) : QString();
    xt->addTick(i, name);
    yt->addTick(i, name);
  }
  p->xAxis->setTicker(xt);
  p->yAxis->setTicker(yt);
  p->xAxis->setTickLabelRotation(n > 8 ? 60 : 0);
  p->xAxis->setSubTicks(false);
  p->yAxis->setSubTicks(false);
  fitRanges();
  p->replot();
}

void ConfusionChart::fitRanges() {
  const int n = int(data_.classNames.size());
  plot()->xAxis->setRange(-0.5, std::max(0, n - 1) + 0.5);
  plot()->yAxis->setRange(-0.5, std::max(0, n - 1) + 0.5);
}

QString ConfusionChart::describeCell(int t, int q) const {
  const int n = int(data_.classNames.size());
  if (t < 0 || q < 0 || t >= n || q >= n) return {};
  double c = 0.0, rowSum = 0.0;
  if (t < int(data_.counts.size())) {
    const auto& row = data_.counts[size_t(t)];
    for (double v : row) rowSum += v;
    if (q < int(row.size())) c = row[size_t(q)];
  }
  return tr("true: %1\npredicted: %2\ncount: %3 (%4% of row)")
      .arg(QString::fromStdString(data_.classNames[size_t(t)]),
           QString::fromStdString(data_.classNames[size_t(q)]))
      .arg(c, 0, 'g', 8)
      .arg(rowSum > 0 ? 100.0 * c / rowSum : 0.0, 0, 'f', 1);
}

QString ConfusionChart::tooltipAt(const QPointF& pixel) const {
  if (!plot()->axisRect()->rect().contains(pixel.toPoint())) return {};
  const int q = int(std::lround(plot()->xAxis->pixelToCoord(pixel.x())));
  const int t = int(std::lround(plot()->yAxis->pixelToCoord(pixel.y())));
  return describeCell(t, q);
}

QString ConfusionChart::describePoint(QCPAbstractPlottable* plottable, int index) const {
  Q_UNUSED(plottable);
  Q_UNUSED(index);
  return {};  // the colour map answers through tooltipAt below
}

}  // namespace pd::charts
