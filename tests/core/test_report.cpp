// Reports: the numbers in the HTML comparison table and the tidy CSV match the stored runs; the
// McNemar test; the SVG charts.
#include <cmath>
#include <map>
#include <random>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "promptdesk/project.h"
#include "promptdesk/report.h"

#include <QtTest/QtTest>

using nlohmann::json;

namespace {
// Records methods x shots x seeds runs with `items` predictions each. Method index m gets an
// accuracy near base[m] + 0.02 * log2(shots); method "weak" errs on items the others get right.
void simulate(pd::Project& p, int items) {
  const std::vector<std::string> methods = {"coop", "zero-shot", "weak"};
  const std::vector<double> base = {0.80, 0.70, 0.40};
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  for (std::size_t m = 0; m < methods.size(); ++m)
    for (int shots : {1, 4, 16})
      for (int seed : {1, 2, 3}) {
        std::int64_t spec = p.addJobSpec(
            json{{"kind", "sim"}, {"method", methods[m]}, {"shots", shots}, {"seed", seed}}.dump());
        pd::RunRecord r;
        r.specId = spec;
        r.experiment = "pets";
        r.method = methods[m];
        r.templateName = m == 0 ? "learned" : "";
        r.shots = shots;
        r.seed = seed;
        std::int64_t id = p.createRun(r);
        p.setRunState(id, pd::JobState::Running);
        double target = base[m] + 0.02 * std::log2(double(shots));
        std::vector<pd::Prediction> preds;
        int correct = 0;
        for (int i = 0; i < items; ++i) {
          bool ok = u(rng) < target;
          correct += ok;
          preds.push_back({"item" + std::to_string(i), i % 5, ok ? i % 5 : (i + 1) % 5, {}});
        }
        p.addPredictions(id, preds);
        p.setFinalMetrics(id, {{"accuracy", double(correct) / items}, {"loss", 1.0 - target}});
        p.setRunState(id, pd::JobState::Succeeded);
      }
  // One failed run: left out of the tables, counted.
  pd::RunRecord r;
  r.specId = p.addJobSpec("{\"kind\":\"sim\",\"broken\":true}");
  r.experiment = "pets";
  r.method = "coop";
  std::int64_t id = p.createRun(r);
  p.setRunState(id, pd::JobState::Failed, "boom");
}
}  // namespace

class TestReport : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void mcnemar() {
    QCOMPARE(pd::mcnemarPValue(0, 0), 1.0);
    QVERIFY(std::fabs(pd::mcnemarPValue(10, 0) - 2.0 / 1024.0) < 1e-12);
    QVERIFY(std::fabs(pd::mcnemarPValue(3, 3) - 1.0) < 1e-12);
    // chi-square with continuity correction: (|30-10|-1)^2/40 = 9.025, p = 0.002663
    QVERIFY(std::fabs(pd::mcnemarPValue(30, 10) - 0.0026631) < 1e-5);
    QCOMPARE(pd::mcnemarPValue(10, 30), pd::mcnemarPValue(30, 10));
  }

  void htmlAndCsvMatchStoredRuns() {
    std::string f = tmp_.filePath("exp.pdesk").toStdString();
    auto p = pd::Project::create(f);
    simulate(*p, 400);
    pd::ReportOptions o;
    o.experiment = "pets";
    pd::ReportData d = pd::collectReport(*p, o);
    QCOMPARE(d.runs.size(), std::size_t(27));
    QCOMPARE(d.skippedRuns, std::int64_t(1));
    QCOMPARE(d.rows.size(), std::size_t(3));
    QCOMPARE(d.shots, (std::vector<int>{1, 4, 16}));

    // Expected mean / std per (method, shots) from the stored final metrics.
    std::map<std::pair<std::string, int>, std::vector<double>> values;
    for (const pd::RunRecord& r : p->runs())
      if (r.state == pd::JobState::Succeeded)
        for (auto& m : p->finalMetrics(r.id))
          if (m.name == "accuracy")
            values[{r.templateName.empty() ? r.method : r.method + " / " + r.templateName,
                    r.shots}].push_back(m.value);

    std::string html = pd::reportHtml(d);
    QVERIFY(html.find("<svg") != std::string::npos);
    QVERIFY(html.find("<polygon") != std::string::npos);  // std bands
    QVERIFY(html.find("http") == html.find("http://www.w3.org"));  // self-contained
    std::regex cell("<td data-row=\"([^\"]+)\" data-shots=\"(\\d+)\" data-mean=\"([^\"]+)\" "
                    "data-std=\"([^\"]+)\" data-n=\"(\\d+)\"( data-p=\"[^\"]+\")?>(<b>)?");
    int cells = 0, bold = 0;
    std::map<int, std::pair<std::string, double>> bestPerColumn;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), cell); it != std::sregex_iterator();
         ++it) {
      std::string row = (*it)[1];
      int shots = std::stoi((*it)[2]);
      double mean = std::stod((*it)[3]), sd = std::stod((*it)[4]);
      auto& v = values.at({row, shots});
      double em = 0, ss = 0;
      for (double x : v) em += x;
      em /= double(v.size());
      for (double x : v) ss += (x - em) * (x - em);
      double es = std::sqrt(ss / double(v.size() - 1));
      QVERIFY2(std::fabs(mean - em) < 1e-9, row.c_str());
      QVERIFY2(std::fabs(sd - es) < 1e-9, row.c_str());
      QCOMPARE(std::stoi((*it)[5]), 3);
      if ((*it)[7].matched) {
        ++bold;
        bestPerColumn[shots] = {row, mean};
      }
      ++cells;
    }
    QCOMPARE(cells, 9);
    QCOMPARE(bold, 3);
    for (auto& [shots, best] : bestPerColumn) {
      QCOMPARE(QString::fromStdString(best.first), QString("coop / learned"));
      for (auto& [key, v] : values)
        if (key.second == shots) {
          double m = 0;
          for (double x : v) m += x;
          QVERIFY(m / double(v.size()) <= best.second + 1e-12);
        }
    }
    // "weak" (accuracy ~0.4 vs ~0.8 over 1200 paired items) differs significantly from the best.
    QVERIFY(d.cells.at({"weak", 16}).significant);
    QVERIFY(d.cells.at({"weak", 16}).pValue < 1e-6);
    QCOMPARE(d.cells.at({"weak", 16}).pairedItems, std::int64_t(1200));
    QVERIFY(html.find("&dagger;") != std::string::npos);
    // Provenance: every spec hash and the app version are in the HTML.
    for (auto& r : d.runs) QVERIFY(html.find(r.specHash) != std::string::npos);

    // Tidy CSV: one line per run and metric, values equal to the stored ones.
    std::string csv = pd::reportCsv(d);
    std::istringstream in(csv);
    std::string line;
    std::getline(in, line);
    QCOMPARE(QString::fromStdString(line), QString("experiment,method,template,shots,seed,metric,value"));
    int rows = 0;
    std::map<std::tuple<std::string, int, int, std::string>, double> stored;
    for (const pd::RunRecord& r : p->runs())
      for (auto& m : p->finalMetrics(r.id)) stored[{r.method, r.shots, int(r.seed), m.name}] = m.value;
    while (std::getline(in, line)) {
      std::vector<std::string> c;
      std::stringstream ls(line);
      std::string field;
      while (std::getline(ls, field, ',')) c.push_back(field);
      QCOMPARE(c.size(), std::size_t(7));
      QCOMPARE(QString::fromStdString(c[0]), QString("pets"));
      double v = std::stod(c[6]);
      QVERIFY(std::fabs(v - stored.at({c[1], std::stoi(c[3]), std::stoi(c[4]), c[5]})) < 1e-9);
      ++rows;
    }
    QCOMPARE(rows, 27 * 2);

    std::string md = pd::reportMarkdown(d);
    QVERIFY(md.find("| method |") != std::string::npos);
    QVERIFY(md.find("**") != std::string::npos);
    QVERIFY(md.find("†") != std::string::npos);

    // A selection of runs.
    pd::ReportOptions sel;
    sel.runIds = {1, 2, 3};
    pd::ReportData ds = pd::collectReport(*p, sel);
    QCOMPARE(ds.runs.size(), std::size_t(3));
    QCOMPARE(ds.cells.size(), std::size_t(1));
    // Lower-is-better metric: the best has the smallest mean.
    pd::ReportOptions lo;
    lo.metric = "loss";
    pd::ReportData dl = pd::collectReport(*p, lo);
    QVERIFY(dl.cells.at({"coop / learned", 16}).best);
  }

  void svgChartsAreWellFormed() {
    pd::ReportData d;
    d.metric = "accuracy";
    d.rows = {"a<b", "c"};
    d.shots = {1, 2};
    d.cells[{"a<b", 1}] = {3, 0.5, 0.1, false, false, -1, 0};
    d.cells[{"a<b", 2}] = {3, 0.6, 0.1, true, false, -1, 0};
    d.cells[{"c", 2}] = {1, 0.4, 0.0, false, true, 0.01, 10};
    std::string s = pd::reportFewShotSvg(d);
    QVERIFY(s.rfind("<svg", 0) == 0);
    QVERIFY(s.find("a&lt;b") != std::string::npos);
    QVERIFY(s.find("</svg>") != std::string::npos);
    QVERIFY(pd::reportBarSvg(d).find("<rect") != std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TestReport)
#include "test_report.moc"
