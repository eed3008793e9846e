// Text few-shot runs in the GUI, over a real project: the text kinds in the Run menu with their
// methods and heads; a text experiment (prompt tuning and BitFit, K = 2 and 4, two seeds, two
// steps each, with the hand-crafted zero-shot cell) launched from its generated dialog on the
// tiny BERT and 120 IMDB sentences; its few-shot figure (mean ± std per method over seeds, the
// zero-shot reference, trained parameters in the legend), a run's learning curves (loss per step,
// dev accuracy per evaluation), the report files, and "Export as PEFT…" from the results table.
#include <QAction>
#include <QFileDialog>
#include <QMessageBox>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <qcustomplot.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "charts/few_shot_chart.h"
#include "charts/training_curve_chart.h"
#include "jobs/job_dock.h"
#include "main_window.h"
#include "project/project_adapters.h"
#include "promptdesk/job_registry.h"
#include "promptdesk/jobs.h"
#include "promptdesk/project.h"
#include "promptdesk/report.h"
#include "promptdesk/text_methods.h"
#include "report_pdf.h"
#include "results/results_table.h"
#include "run/run_dialog.h"
#include "ui_test_util.h"

using pd::ui::MainWindow;

namespace {
const QString kData = QStringLiteral(PD_TEST_DATA "/text");
const QString kModel = kData + "/models/bert-tiny";
const QString kVocab = kData + "/vocab/bert-base-uncased";
const QString kDataset = kData + "/datasets/sentiment-imdb-120";
const QString kLabelWords = QStringLiteral("negative=terrible;positive=great");

void onNextModal(std::function<void(QWidget*)> fn) {
  auto* timer = new QTimer(qApp);
  timer->setInterval(20);
  QObject::connect(timer, &QTimer::timeout, [timer, fn] {
    if (QWidget* w = QApplication::activeModalWidget()) {
      timer->stop();
      timer->deleteLater();
      fn(w);
    }
  });
  timer->start();
}

QStringList comboItems(QWidget* w) {
  QStringList out;
  auto* box = qobject_cast<QComboBox*>(w);
  if (box)
    for (int i = 0; i < box->count(); ++i) out << box->itemText(i);
  return out;
}

QCPGraph* graphNamed(pd::charts::ChartView* chart, const QString& prefix, const QString& role) {
  QCustomPlot* p = chart->plot();
  for (int i = 0; i < p->graphCount(); ++i)
    if (p->graph(i)->name().startsWith(prefix) &&
        (role.isEmpty() || p->graph(i)->property(pd::charts::kRoleProperty).toString() == role))
      return p->graph(i);
  return nullptr;
}

QVector<double> keysOf(QCPGraph* g) {
  QVector<double> out;
  for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) out << it->key;
  return out;
}

double metricOf(const pd::Project& p, std::int64_t run, const std::string& name) {
  for (const auto& m : p.finalMetrics(run))
    if (m.name == name) return m.value;
  return std::nan("");
}

// Mean and sample std of `metric` (×100) over the runs of (method, shots) in `experiment`.
std::pair<double, double> meanStd(const pd::Project& p, const std::string& experiment,
                                  const std::string& method, int shots) {
  std::vector<double> v;
  pd::RunFilter f;
  f.experiment = experiment;
  for (const auto& r : p.runs(f))
    if (r.method == method && r.shots == shots && r.state == pd::JobState::Succeeded)
      v.push_back(100.0 * metricOf(p, r.id, "accuracy"));
  double mean = 0, ss = 0;
  for (double x : v) mean += x;
  mean /= double(v.size());
  for (double x : v) ss += (x - mean) * (x - mean);
  return {mean, v.size() > 1 ? std::sqrt(ss / double(v.size() - 1)) : 0.0};
}
}  // namespace

class TestTextRuns : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  pd::ui::MainWindowOptions options() const {
    pd::ui::MainWindowOptions o;
    o.settingsFile = dir_.filePath("settings.ini");
    o.confirmCloseWithJobs = [] { return true; };
    return o;
  }

  // Launches the text experiment from its run dialog and waits for every cell.
  QList<quint64> launchExperiment(MainWindow& w, const QString& experiment, bool zeroShot,
                                  const QString& methods = "prompt-tuning,bitfit") {
    onNextModal([&](QWidget* d) {
      auto* dlg = qobject_cast<pd::ui::RunDialog*>(d);
      QVERIFY(dlg);
      QVERIFY(dlg->setValue("model", kModel));
      QVERIFY(dlg->setValue("tokenizer", kVocab));
      QVERIFY(dlg->setValue("dataset", kDataset));
      QVERIFY(dlg->setValue("label_words", kLabelWords));
      QVERIFY(dlg->setValue("methods", methods));
      QVERIFY(dlg->setValue("shots", "2,4"));
      QVERIFY(dlg->setValue("seeds", "13,21"));
      QVERIFY(dlg->setValue("zero_shot", zeroShot ? "true" : "false"));
      QVERIFY(dlg->setValue("max_steps", "2"));
      QVERIFY(dlg->setValue("eval_every", "1"));
      QVERIFY(dlg->setValue("experiment", experiment));
      QVERIFY2(dlg->isValid(), qPrintable(QStringList(dlg->errors().values()).join("; ")));
      dlg->runButton()->click();
    });
    QSignalSpy launched(&w, &MainWindow::gridLaunched);
    w.launchJobKind("text-fewshot-experiment");
    if (launched.isEmpty() && !launched.wait(60000)) return {};
    const QString error = launched.first().at(3).toString();
    if (!error.isEmpty()) qWarning("grid error: %s", qPrintable(error));
    const QList<quint64> ids = launched.first().at(1).value<QList<quint64>>();
    for (quint64 id : ids) {
      (void)QTest::qWaitFor(
          [&] {
            return w.jobs()->stateOf(id) != pd::JobState::Queued &&
                   w.jobs()->stateOf(id) != pd::JobState::Running;
          },
          120000);
      if (w.jobs()->stateOf(id) != pd::JobState::Succeeded)
        qWarning("job %llu: %s", id, qPrintable(w.jobs()->errorOf(id)));
    }
    return ids;
  }

  pd::charts::FewShotChart* experimentChart(MainWindow& w, const QString& experiment) {
    const int before = w.workArea()->count();
    w.openExperimentTab(experiment);
    auto* chart = qobject_cast<pd::charts::FewShotChart*>(w.workArea()->currentWidget());
    if (!chart) return nullptr;
    if (w.workArea()->count() > before &&
        !QTest::qWaitFor([&] { return chart->property("pdRefreshes").toInt() >= 1; }, 20000))
      return nullptr;
    return chart;
  }

 private slots:
  void textKindsOfferedWithMethodsAndHeads() {
    MainWindow w(options());
    for (const char* kind : {"text-fewshot", "text-fewshot-experiment", "text-zero-shot"})
      QVERIFY2(w.findChild<QAction*>(QStringLiteral("actionRun_") + kind), kind);
    const std::set<std::string> expected{"prompt-tuning", "p-tuning", "prefix-tuning",
                                         "p-tuning-v2",   "adapter",  "bitfit",
                                         "linear",        "partial-k", "full",
                                         "lm-bff"};
    // The single run: a method choice of the text methods only, a head choice of every head.
    {
      pd::ui::RunDialog dlg("text-fewshot",
                            pd::ui::schemaFromRegistry(pd::jobKindInfo("text-fewshot")->options));
      const QStringList methods = comboItems(dlg.field("method"));
      for (const auto& m : expected) QVERIFY2(methods.contains(QString::fromStdString(m)), m.c_str());
      QVERIFY(!methods.contains("coop"));
      QVERIFY(!methods.contains("linear-probe"));
      QStringList heads{""};
      for (const auto& h : pd::textHeadChoices()) heads << QString::fromStdString(h);
      QCOMPARE(comboItems(dlg.field("head")), heads);
      QVERIFY(heads.contains("verbalizer") && heads.contains("classifier"));
      QVERIFY(dlg.field("shots") && dlg.field("seed") && dlg.field("max_steps"));
    }
    // The experiment: methods / K / seeds lists, the head choice, the zero-shot reference.
    {
      pd::ui::RunDialog dlg("text-fewshot-experiment",
                            pd::ui::schemaFromRegistry(
                                pd::jobKindInfo("text-fewshot-experiment")->options));
      QVERIFY(dlg.value("methods").contains("prompt-tuning"));
      QVERIFY(dlg.value("methods").contains("bitfit"));
      QCOMPARE(dlg.value("zero_shot"), QString("true"));
      QVERIFY(comboItems(dlg.field("head")).contains("verbalizer"));
      // Every method the brief names is accepted by the experiment's spec.
      pd::ui::OptionValues v = dlg.values();
      v["model"] = kModel.toStdString();
      v["dataset"] = kDataset.toStdString();
      std::string all;
      for (const auto& m : expected) all += (all.empty() ? "" : ",") + m;
      v["methods"] = all;
      const std::string spec = pd::normalizeJobSpec(pd::ui::specJsonFrom(
          "text-fewshot-experiment",
          pd::ui::schemaFromRegistry(pd::jobKindInfo("text-fewshot-experiment")->options), v));
      QCOMPARE(pd::expandJobSpec(spec).size(), size_t(1 + expected.size() * 4 * 5));
    }
  }

  void experimentFigureCurvesReportAndPeftExport() {
    MainWindow w(options());
    w.resize(1400, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const QString path = dir_.filePath("text.pdesk");
    QVERIFY(w.createProject(path));
    const QList<quint64> ids = launchExperiment(w, "imdb-text", true);
    QCOMPARE(ids.size(), 1 + 2 * 2 * 2);
    for (quint64 id : ids) QCOMPARE(w.jobs()->stateOf(id), pd::JobState::Succeeded);

    auto reader = pd::Project::open(path.toStdString());
    std::int64_t zeroShotRun = 0, promptRun = 0, bitfitRun = 0;
    for (const auto& r : reader->runs()) {
      if (r.kind == "text-zero-shot") zeroShotRun = r.id;
      if (r.method == "prompt-tuning" && r.shots == 4 && r.seed == 13) promptRun = r.id;
      if (r.method == "bitfit" && !bitfitRun) bitfitRun = r.id;
    }
    QVERIFY(zeroShotRun && promptRun && bitfitRun);

    // ---- the few-shot figure: a line and a band per method over K, the zero-shot reference
    auto* chart = experimentChart(w, "imdb-text");
    QVERIFY(chart);
    QCOMPARE(chart->countRole("line"), 2);
    QCOMPARE(chart->countRole("band"), 2);
    QCOMPARE(chart->countRole("zeroShot"), 1);
    QCOMPARE(chart->countRole("zeroShotLine"), 1);
    QVERIFY(std::abs(chart->data().zeroShot -
                     100.0 * metricOf(*reader, zeroShotRun, "accuracy")) < 1e-9);
    for (const std::string method : {"prompt-tuning", "bitfit"}) {
      std::int64_t anyRun = 0;
      for (const auto& r : reader->runs())
        if (r.method == method) anyRun = r.id;
      const std::string trained =
          pd::ui::trainedParametersText(metricOf(*reader, anyRun, "trained_parameters"),
                                        metricOf(*reader, anyRun, "trained_percent"));
      QVERIFY(trained.find(" params (") != std::string::npos);
      // The legend names the method with its trained parameters.
      QCPGraph* line = graphNamed(chart, QString::fromStdString(method + " — " + trained), "line");
      QVERIFY2(line, (method + " — " + trained).c_str());
      QVERIFY(line->visible());
      QCOMPARE(keysOf(line), (QVector<double>{pd::charts::FewShotChart::shotsToAxis(2),
                                              pd::charts::FewShotChart::shotsToAxis(4)}));
      const QVector<double> stds = line->property("pdStd").value<QVector<double>>();
      int i = 0;
      for (auto it = line->data()->constBegin(); it != line->data()->constEnd(); ++it, ++i) {
        const auto [mean, sd] = meanStd(*reader, "imdb-text", method, i == 0 ? 2 : 4);
        QVERIFY(std::abs(it->value - mean) < 1e-9);
        QVERIFY(std::abs(stds[i] - sd) < 1e-9);
      }
      QCPGraph* band = graphNamed(chart, QString::fromStdString(method + " (+std)"), "band");
      QVERIFY(band);
      QCOMPARE(keysOf(band), keysOf(line));
    }
    QCOMPARE(chart->plot()->yAxis->label(), QString("accuracy (%)"));
    pd::test::saveShot(&w, "text_experiment_figure.png");

    // ---- a text run's learning curves: loss per step, dev accuracy at each evaluation
    QVERIFY(w.openRunTab(promptRun) >= 0);
    auto* curves = qobject_cast<pd::charts::TrainingCurveChart*>(w.workArea()->currentWidget());
    QVERIFY(curves);
    QCOMPARE(curves->plot()->xAxis->label(), QString("Step"));
    QCPGraph* loss = graphNamed(curves, "train_loss", "curve");
    QCPGraph* dev = graphNamed(curves, "dev_accuracy", "curve");
    QVERIFY(loss && dev);
    QCOMPARE(keysOf(loss), (QVector<double>{1, 2}));
    QCOMPARE(keysOf(dev), (QVector<double>{1, 2}));
    QCOMPARE(dev->valueAxis(), curves->plot()->yAxis2);
    QCOMPARE(loss->valueAxis(), curves->plot()->yAxis);
    QVERIFY(curves->plot()->yAxis2->visible());
    QVERIFY(dev->scatterStyle().shape() != QCPScatterStyle::ssNone);  // sparse: markers
    const auto series = reader->series(promptRun, "train_loss");
    QCOMPARE(int(series.size()), 2);
    QCOMPARE(loss->data()->at(1)->value, series[1].value);
    pd::test::saveShot(&w, "text_run_curves.png");

    // ---- the results table: trained parameters as columns; Export as PEFT on a text run
    QVERIFY(w.openResultsTab() >= 0);
    auto* table = qobject_cast<pd::ui::ResultsTable*>(w.workArea()->currentWidget());
    QVERIFY(table);
    QStringList headers;
    for (int c = 0; c < table->proxy()->columnCount(); ++c)
      headers << table->proxy()->headerData(c, Qt::Horizontal).toString();
    QVERIFY(headers.contains("trained_parameters"));
    QVERIFY(headers.contains("trained_percent"));
    QAction* peft = table->view()->findChild<QAction*>("exportPeft");
    QVERIFY(peft);
    QVERIFY(table->view()->actions().contains(peft));
    QCOMPARE(table->view()->contextMenuPolicy(), Qt::ActionsContextMenu);
    table->selectByValues("Run", {double(zeroShotRun)});
    QVERIFY(!peft->isEnabled());  // a zero-shot run learned nothing
    table->selectByValues("Run", {double(promptRun)});
    QVERIFY(peft->isEnabled());
    const QString out = dir_.filePath("peft-prompt");
    QVERIFY(QDir().mkpath(out));
    onNextModal([&](QWidget* d) {
      auto* fd = qobject_cast<QFileDialog*>(d);
      QVERIFY(fd);
      QCOMPARE(fd->objectName(), QString("peftFolderDialog"));
      QCOMPARE(fd->fileMode(), QFileDialog::Directory);
      fd->setDirectory(out);
      QMetaObject::invokeMethod(fd, "accept");
    });
    QSignalSpy exported(&w, &MainWindow::peftExported);
    peft->trigger();
    QVERIFY(exported.wait(30000));
    QCOMPARE(exported.first().at(0).toLongLong(), qint64(promptRun));
    QVERIFY2(exported.first().at(3).toString().isEmpty(), qPrintable(exported.first().at(3).toString()));
    QCOMPARE(exported.first().at(2).toString(), QString("PROMPT_TUNING"));
    QVERIFY(QFileInfo(out + "/adapter_model.safetensors").size() > 0);
    QFile cfg(out + "/adapter_config.json");
    QVERIFY(cfg.open(QIODevice::ReadOnly));
    QVERIFY(cfg.readAll().contains("\"PROMPT_TUNING\""));
    const pd::PeftReadResult back = pd::readPeftAdapter(out.toStdString(), kModel.toStdString());
    QCOMPARE(back.method, std::string("prompt-tuning"));
    QVERIFY(back.shapes.count("prompt_embeddings"));
    QVERIFY(w.statusBar()->currentMessage().contains("PROMPT_TUNING"));

    // BitFit: our own peft_type; into a folder that does not exist yet.
    exported.clear();
    const QString outBitfit = dir_.filePath("new/bitfit-peft");
    QVERIFY(w.exportRunPeft(bitfitRun, outBitfit));
    QVERIFY(exported.wait(30000));
    QCOMPARE(exported.first().at(2).toString(), QString("PROMPTDESK_BITFIT"));
    QVERIFY(QFileInfo(outBitfit + "/adapter_config.json").size() > 0);

    // Failures: a message box naming the file at fault.
    QFile blocker(dir_.filePath("blocker"));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.write("x");
    blocker.close();
    exported.clear();
    QVERIFY(w.exportRunPeft(promptRun, dir_.filePath("blocker/sub")));
    QVERIFY(exported.wait(30000));
    QVERIFY(exported.first().at(3).toString().contains("blocker"));
    QMessageBox* box = nullptr;
    QTRY_VERIFY((box = w.findChild<QMessageBox*>("peftExportError")) != nullptr);
    QVERIFY(box->text().contains("blocker"));
    box->close();
    QTRY_VERIFY(!w.findChild<QMessageBox*>("peftExportError"));
    exported.clear();
    QVERIFY(w.exportRunPeft(zeroShotRun, dir_.filePath("zs-peft")));
    QVERIFY(exported.wait(30000));
    QVERIFY(exported.first().at(3).toString().contains("no learned prompt"));
    QTRY_VERIFY((box = w.findChild<QMessageBox*>("peftExportError")) != nullptr);
    QVERIFY(box->text().contains(path));  // names the project file
    box->close();
    QVERIFY(!QFileInfo::exists(dir_.filePath("zs-peft")));

    // ---- the report: the text experiment's table and chart as for CLIP experiments
    const QString base = dir_.filePath("text-report");
    const quint64 job = w.exportReport("imdb-text", base, {"html", "csv", "md", "pdf"});
    QVERIFY(job);
    QTRY_VERIFY_WITH_TIMEOUT(w.jobs()->stateOf(job) == pd::JobState::Succeeded ||
                                 w.jobs()->stateOf(job) == pd::JobState::Failed,
                             60000);
    QVERIFY2(w.jobs()->stateOf(job) == pd::JobState::Succeeded, qPrintable(w.jobs()->errorOf(job)));
    auto readAll = [](const QString& f) {
      QFile file(f);
      return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
    };
    const QString html = readAll(base + ".html");
    for (const char* s : {"prompt-tuning", "bitfit", "hand-crafted", "<svg"})
      QVERIFY2(html.contains(s), s);
    const QString csv = readAll(base + ".csv");
    QVERIFY(csv.contains("bitfit") && csv.contains("trained_parameters"));
    QVERIFY(readAll(base + ".md").contains("prompt-tuning"));
    QVERIFY(QFileInfo(base + ".pdf").size() > 1000);
    pd::ReportOptions ro;
    ro.experiment = "imdb-text";
    const pd::ReportData rd = pd::collectReport(*reader, ro);
    const QString pdfHtml = QString::fromStdString(pd::ui::reportPdfHtml(rd));
    QVERIFY(pdfHtml.contains("trained parameters"));
    QVERIFY(pdfHtml.contains(QString::fromStdString(pd::ui::trainedParametersText(
        metricOf(*reader, bitfitRun, "trained_parameters"),
        metricOf(*reader, bitfitRun, "trained_percent")))));

    // ---- an experiment without its own zero-shot cell takes the project's on the same inputs
    const QList<quint64> more = launchExperiment(w, "imdb-text-nozs", false, "bitfit");
    QCOMPARE(more.size(), 2 * 2);  // cells done in the first experiment are other runs
    auto* chart2 = experimentChart(w, "imdb-text-nozs");
    QVERIFY(chart2);
    QCOMPARE(chart2->countRole("line"), 1);
    QCOMPARE(chart2->countRole("zeroShot"), 1);
    QCOMPARE(chart2->data().zeroShotLabel,
             "hand-crafted zero-shot (run #" + std::to_string(zeroShotRun) + ")");
    QVERIFY(std::abs(chart2->data().zeroShot -
                     100.0 * metricOf(*reader, zeroShotRun, "accuracy")) < 1e-9);
    w.close();
  }

  void noZeroShotRunNoReferenceLine() {
    MainWindow w(options());
    const QString path = dir_.filePath("nozs.pdesk");
    QVERIFY(w.createProject(path));
    const QList<quint64> ids = launchExperiment(w, "only-trained", false, "prompt-tuning");
    QCOMPARE(ids.size(), 4);
    auto* chart = experimentChart(w, "only-trained");
    QVERIFY(chart);
    QCOMPARE(chart->countRole("line"), 1);
    QCOMPARE(chart->countRole("zeroShot"), 0);
    QCOMPARE(chart->countRole("zeroShotLine"), 0);
    QVERIFY(std::isnan(chart->data().zeroShot));
    w.close();
  }

  void epochOnlySeriesStayOnEpochs() {
    // Series recorded once per epoch (no step) keep the epoch axis; per-step series use steps.
    const QString path = dir_.filePath("epochs.pdesk");
    auto p = pd::Project::create(path.toStdString());
    pd::RunRecord r;
    r.specId = p->addJobSpec("{\"kind\":\"sim\"}");
    const std::int64_t id = p->createRun(r);
    p->addSeries(id, {{0, 1, "loss", 0.9}, {0, 2, "loss", 0.7}, {0, 3, "loss", 0.5}});
    const pd::charts::TrainingCurvesData d = pd::ui::curvesFromRun(*p, id);
    QCOMPARE(d.xLabel, std::string("Epoch"));
    QCOMPARE(d.curves.size(), size_t(1));
    QCOMPARE(d.curves[0].x, (std::vector<double>{1, 2, 3}));
    const std::int64_t id2 = p->createRun(r);
    p->addSeries(id2, {{3, 0, "train_loss", 0.5}, {1, 0, "train_loss", 0.9},
                       {2, 0, "train_loss", 0.7}, {2, 0, "dev_accuracy", 0.6}});
    const pd::charts::TrainingCurvesData s = pd::ui::curvesFromRun(*p, id2);
    QCOMPARE(s.xLabel, std::string("Step"));
    QCOMPARE(s.y2Label, std::string("Accuracy"));
    for (const auto& c : s.curves)
      if (c.name == "train_loss") {
        QCOMPARE(c.x, (std::vector<double>{1, 2, 3}));
        QCOMPARE(c.y, (std::vector<double>{0.9, 0.7, 0.5}));
      } else {
        QVERIFY(c.rightAxis);
      }
    QCOMPARE(pd::ui::trainedParametersText(31194, 3.0355874), std::string("31,194 params (3.04%)"));
    QCOMPARE(pd::ui::trainedParametersText(128, 0.0029), std::string("128 params (0.0029%)"));
  }
};

QTEST_MAIN(TestTextRuns)
#include "test_text_runs.moc"
