// The model manager over real checkpoints: a safetensors file is inspected in a job (architecture,
// parameter count, SHA-256); an OpenAI TorchScript .pt is converted by promptdesk-cli in a child
// process (memory and time limited) into <project>/models/*.safetensors; a corrupt file, a too
// small memory limit and a too short time limit each say "this file is not a valid CLIP
// checkpoint: <reason>" and leave the project untouched.
#include <QDir>
#include <QLabel>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <fstream>
#include <random>

#include "jobs/job_dock.h"
#include "main_window.h"
#include "models/model_manager.h"
#include "promptdesk/hash.h"
#include "promptdesk/project.h"
#include "ui_test_util.h"

using pd::JobState;
using pd::ui::MainWindow;
using pd::ui::ModelManager;

namespace {
bool ended(JobState s) { return s != JobState::Queued && s != JobState::Running; }

QString archValue(ModelManager* mm, const QString& key) {
  QTableWidget* t = mm->architectureTable();
  for (int r = 0; r < t->rowCount(); ++r)
    if (t->item(r, 0)->text() == key) return t->item(r, 1)->text();
  return {};
}
}  // namespace

class TestModelManager : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

  pd::ui::MainWindowOptions options() const {
    pd::ui::MainWindowOptions o;
    o.settingsFile = dir_.filePath("settings.ini");
    o.confirmCloseWithJobs = [] { return true; };
    o.cliPath = QStringLiteral(PD_BIN_DIR "/promptdesk-cli");
    return o;
  }

  // Adds `file` and waits for the job; returns its final state.
  JobState add(MainWindow& w, const QString& file, quint64* id = nullptr) {
    const quint64 job = w.addModelFile(file);
    if (id) *id = job;
    if (!job) return JobState::Failed;
    QElapsedTimer t;
    t.start();
    while (!ended(w.jobs()->stateOf(job)) && t.elapsed() < 60000) QTest::qWait(20);
    return w.jobs()->stateOf(job);
  }

 private slots:
  void safetensorsAndTorchScript() {
    MainWindow w(options());
    w.resize(1300, 800);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.createProject(dir_.filePath("m.pdesk")));
    QVERIFY(w.openModelManager() >= 0);
    auto* mm = qobject_cast<ModelManager*>(w.workArea()->currentWidget());
    QVERIFY(mm);
    QCOMPARE(mm->modelCount(), 0);
    QVERIFY(mm->summaryLabel()->text().contains("No model yet"));

    // safetensors: inspected in-process (no TorchScript involved).
    const QString st = QStringLiteral(PD_TEST_DATA "/clip-tiny-vit/model.safetensors");
    quint64 id = 0;
    QCOMPARE(add(w, st, &id), JobState::Succeeded);
    QCOMPARE(mm->modelCount(), 1);
    QCOMPARE(archValue(mm, "embed_dim"), QString("32"));
    QCOMPARE(archValue(mm, "vision_patch_size"), QString("8"));
    QCOMPARE(archValue(mm, "transformer_heads"), QString("2"));  // from config.json beside it
    QCOMPARE(archValue(mm, "vision"), QString("vit"));
    QVERIFY(!archValue(mm, "parameter_count").isEmpty());
    const QString sha = QString::fromStdString(pd::sha256File(st.toStdString()));
    QVERIFY(mm->summaryLabel()->text().contains(sha));
    QVERIFY(mm->errorLabel()->isHidden());
    const QString stParams = archValue(mm, "parameter_count");

    // OpenAI TorchScript: converted by promptdesk-cli in a child process, written beside the
    // project, recorded; the same weights, so the same parameter count.
    const QString pt = QStringLiteral(PD_TEST_DATA "/clip-tiny-vit/openai-jit.pt");
    QCOMPARE(add(w, pt, &id), JobState::Succeeded);
    const QString converted = dir_.filePath("models/openai-jit.safetensors");
    QVERIFY(QFileInfo::exists(converted));
    QCOMPARE(mm->modelCount(), 2);
    QCOMPARE(mm->selectedModel(), w.project()->models().back().id);
    QCOMPARE(QString::fromStdString(w.project()->models().back().path), converted);
    QCOMPARE(archValue(mm, "parameter_count"), stParams);
    QCOMPARE(archValue(mm, "transformer_heads"), QString("2"));  // config kept in the metadata
    // A Hugging Face CLIPModel folder: read in-process (safetensors inside), hashed over its
    // manifest (pd::sha256Path), architecture from its config.json.
    const QString hf = QStringLiteral(PD_TEST_DATA "/clip-tiny-vit-hf");
    QCOMPARE(add(w, hf, &id), JobState::Succeeded);
    QCOMPARE(mm->modelCount(), 3);
    QCOMPARE(archValue(mm, "embed_dim"), QString("32"));
    QVERIFY(mm->summaryLabel()->text().contains(
        QString::fromStdString(pd::sha256Path(hf.toStdString()))));
    QCOMPARE(QString::fromStdString(w.project()->models().back().contentHash),
             QString::fromStdString(pd::sha256Path(hf.toStdString())));
    QCOMPARE(archValue(mm, "Family"), QString("CLIP"));
    QCOMPARE(archValue(mm, "Image tower"), QString("ViT, patch 8"));
    // A text model's folder (BERT): the family's facts (vocabulary, layers, heads, positions).
    const QString bert = QStringLiteral(PD_TEST_DATA "/text/models/bert-tiny");
    QCOMPARE(add(w, bert, &id), JobState::Succeeded);
    QCOMPARE(mm->modelCount(), 4);
    QCOMPARE(archValue(mm, "Family"), QString("BERT (masked LM)"));
    QCOMPARE(archValue(mm, "Vocabulary"), QString("30522"));
    QCOMPARE(archValue(mm, "Layers"), QString("2"));
    QCOMPARE(archValue(mm, "Width / heads"), QString("32 / 2"));
    QCOMPARE(archValue(mm, "Positions"), QString("64 (inputs up to 64 tokens)"));
    QCOMPARE(archValue(mm, "LM head"), QString("tied to the word embeddings"));
    QCOMPARE(mm->modelTable()->item(3, 2)->text(), QString("BERT masked LM, 2 layers, width 32"));
    pd::test::saveShot(&w, "model_manager.png");
  }

  void badFilesLeaveTheProjectUntouched() {
    pd::ui::MainWindowOptions o = options();
    MainWindow w(o);
    w.resize(1300, 800);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const QString project = dir_.filePath("bad/bad.pdesk");
    QDir().mkpath(dir_.filePath("bad"));
    QVERIFY(w.createProject(project));
    w.openModelManager();
    auto* mm = qobject_cast<ModelManager*>(w.workArea()->currentWidget());
    QVERIFY(mm);

    // Random bytes named .pt: the importer refuses them.
    const QString junk = dir_.filePath("junk.pt");
    {
      std::ofstream out(junk.toStdString(), std::ios::binary);
      std::mt19937 rng(3);
      for (int i = 0; i < 200000; ++i) out.put(char(rng() & 0xff));
    }
    quint64 id = 0;
    QCOMPARE(add(w, junk, &id), JobState::Failed);
    const QString err = w.jobs()->errorOf(id);
    QVERIFY2(err.startsWith("this file is not a valid CLIP checkpoint: "), qPrintable(err));
    QVERIFY(err.contains("junk.pt"));
    QVERIFY(mm->errorLabel()->isVisible());
    QCOMPARE(mm->errorLabel()->text(), err);
    QCOMPARE(w.lastModelError(), err);
    qInfo("corrupt .pt: %s", qPrintable(err));
    pd::test::saveShot(&w, "model_manager_error.png");

    // A checkpoint that needs more memory than allowed: the child process hits RLIMIT_AS.
    o.importMemoryLimitBytes = qint64(64) << 20;
    MainWindow small(o);
    QVERIFY(small.openProject(project));
    QCOMPARE(add(small, QStringLiteral(PD_TEST_DATA "/clip-tiny-vit/openai-jit.pt"), &id),
             JobState::Failed);
    QVERIFY2(small.jobs()->errorOf(id).startsWith("this file is not a valid CLIP checkpoint: "),
             qPrintable(small.jobs()->errorOf(id)));
    QVERIFY2(small.jobs()->errorOf(id).contains("more memory than the 0.1 GiB allowed"),
             qPrintable(small.jobs()->errorOf(id)));
    qInfo("64 MiB limit: %s", qPrintable(small.jobs()->errorOf(id)));

    // A time limit shorter than the import: killed and reported.
    o.importMemoryLimitBytes = qint64(8) << 30;
    o.importTimeoutMs = 1;
    MainWindow slow(o);
    QVERIFY(slow.openProject(project));
    QCOMPARE(add(slow, QStringLiteral(PD_TEST_DATA "/clip-tiny-vit/openai-jit.pt"), &id),
             JobState::Failed);
    QVERIFY2(slow.jobs()->errorOf(id).contains("allowed and was stopped"),
             qPrintable(slow.jobs()->errorOf(id)));

    // A safetensors file that is not CLIP.
    const QString notClip = QStringLiteral(PD_TEST_DATA "/clip-tiny-vit/golden.safetensors");
    QCOMPARE(add(w, notClip, &id), JobState::Failed);
    QVERIFY2(w.jobs()->errorOf(id).startsWith("this file is not a valid CLIP checkpoint: "),
             qPrintable(w.jobs()->errorOf(id)));
    qInfo("not CLIP: %s", qPrintable(w.jobs()->errorOf(id)));

    // Nothing was recorded and nothing was left in models/.
    QVERIFY(pd::Project::open(project.toStdString())->models().empty());
    QVERIFY(QDir(dir_.filePath("bad/models")).entryList(QDir::Files).isEmpty());
    QCOMPARE(mm->modelCount(), 0);
    QVERIFY(w.isVisible());
  }
};

QTEST_MAIN(TestModelManager)
#include "test_model_manager.moc"
