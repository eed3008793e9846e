#pragma once
// A small SVG writer for report charts: lines, polylines, filled bands, rects, text.
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace pd::report {

class SvgWriter {
 public:
  SvgWriter(int width, int height);
  void rect(double x, double y, double w, double h, const std::string& fill,
            const std::string& title = {});
  void line(double x1, double y1, double x2, double y2, const std::string& stroke,
            double width = 1.0, bool dashed = false);
  void polyline(const std::vector<std::pair<double, double>>& pts, const std::string& stroke,
                double width = 2.0);
  void polygon(const std::vector<std::pair<double, double>>& pts, const std::string& fill,
               double opacity);
  void circle(double cx, double cy, double r, const std::string& fill);
  // anchor: "start" | "middle" | "end"
  void text(double x, double y, const std::string& s, int size = 12,
            const std::string& anchor = "start", bool bold = false, double rotate = 0);
  std::string finish();

  static std::string escape(const std::string& s);
  static const char* color(std::size_t i);

 private:
  std::ostringstream out_;
};

}  // namespace pd::report
