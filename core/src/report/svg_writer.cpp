#include "report/svg_writer.h"

#include <iomanip>

namespace pd::report {

SvgWriter::SvgWriter(int width, int height) {
  out_ << std::fixed << std::setprecision(1);
  out_ << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
       << "\" viewBox=\"0 0 " << width << " " << height
       << "\" font-family=\"Helvetica, Arial, sans-serif\">\n";
  out_ << "<rect x=\"0\" y=\"0\" width=\"" << width << "\" height=\"" << height
       << "\" fill=\"white\"/>\n";
}

std::string SvgWriter::escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o.push_back(c);
    }
  }
  return o;
}

const char* SvgWriter::color(std::size_t i) {
  static const char* palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return palette[i % 10];
}

void SvgWriter::rect(double x, double y, double w, double h, const std::string& fill,
                     const std::string& title) {
  out_ << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"" << h
       << "\" fill=\"" << fill << "\">";
  if (!title.empty()) out_ << "<title>" << escape(title) << "</title>";
  out_ << "</rect>\n";
}

void SvgWriter::line(double x1, double y1, double x2, double y2, const std::string& stroke,
                     double width, bool dashed) {
  out_ << "<line x1=\"" << x1 << "\" y1=\"" << y1 << "\" x2=\"" << x2 << "\" y2=\"" << y2
       << "\" stroke=\"" << stroke << "\" stroke-width=\"" << width << "\"";
  if (dashed) out_ << " stroke-dasharray=\"4 3\"";
  out_ << "/>\n";
}

namespace {
void points(std::ostringstream& o, const std::vector<std::pair<double, double>>& pts) {
  o << " points=\"";
  for (std::size_t i = 0; i < pts.size(); ++i)
    o << (i ? " " : "") << pts[i].first << "," << pts[i].second;
  o << "\"";
}
}  // namespace

void SvgWriter::polyline(const std::vector<std::pair<double, double>>& pts,
                         const std::string& stroke, double width) {
  out_ << "<polyline fill=\"none\" stroke=\"" << stroke << "\" stroke-width=\"" << width << "\"";
  points(out_, pts);
  out_ << "/>\n";
}

void SvgWriter::polygon(const std::vector<std::pair<double, double>>& pts, const std::string& fill,
                        double opacity) {
  out_ << "<polygon fill=\"" << fill << "\" fill-opacity=\"" << opacity << "\" stroke=\"none\"";
  points(out_, pts);
  out_ << "/>\n";
}

void SvgWriter::circle(double cx, double cy, double r, const std::string& fill) {
  out_ << "<circle cx=\"" << cx << "\" cy=\"" << cy << "\" r=\"" << r << "\" fill=\"" << fill
       << "\"/>\n";
}

void SvgWriter::text(double x, double y, const std::string& s, int size, const std::string& anchor,
                     bool bold, double rotate) {
  out_ << "<text x=\"" << x << "\" y=\"" << y << "\" font-size=\"" << size << "\" text-anchor=\""
       << anchor << "\"";
  if (bold) out_ << " font-weight=\"bold\"";
  if (rotate != 0) out_ << " transform=\"rotate(" << rotate << " " << x << " " << y << ")\"";
  out_ << ">" << escape(s) << "</text>\n";
}

std::string SvgWriter::finish() {
  out_ << "</svg>\n";
  return out_.str();
}

}  // namespace pd::report
