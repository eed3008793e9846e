#pragma once
// The base of every chart: a QCustomPlot with zoom/pan, hover tooltips, a context menu and export.
#include <QString>
#include <QWidget>

#include <functional>

class QCustomPlot;
class QCPAbstractPlottable;
class QCPGraph;
class QMouseEvent;

namespace pd::charts {

// Qt role of a graph, stored as a dynamic property so tests and tooltips can tell them apart.
inline constexpr const char* kRoleProperty = "pdRole";

class ChartView : public QWidget {
  Q_OBJECT
 public:
  explicit ChartView(QWidget* parent = nullptr);

  QCustomPlot* plot() const { return plot_; }

  // Exports by file suffix: .png, .pdf (and .svg only when built with Qt6::Svg). Returns false and
  // sets *error on failure (unknown suffix, SVG unavailable, write error).
  bool exportTo(const QString& path, QString* error = nullptr, int width = 0, int height = 0);
  static QStringList exportFormats();  // {"png", "pdf"} (+ "svg" when available)

  // Number of graphs/plottables tagged with a role ("line", "band", "zeroShot", ...).
  int countRole(const QString& role) const;
  // The text the hover tooltip shows for the data point nearest to a pixel; empty when none near.
  virtual QString tooltipAt(const QPointF& pixel) const;

  void resetZoom();

 signals:
  void exported(const QString& path);

 protected:
  // Subclasses describe a plottable's data point for the hover tooltip.
  virtual QString describePoint(QCPAbstractPlottable* plottable, int index) const;
  // Subclasses restore their natural axis ranges here (resetZoom calls it).
  virtual void fitRanges();
  void tagRole(QCPAbstractPlottable* plottable, const char* role);
  void applyTheme();
  void setTitle(const QString& title);

 private:
  void onMouseMove(QMouseEvent* event);
  void showContextMenu(const QPoint& pos);
  void exportWithDialog();

  QCustomPlot* plot_ = nullptr;
};

// A consistent qualitative palette (tab10-like) for method lines.
QColor seriesColor(int index);

}  // namespace pd::charts
