#include "charts/few_shot_chart.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace pd::charts {

double FewShotChart::shotsToAxis(double shots) {
  return shots <= 0.0 ? 0.0 : std::log2(shots) + 1.0;
}

double FewShotChart::axisToShots(double pos) { return pos <= 0.0 ? 0.0 : std::exp2(pos - 1.0); }

FewShotChart::FewShotChart(QWidget* parent) : ChartView(parent) {
  setObjectName(QStringLiteral("fewShotChart"));
}

void FewShotChart::setData(const FewShotData& data) {
  data_ = data;
  QCustomPlot* p = plot();
  p->clearPlottables();
  p->clearItems();
  setTitle(QString::fromStdString(data.dataset));

  double maxShots = 16.0;
  for (const auto& m : data.methods)
    for (const auto& pt : m.points) maxShots = std::max(maxShots, pt.x);
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  ticker->addTick(0.0, QStringLiteral("0"));
  for (double s = 1.0; s <= maxShots; s *= 2.0) ticker->addTick(shotsToAxis(s), QString::number(s));
  p->xAxis->setTicker(ticker);
  p->xAxis->setLabel(tr("Number of labeled training examples per class"));
  p->yAxis->setLabel(QString::fromStdString(data.yLabel));

  int colorIndex = 0;
  for (const MethodSeries& m : data.methods) {
    std::vector<SeriesPoint> pts = m.points;
    std::sort(pts.begin(), pts.end(),
              [](const SeriesPoint& a, const SeriesPoint& b) { return a.x < b.x; });
    QVector<double> keys, means, lows, highs;
    for (const auto& pt : pts) {
      keys << shotsToAxis(pt.x);
      means << pt.mean;
      lows << pt.mean - pt.std;
      highs << pt.mean + pt.std;
    }
    const QColor color = seriesColor(colorIndex++);
    // Band: the upper edge fills down to the lower edge; neither is in the legend.
    QCPGraph* lower = p->addGraph();
    lower->setData(keys, lows, true);
    lower->setPen(Qt::NoPen);
    lower->setName(QString::fromStdString(m.name) + tr(" (−std)"));
    lower->removeFromLegend();
    tagRole(lower, "bandLower");
    QCPGraph* upper = p->addGraph();
    upper->setData(keys, highs, true);
    upper->setPen(Qt::NoPen);
    QColor fill = color;
    fill.setAlpha(45);
    upper->setBrush(fill);
    upper->setChannelFillGraph(lower);
    upper->setName(QString::fromStdString(m.name) + tr(" (+std)"));
    upper->removeFromLegend();
    tagRole(upper, "band");

    QCPGraph* line = p->addGraph();
    line->setData(keys, means, true);
    // The legend names the method with its detail (e.g. the trained parameters of a text method).
    line->setName(QString::fromStdString(m.detail.empty() ? m.name : m.name + " — " + m.detail));
    line->setPen(QPen(color, 2.2));
    line->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, Qt::white, 7));
    QVector<double> stds;
    for (const auto& pt : pts) stds << pt.std;
    line->setProperty("pdStd", QVariant::fromValue(stds));
    tagRole(line, "line");
  }

  if (!std::isnan(data.zeroShot)) {
    const QColor zs(200, 30, 30);
    QCPGraph* dashed = p->addGraph();
    dashed->setData(QVector<double>{-0.3, shotsToAxis(maxShots) + 0.3},
                    QVector<double>{data.zeroShot, data.zeroShot});
    dashed->setPen(QPen(zs, 1.5, Qt::DashLine));
    dashed->setName(QString::fromStdString(data.zeroShotLabel) + tr(" (reference)"));
    dashed->removeFromLegend();
    tagRole(dashed, "zeroShotLine");
    QCPGraph* star = p->addGraph();
    star->setData(QVector<double>{0.0}, QVector<double>{data.zeroShot});
    star->setLineStyle(QCPGraph::lsNone);
    star->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, QPen(zs, 2.5), zs, 16));
    star->setName(QString::fromStdString(data.zeroShotLabel));
    tagRole(star, "zeroShot");
  }
  p->legend->setVisible(true);
  p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
  fitRanges();
  p->replot();
}

void FewShotChart::fitRanges() {
  QCustomPlot* p = plot();
  double lo = 1e300, hi = -1e300, maxPos = 5.0;
  for (int i = 0; i < p->graphCount(); ++i) {
    QCPGraph* g = p->graph(i);
    if (g->property(kRoleProperty).toString() == QLatin1String("zeroShotLine")) continue;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
      lo = std::min(lo, it->value);
      hi = std::max(hi, it->value);
      maxPos = std::max(maxPos, it->key);
    }
  }
  if (!std::isnan(data_.zeroShot))
    lo = std::min(lo, data_.zeroShot), hi = std::max(hi, data_.zeroShot);
  if (lo > hi) lo = 0, hi = 100;
  const double pad = std::max(1.0, (hi - lo) * 0.08);
  p->xAxis->setRange(-0.3, maxPos + 0.3);
  p->yAxis->setRange(lo - pad, hi + pad);
}

QString FewShotChart::describePoint(QCPAbstractPlottable* plottable, int index) const {
  auto* g = qobject_cast<QCPGraph*>(plottable);
  if (!g) return ChartView::describePoint(plottable, index);
  auto it = g->data()->at(index);
  const QString role = g->property(kRoleProperty).toString();
  const QString shots = QString::number(axisToShots(it->key), 'g', 4);
  if (role == QLatin1String("line")) {
    const QVector<double> stds = g->property("pdStd").value<QVector<double>>();
    const double sd = index < stds.size() ? stds[index] : 0.0;
    return tr("%1\n%2 shots: %3 ± %4")
        .arg(g->name(), shots)
        .arg(it->value, 0, 'f', 2)
        .arg(sd, 0, 'f', 2);
  }
  if (role == QLatin1String("zeroShot") || role == QLatin1String("zeroShotLine"))
    return tr("%1\n0 shots: %2")
        .arg(QString::fromStdString(data_.zeroShotLabel))
        .arg(it->value, 0, 'f', 2);
  return tr("%1\n%2 shots: %3").arg(g->name(), shots).arg(it->value, 0, 'f', 2);
}

}  // namespace pd::charts
