#pragma once
// Helpers shared by the UI tests: the screenshot folder and synthetic chart data.
#include <QDir>
#include <QString>
#include <QWidget>

#include <cmath>

#include "charts/chart_data.h"

namespace pd::test {

inline QString outputDir() {
  const QString dir = qEnvironmentVariable("PD_TEST_OUTPUT", QStringLiteral(PD_TEST_OUTPUT));
  QDir().mkpath(dir);
  return dir;
}

inline QString saveShot(QWidget* w, const QString& name) {
  const QString path = outputDir() + QLatin1Char('/') + name;
  w->grab().save(path);
  return path;
}

// Three methods over five shot counts and three seeds, as in the CoOp paper's figure.
inline charts::FewShotData fewShotSample() {
  charts::FewShotData d;
  d.dataset = "Caltech101";
  d.yLabel = "Score (%)";
  d.zeroShot = 86.3;
  d.zeroShotLabel = "Zero-shot CLIP";
  const double shots[] = {1, 2, 4, 8, 16};
  auto add = [&](const char* name, double base, double gain, double sd) {
    charts::MethodSeries m;
    m.name = name;
    for (int i = 0; i < 5; ++i)
      m.points.push_back({shots[i], base + gain * std::log2(shots[i] + 1), sd / (i + 1)});
    d.methods.push_back(m);
  };
  add("CoOp (M=16, end)", 87.5, 1.5, 1.2);
  add("CoCoOp", 88.0, 1.0, 0.8);
  add("Linear probe CLIP", 70.0, 6.0, 2.5);
  return d;
}

inline std::vector<std::string> sampleClasses(int n) {
  static const char* names[] = {"airplane", "automobile", "bird",  "cat",    "deer",
                                "dog",      "frog",       "horse", "ship",   "truck",
                                "apple",    "bear",       "bee",   "bicycle"};
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(names[i % 14]);
  return out;
}

}  // namespace pd::test
