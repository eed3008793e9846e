#include "charts/class_diff_chart.h"

#include <qcustomplot.h>

#include <algorithm>
#include <numeric>

namespace pd::charts {

ClassDiffChart::ClassDiffChart(QWidget* parent) : ChartView(parent) {
  setObjectName(QStringLiteral("classDiffChart"));
  plot()->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot()->axisRect()->setRangeDrag(Qt::Horizontal);
  plot()->axisRect()->setRangeZoom(Qt::Horizontal);
}

void ClassDiffChart::setData(const ClassDiffData& data) {
  QCustomPlot* p = plot();
  p->clearPlottables();
  setTitle(QString::fromStdString(data.title));
  const size_t n = std::min(data.classNames.size(), data.diff.size());
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  if (data.sortDescending)
    std::stable_sort(idx.begin(), idx.end(),
                     [&](size_t a, size_t b) { return data.diff[a] > data.diff[b]; });
  order_.clear();
  values_.clear();
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  QVector<double> gainKeys, gainValues, lossKeys, lossValues;
  for (size_t i = 0; i < n; ++i) {
    const double key = double(i);
    order_.push_back(data.classNames[idx[i]]);
    values_.push_back(data.diff[idx[i]]);
    ticker->addTick(key, QString::fromStdString(data.classNames[idx[i]]));
    (data.diff[idx[i]] >= 0 ? gainKeys : lossKeys) << key;
    (data.diff[idx[i]] >= 0 ? gainValues : lossValues) << data.diff[idx[i]];
  }
  p->xAxis->setTicker(ticker);
  p->xAxis->setTickLabelRotation(n > 12 ? 60 : 0);
  p->xAxis->setSubTicks(false);
  p->xAxis->grid()->setVisible(false);
  p->yAxis->setLabel(tr("Accuracy difference (points)"));
  auto addBars = [&](const QVector<double>& keys, const QVector<double>& values, QColor color,
                     const QString& name) {
    auto* bars = new QCPBars(p->xAxis, p->yAxis);
    bars->setName(name);
    bars->setWidth(0.7);
    bars->setPen(QPen(color.darker(120)));
    bars->setBrush(color);
    bars->setData(keys, values, true);
    tagRole(bars, "bars");
  };
  addBars(gainKeys, gainValues, QColor(60, 160, 90), tr("better"));
  addBars(lossKeys, lossValues, QColor(215, 80, 70), tr("worse"));
  p->legend->setVisible(false);
  fitRanges();
  p->replot();
}

int ClassDiffChart::barCount() const { return int(values_.size()); }

void ClassDiffChart::fitRanges() {
  double lo = 0, hi = 0;
  for (double v : values_) lo = std::min(lo, v), hi = std::max(hi, v);
  const double pad = std::max(1.0, (hi - lo) * 0.1);
  plot()->xAxis->setRange(-0.7, std::max<double>(1.0, double(values_.size())) - 0.3);
  plot()->yAxis->setRange(lo - pad, hi + pad);
}

QString ClassDiffChart::describePoint(QCPAbstractPlottable* plottable, int index) const {
  auto* bars = qobject_cast<QCPBars*>(plottable);
  if (!bars || index < 0 || index >= bars->dataCount()) return {};
  const int pos = int(bars->data()->at(index)->key);
  if (pos < 0 || pos >= int(order_.size())) return {};
  return tr("%1\n%2%3 points")
      .arg(QString::fromStdString(order_[size_t(pos)]))
      .arg(values_[size_t(pos)] >= 0 ? QStringLiteral("+") : QString())
      .arg(values_[size_t(pos)], 0, 'f', 2);
}

}  // namespace pd::charts
