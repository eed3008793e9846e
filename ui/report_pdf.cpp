#include "report_pdf.h"

#include "offscreen_app.h"

#include <QCoreApplication>
#include <QFile>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QPainterPath>
#include <QPdfWriter>
#include <QTextDocument>
#include <QUrl>

#include <algorithm>
#include <cmath>
#include <map>

#include "project/project_adapters.h"
#include "promptdesk/error.h"

namespace pd::ui {
namespace {

QString esc(const std::string& s) { return QString::fromStdString(s).toHtmlEscaped(); }

const QColor kPalette[] = {
    QColor("#1f77b4"), QColor("#ff7f0e"), QColor("#2ca02c"), QColor("#d62728"), QColor("#9467bd"),
    QColor("#8c564b"), QColor("#e377c2"), QColor("#7f7f7f"), QColor("#bcbd22"), QColor("#17becf")};

// The few-shot chart (mean line, ± std band per method), drawn with QPainter.
QImage fewShotChart(const pd::ReportData& d, int w, int h) {
  QImage img(w, h, QImage::Format_ARGB32);
  img.fill(Qt::white);
  QPainter p(&img);
  p.setRenderHint(QPainter::Antialiasing);
  double lo = 1e300, hi = -1e300;
  for (auto& [k, c] : d.cells) lo = std::min(lo, c.mean - c.std), hi = std::max(hi, c.mean + c.std);
  if (lo > hi) lo = 0, hi = 1;
  double pad = std::max(1e-6, (hi - lo) * 0.1);
  lo -= pad, hi += pad;
  QRectF f(70, 30, w - 260, h - 80);
  auto y = [&](double v) { return f.bottom() - (v - lo) / (hi - lo) * f.height(); };
  std::size_t nx = d.shots.size();
  auto x = [&](std::size_t i) {
    return nx <= 1 ? f.center().x() : f.left() + 20 + (f.width() - 40) * double(i) / double(nx - 1);
  };
  QFont font = p.font();
  font.setPixelSize(14);
  p.setFont(font);
  p.setPen(QColor("#dddddd"));
  for (int i = 0; i <= 5; ++i) {
    double v = lo + (hi - lo) * i / 5.0;
    p.setPen(QColor("#dddddd"));
    p.drawLine(QPointF(f.left(), y(v)), QPointF(f.right(), y(v)));
    p.setPen(Qt::black);
    p.drawText(QRectF(0, y(v) - 10, f.left() - 8, 20), Qt::AlignRight | Qt::AlignVCenter,
               QString::number(v, 'g', 3));
  }
  p.drawRect(f);
  for (std::size_t i = 0; i < nx; ++i)
    p.drawText(QRectF(x(i) - 30, f.bottom() + 4, 60, 20), Qt::AlignCenter,
               QString::number(d.shots[i]));
  p.drawText(QRectF(f.left(), f.bottom() + 26, f.width(), 20), Qt::AlignCenter, "shots per class");
  p.drawText(QRectF(f.left(), 4, f.width(), 22), Qt::AlignCenter,
             QString::fromStdString(d.metric) + " vs. shots (mean ± std over seeds)");
  for (std::size_t r = 0; r < d.rows.size(); ++r) {
    QColor c = kPalette[r % 10];
    QPolygonF line, upper, lower;
    for (std::size_t i = 0; i < nx; ++i) {
      auto it = d.cells.find({d.rows[r], d.shots[i]});
      if (it == d.cells.end()) continue;
      line << QPointF(x(i), y(it->second.mean));
      upper << QPointF(x(i), y(it->second.mean + it->second.std));
      lower.prepend(QPointF(x(i), y(it->second.mean - it->second.std)));
    }
    QColor band = c;
    band.setAlphaF(0.18);
    p.setPen(Qt::NoPen);
    p.setBrush(band);
    p.drawPolygon(upper + lower);
    p.setPen(QPen(c, 2.5));
    p.setBrush(Qt::NoBrush);
    p.drawPolyline(line);
    p.setBrush(c);
    for (const QPointF& pt : line) p.drawEllipse(pt, 3.5, 3.5);
    double ly = f.top() + 20.0 * double(r);
    p.fillRect(QRectF(f.right() + 14, ly, 14, 14), c);
    p.setPen(Qt::black);
    p.drawText(QPointF(f.right() + 34, ly + 12), QString::fromStdString(d.rows[r]));
  }
  return img;
}

// "31,194 params (3.04%)" for a row whose runs recorded trained_parameters (text methods).
std::string trainedParameters(const pd::ReportData& d, const std::string& row) {
  double count = -1, percent = std::nan("");
  bool same = true;
  for (const pd::ReportRun& r : d.runs) {
    const std::string m = r.run.method.empty() ? r.run.kind : r.run.method;
    if ((r.run.templateName.empty() ? m : m + " / " + r.run.templateName) != row) continue;
    auto n = r.metrics.find("trained_parameters");
    if (n == r.metrics.end()) continue;
    if (count >= 0 && count != n->second) same = false;
    count = n->second;
    auto p = r.metrics.find("trained_percent");
    if (p != r.metrics.end()) percent = p->second;
  }
  if (count < 0) return {};
  if (!same) return "varies";
  return pd::ui::trainedParametersText(count, percent);
}

QString documentHtml(const pd::ReportData& d) {
  bool pc = d.metric.find("loss") == std::string::npos;
  for (auto& [k, c] : d.cells)
    if (c.mean < 0 || c.mean > 1) pc = false;
  QString h = "<html><body style='font-family:Helvetica; font-size:9pt'>";
  h += "<h1>" + esc(d.title) + "</h1>";
  h += "<p>Project: " + esc(d.projectPath) +
       "<br>Experiment: " + esc(d.experiment.empty() ? "(all)" : d.experiment) +
       "<br>Generated: " + esc(d.generatedAt) + " on " + esc(d.host) + " (PromptDesk " +
       esc(d.appVersion) + ")<br>Runs: " + QString::number(d.runs.size()) + " succeeded";
  if (d.skippedRuns) h += ", " + QString::number(d.skippedRuns) + " not succeeded (left out)";
  h += "</p><h2>Comparison: " + esc(d.metric) + " (mean ± std over seeds)</h2>";
  // Text methods record their trained parameters: a column after the method's name.
  std::map<std::string, std::string> trained;
  for (const std::string& row : d.rows) {
    const std::string t = trainedParameters(d, row);
    if (!t.empty()) trained[row] = t;
  }
  h += "<table border='1' cellspacing='0' cellpadding='3'><tr><th>method</th>";
  if (!trained.empty()) h += "<th>trained parameters</th>";
  for (int k : d.shots) h += "<th>" + QString::number(k) + " shots</th>";
  h += "</tr>";
  for (const std::string& row : d.rows) {
    h += "<tr><td>" + esc(row) + "</td>";
    if (!trained.empty())
      h += "<td align='right'>" + (trained.count(row) ? esc(trained[row]) : QString("-")) + "</td>";
    for (int k : d.shots) {
      auto it = d.cells.find({row, k});
      if (it == d.cells.end()) {
        h += "<td>-</td>";
        continue;
      }
      const pd::ReportCell& c = it->second;
      QString t = QString::fromStdString(pd::formatMetric(c.mean, pc) + " ± " +
                                         pd::formatMetric(c.std, pc));
      h += "<td align='right'>" + (c.best ? "<b>" + t + "</b>" : t) + (c.significant ? " †" : "") +
           "</td>";
    }
    h += "</tr>";
  }
  h += "</table><p>Bold: best per column. †: differs from the column's best (paired McNemar, "
       "p &lt; " +
       QString::number(d.alpha) + ").</p>";
  h += "<p><img src='chart://fewshot' width='620'></p>";
  h += "<h2>Runs</h2><table border='1' cellspacing='0' cellpadding='2'><tr><th>run</th>"
       "<th>method</th><th>template</th><th>shots</th><th>seed</th><th>" +
       esc(d.metric) + "</th><th>spec</th><th>split</th><th>dataset</th></tr>";
  for (const pd::ReportRun& r : d.runs) {
    auto it = r.metrics.find(d.metric);
    h += "<tr><td>" + QString::number(r.run.id) + "</td><td>" + esc(r.run.method) + "</td><td>" +
         esc(r.run.templateName) + "</td><td>" + QString::number(r.run.shots) + "</td><td>" +
         QString::number(r.run.seed) + "</td><td>" +
         (it == r.metrics.end() ? QString("-") : QString::number(it->second, 'g', 6)) +
         "</td><td>" + esc(r.specHash.substr(0, 12)) + "</td><td>" +
         esc(r.run.splitHash.substr(0, 12)) + "</td><td>" + esc(r.datasetName) + " " +
         esc(r.datasetHash.substr(0, 12)) + "</td></tr>";
  }
  h += "</table><h2>Configurations</h2>";
  std::vector<std::string> seen;
  for (const pd::ReportRun& r : d.runs) {
    if (std::find(seen.begin(), seen.end(), r.specHash) != seen.end()) continue;
    seen.push_back(r.specHash);
    h += "<p><b>spec " + esc(r.specHash) + "</b></p><pre style='font-size:7pt'>" + esc(r.specJson) +
         "</pre>";
  }
  h += "</body></html>";
  return h;
}

}  // namespace

std::string reportPdfHtml(const pd::ReportData& data) { return documentHtml(data).toStdString(); }

int writeReportPdf(const pd::ReportData& d, const std::string& path) {
  ensureOffscreenApp();
  QPdfWriter writer(QString::fromStdString(path));
  if (!QFile(QString::fromStdString(path)).exists() && !writer.pageLayout().isValid())
    throw pd::Error("cannot create the PDF", path);
  writer.setPageSize(QPageSize(QPageSize::A4));
  writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
  writer.setResolution(96);
  writer.setTitle(QString::fromStdString(d.title));
  writer.setCreator("PromptDesk " + QString::fromStdString(d.appVersion));
  QTextDocument doc;
  doc.addResource(QTextDocument::ImageResource, QUrl("chart://fewshot"),
                  fewShotChart(d, 1240, 640));
  doc.setHtml(documentHtml(d));
  QPainter painter;
  if (!painter.begin(&writer)) throw pd::Error("cannot write the PDF", path);
  QRectF page = writer.pageLayout().paintRectPixels(writer.resolution());
  doc.setPageSize(page.size());
  int pages = doc.pageCount();
  for (int i = 0; i < pages; ++i) {
    if (i > 0) writer.newPage();
    painter.save();
    painter.translate(0, -page.height() * i);
    doc.drawContents(&painter, QRectF(0, page.height() * i, page.width(), page.height()));
    painter.restore();
  }
  if (!painter.end()) throw pd::Error("writing the PDF failed (disk full?)", path);
  return pages;
}

}  // namespace pd::ui
