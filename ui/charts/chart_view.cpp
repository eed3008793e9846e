#include "charts/chart_view.h"

#include <qcustomplot.h>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QToolTip>
#include <QVBoxLayout>
#ifdef PD_HAVE_QT_SVG
#include <QSvgGenerator>
#endif

#include <cmath>
#include <limits>

namespace pd::charts {

QColor seriesColor(int index) {
  static const QColor palette[] = {
      QColor(31, 119, 180),  QColor(255, 127, 14), QColor(44, 160, 44),   QColor(214, 39, 40),
      QColor(148, 103, 189), QColor(140, 86, 75),  QColor(227, 119, 194), QColor(127, 127, 127),
      QColor(188, 189, 34),  QColor(23, 190, 207)};
  constexpr int n = sizeof(palette) / sizeof(palette[0]);
  return palette[((index % n) + n) % n];
}

ChartView::ChartView(QWidget* parent) : QWidget(parent) {
  plot_ = new QCustomPlot(this);
  plot_->setObjectName(QStringLiteral("plot"));
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->setContextMenuPolicy(Qt::CustomContextMenu);
  plot_->setMouseTracking(true);
  plot_->setMinimumSize(320, 240);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  connect(plot_, &QCustomPlot::mouseMove, this, &ChartView::onMouseMove);
  connect(plot_, &QCustomPlot::customContextMenuRequested, this, &ChartView::showContextMenu);
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { resetZoom(); });
  applyTheme();
}

void ChartView::applyTheme() {
  QFont tick = font();
  tick.setPointSizeF(std::max(8.0, tick.pointSizeF() * 0.95));
  QFont label = font();
  for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis, plot_->xAxis2, plot_->yAxis2}) {
    axis->setTickLabelFont(tick);
    axis->setLabelFont(label);
    axis->setBasePen(QPen(QColor(80, 80, 80)));
    axis->setTickPen(QPen(QColor(80, 80, 80)));
    axis->setSubTickPen(QPen(QColor(120, 120, 120)));
    axis->grid()->setPen(QPen(QColor(225, 225, 225), 1, Qt::SolidLine));
    axis->grid()->setSubGridVisible(false);
  }
  plot_->legend->setBrush(QColor(255, 255, 255, 230));
  plot_->legend->setBorderPen(QPen(QColor(200, 200, 200)));
  plot_->legend->setFont(tick);
}

void ChartView::setTitle(const QString& title) {
  if (plot_->plotLayout()->rowCount() > 0) {
    if (auto* existing = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0))) {
      existing->setText(title);
      return;
    }
  }
  if (title.isEmpty()) return;
  plot_->plotLayout()->insertRow(0);
  QFont f = font();
  f.setPointSizeF(f.pointSizeF() * 1.25);
  f.setBold(true);
  plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, title, f));
}

void ChartView::tagRole(QCPAbstractPlottable* plottable, const char* role) {
  plottable->setProperty(kRoleProperty, QString::fromLatin1(role));
}

int ChartView::countRole(const QString& role) const {
  int n = 0;
  for (int i = 0; i < plot_->plottableCount(); ++i)
    if (plot_->plottable(i)->property(kRoleProperty).toString() == role) ++n;
  return n;
}

QStringList ChartView::exportFormats() {
  QStringList formats{QStringLiteral("png"), QStringLiteral("pdf")};
#ifdef PD_HAVE_QT_SVG
  formats << QStringLiteral("svg");
#endif
  return formats;
}

bool ChartView::exportTo(const QString& path, QString* error, int width, int height) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  bool ok = false;
  if (suffix == QLatin1String("png")) {
    ok = plot_->savePng(path, width, height, 2.0);
  } else if (suffix == QLatin1String("pdf")) {
    ok = plot_->savePdf(path, width, height);
  } else if (suffix == QLatin1String("svg")) {
#ifdef PD_HAVE_QT_SVG
    const int w = width > 0 ? width : plot_->width();
    const int h = height > 0 ? height : plot_->height();
    QSvgGenerator gen;
    gen.setFileName(path);
    gen.setSize(QSize(w, h));
    gen.setViewBox(QRect(0, 0, w, h));
    gen.setTitle(plot_->objectName());
    QCPPainter painter;
    ok = painter.begin(&gen);
    if (ok) {
      plot_->toPainter(&painter, w, h);
      ok = painter.end();
    }
#else
    if (error) *error = tr("SVG export is not available in this build (Qt SVG module missing)");
    return false;
#endif
  } else {
    if (error)
      *error = tr("unknown export format '%1' (use %2)")
                   .arg(suffix, exportFormats().join(QStringLiteral(", ")));
    return false;
  }
  if (!ok) {
    if (error) *error = tr("could not write %1").arg(path);
    return false;
  }
  emit exported(path);
  return true;
}

void ChartView::fitRanges() { plot_->rescaleAxes(); }

void ChartView::resetZoom() {
  fitRanges();
  plot_->replot();
}

QString ChartView::describePoint(QCPAbstractPlottable* plottable, int index) const {
  if (auto* g = qobject_cast<QCPGraph*>(plottable)) {
    auto it = g->data()->at(index);
    return QStringLiteral("%1\nx = %2\ny = %3")
        .arg(g->name())
        .arg(it->key, 0, 'g', 6)
        .arg(it->value, 0, 'f', 4);
  }
  return {};
}

QString ChartView::tooltipAt(const QPointF& pixel) const {
  constexpr double kMaxPixels = 12.0;
  double best = std::numeric_limits<double>::max();
  QCPAbstractPlottable* bestPlottable = nullptr;
  int bestIndex = -1;
  for (int i = 0; i < plot_->plottableCount(); ++i) {
    QCPAbstractPlottable* p = plot_->plottable(i);
    if (!p->visible()) continue;
    const QString role = p->property(kRoleProperty).toString();
    if (role == QLatin1String("bandLower")) continue;
    if (auto* g = qobject_cast<QCPGraph*>(p)) {
      for (int k = 0; k < g->dataCount(); ++k) {
        auto it = g->data()->at(k);
        const QPointF px = g->coordsToPixels(it->key, it->value);
        const double d = std::hypot(px.x() - pixel.x(), px.y() - pixel.y());
        if (d < best) best = d, bestPlottable = g, bestIndex = k;
      }
    } else {
      QVariant details;
      const double d = p->selectTest(pixel, false, &details);
      if (d >= 0 && d < best) {
        const QCPDataSelection sel = details.value<QCPDataSelection>();
        if (!sel.isEmpty()) best = d, bestPlottable = p, bestIndex = sel.dataRange().begin();
      }
    }
  }
  if (!bestPlottable || best > kMaxPixels) return {};
  return describePoint(bestPlottable, bestIndex);
}

void ChartView::onMouseMove(QMouseEvent* event) {
  const QString text = tooltipAt(event->position());
  if (text.isEmpty())
    QToolTip::hideText();
  else
    QToolTip::showText(event->globalPosition().toPoint(), text, plot_);
}

void ChartView::showContextMenu(const QPoint& pos) {
  QMenu menu(this);
  menu.addAction(tr("Reset zoom"), this, &ChartView::resetZoom);
  menu.addAction(tr("Export…"), this, &ChartView::exportWithDialog);
  menu.exec(plot_->mapToGlobal(pos));
}

void ChartView::exportWithDialog() {
  QStringList filters;
  for (const QString& f : exportFormats())
    filters << QStringLiteral("%1 (*.%2)").arg(f.toUpper(), f);
  const QString path = QFileDialog::getSaveFileName(this, tr("Export chart"), QString(),
                                                    filters.join(QStringLiteral(";;")));
  if (path.isEmpty()) return;
  QString error;
  if (!exportTo(path, &error)) QToolTip::showText(QCursor::pos(), error, this);
}

}  // namespace pd::charts
