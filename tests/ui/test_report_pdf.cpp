// PDF reports: a file is produced, it is a PDF, and its page objects match the pages written
// (more runs -> more pages).
#include <QtTest/QtTest>

#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "promptdesk/project.h"
#include "promptdesk/report.h"
#include "report_pdf.h"

namespace {
int countPageObjects(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string pdf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::regex page("/Type\\s*/Page(?![a-zA-Z])");
  return static_cast<int>(std::distance(std::sregex_iterator(pdf.begin(), pdf.end(), page),
                                        std::sregex_iterator()));
}

pd::ReportData makeReport(pd::Project& p, int seeds) {
  for (const char* method : {"coop", "zero-shot"})
    for (int shots : {1, 2, 4, 8, 16})
      for (int seed = 1; seed <= seeds; ++seed) {
        pd::RunRecord r;
        r.specId = p.addJobSpec(nlohmann::json{{"kind", "sim"}, {"m", method}, {"shots", shots},
                                               {"seed", seed}, {"n", seeds}}
                                    .dump());
        r.experiment = "exp" + std::to_string(seeds);
        r.method = method;
        r.shots = shots;
        r.seed = seed;
        std::int64_t id = p.createRun(r);
        p.setFinalMetrics(id, {{"accuracy", 0.5 + 0.02 * shots + 0.001 * seed}});
        p.setRunState(id, pd::JobState::Succeeded);
      }
  pd::ReportOptions o;
  o.experiment = "exp" + std::to_string(seeds);
  return pd::collectReport(p, o);
}
}  // namespace

class TestReportPdf : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void writesPdfWithRightPageCount() {
    QTemporaryDir tmp;
    auto p = pd::Project::create(tmp.filePath("r.pdesk").toStdString());
    std::string small = tmp.filePath("small.pdf").toStdString();
    int pagesSmall = pd::ui::writeReportPdf(makeReport(*p, 1), small);
    QVERIFY(pagesSmall >= 1);
    QFileInfo fi(QString::fromStdString(small));
    QVERIFY(fi.exists() && fi.size() > 1000);
    QFile f(fi.filePath());
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.read(5), QByteArray("%PDF-"));
    QCOMPARE(countPageObjects(small), pagesSmall);

    std::string big = tmp.filePath("big.pdf").toStdString();
    int pagesBig = pd::ui::writeReportPdf(makeReport(*p, 12), big);  // 120 runs, 120 specs
    QCOMPARE(countPageObjects(big), pagesBig);
    QVERIFY2(pagesBig > pagesSmall, qPrintable(QString("%1 vs %2").arg(pagesBig).arg(pagesSmall)));
  }
};

QTEST_MAIN(TestReportPdf)
#include "test_report_pdf.moc"
