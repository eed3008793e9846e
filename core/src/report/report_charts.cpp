// The report's charts: few-shot curves (mean ± std bands per method) and a bar chart.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "promptdesk/report.h"
#include "report/svg_writer.h"

namespace pd {
namespace {

struct Frame {
  double left = 60, top = 30, right, bottom;
  double lo = 0, hi = 1;
  double y(double v) const { return bottom - (v - lo) / (hi - lo) * (bottom - top); }
};

std::string tick(double v) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.3g", v);
  return b;
}

void axes(report::SvgWriter& s, const Frame& f, const std::string& ylabel) {
  for (int i = 0; i <= 5; ++i) {
    double v = f.lo + (f.hi - f.lo) * i / 5.0;
    s.line(f.left, f.y(v), f.right, f.y(v), "#dddddd", 1);
    s.text(f.left - 6, f.y(v) + 4, tick(v), 11, "end");
  }
  s.line(f.left, f.top, f.left, f.bottom, "#333333", 1);
  s.line(f.left, f.bottom, f.right, f.bottom, "#333333", 1);
  s.text(14, (f.top + f.bottom) / 2, ylabel, 12, "middle", false, -90);
}

void range(const ReportData& d, Frame& f, bool withStd) {
  double lo = 1e300, hi = -1e300;
  for (auto& [k, c] : d.cells) {
    lo = std::min(lo, c.mean - (withStd ? c.std : 0));
    hi = std::max(hi, c.mean + (withStd ? c.std : 0));
  }
  if (lo > hi) lo = 0, hi = 1;
  double pad = std::max(1e-6, (hi - lo) * 0.1);
  f.lo = lo - pad;
  f.hi = hi + pad;
}

}  // namespace

std::string reportFewShotSvg(const ReportData& d, int width, int height) {
  report::SvgWriter s(width, height);
  Frame f;
  f.right = width - 160;
  f.bottom = height - 45;
  range(d, f, true);
  axes(s, f, d.metric);
  s.text((f.left + f.right) / 2, 18, d.metric + " vs. shots (mean ± std over seeds)", 13, "middle",
         true);
  std::size_t nx = d.shots.size();
  auto x = [&](std::size_t i) {
    return nx <= 1 ? (f.left + f.right) / 2 : f.left + 20 + (f.right - f.left - 40) * i / (nx - 1);
  };
  for (std::size_t i = 0; i < nx; ++i) {
    s.line(x(i), f.bottom, x(i), f.bottom + 4, "#333333");
    s.text(x(i), f.bottom + 17, std::to_string(d.shots[i]), 11, "middle");
  }
  s.text((f.left + f.right) / 2, f.bottom + 35, "shots per class", 12, "middle");
  for (std::size_t r = 0; r < d.rows.size(); ++r) {
    std::vector<std::pair<double, double>> line, upper, lower;
    for (std::size_t i = 0; i < nx; ++i) {
      auto it = d.cells.find({d.rows[r], d.shots[i]});
      if (it == d.cells.end()) continue;
      line.push_back({x(i), f.y(it->second.mean)});
      upper.push_back({x(i), f.y(it->second.mean + it->second.std)});
      lower.push_back({x(i), f.y(it->second.mean - it->second.std)});
    }
    if (line.empty()) continue;
    std::vector<std::pair<double, double>> band = upper;
    band.insert(band.end(), lower.rbegin(), lower.rend());
    s.polygon(band, report::SvgWriter::color(r), 0.18);
    s.polyline(line, report::SvgWriter::color(r), 2);
    for (auto& pt : line) s.circle(pt.first, pt.second, 3, report::SvgWriter::color(r));
    double ly = f.top + 16.0 * double(r);
    s.rect(f.right + 15, ly - 9, 12, 12, report::SvgWriter::color(r));
    s.text(f.right + 32, ly + 1, d.rows[r], 11);
  }
  return s.finish();
}

std::string reportBarSvg(const ReportData& d, int width, int height) {
  report::SvgWriter s(width, height);
  Frame f;
  f.right = width - 20;
  f.bottom = height - 70;
  int k = d.shots.empty() ? 0 : d.shots.back();
  range(d, f, true);
  f.lo = std::min(f.lo, 0.0);
  axes(s, f, d.metric);
  s.text((f.left + f.right) / 2, 18, d.metric + " at " + std::to_string(k) + " shots", 13,
         "middle", true);
  std::size_t n = std::max<std::size_t>(1, d.rows.size());
  double slot = (f.right - f.left) / double(n);
  for (std::size_t r = 0; r < d.rows.size(); ++r) {
    auto it = d.cells.find({d.rows[r], k});
    double cx = f.left + slot * (double(r) + 0.5);
    s.text(cx, f.bottom + 15, d.rows[r], 10, "end", false, -30);
    if (it == d.cells.end()) continue;
    const ReportCell& c = it->second;
    double top = f.y(c.mean), base = f.y(std::max(f.lo, 0.0));
    s.rect(cx - slot * 0.3, std::min(top, base), slot * 0.6, std::fabs(base - top),
           report::SvgWriter::color(r), d.rows[r] + ": " + tick(c.mean) + " ± " + tick(c.std));
    s.line(cx, f.y(c.mean - c.std), cx, f.y(c.mean + c.std), "#222222", 1.5);
  }
  return s.finish();
}

}  // namespace pd
