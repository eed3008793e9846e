// The project file: round trip, migration from a v1 fixture, newer/corrupt files, stale runs,
// concurrent writers, read-only, disk full, moved/changed datasets, job specs, resume.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "project/sqlite_db.h"
#include "promptdesk/error.h"
#include "promptdesk/hash.h"
#include "promptdesk/job_registry.h"
#include "promptdesk/project.h"

#include <QtTest/QtTest>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const pd::Error& e) {
    return e.what();
  }
  return {};
}

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Three Gaussian blobs in 4 dimensions, `n` rows, deterministic.
void writeBlobsCsv(const std::string& path, int n, unsigned seed = 7) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.f, 0.6f);
  std::ofstream out(path);
  out << "f1,f2,f3,f4,label\n";
  for (int i = 0; i < n; ++i) {
    int c = i % 3;
    out << (c == 0 ? 2.f : 0.f) + noise(rng) << "," << (c == 1 ? 2.f : 0.f) + noise(rng) << ","
        << (c == 2 ? 2.f : 0.f) + noise(rng) << "," << noise(rng) << ","
        << (c == 0 ? "cat" : c == 1 ? "dog" : "fox") << "\n";
  }
}

std::int64_t addDummyRun(pd::Project& p, const std::string& exp = "e") {
  std::int64_t spec = p.addJobSpec(json{{"kind", "test"}, {"exp", exp}}.dump());
  pd::RunRecord r;
  r.specId = spec;
  r.experiment = exp;
  r.method = "m";
  return p.createRun(r);
}
}  // namespace

class TestProject : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir tmp_;
  std::string path(const std::string& name) { return tmp_.filePath(QString::fromStdString(name)).toStdString(); }

 private Q_SLOTS:
  void sha256KnownVectors() {
    QCOMPARE(QString::fromStdString(pd::sha256Hex(std::string("abc"))),
             QString("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QCOMPARE(QString::fromStdString(pd::sha256Hex(std::string())),
             QString("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    std::string million(1000000, 'a');
    QCOMPARE(QString::fromStdString(pd::sha256Hex(million)),
             QString("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    QCOMPARE(pd::canonicalJsonHash("{\"b\":1, \"a\":[1,2]}"),
             pd::canonicalJsonHash("{\"a\":[1,2],\"b\":1}"));
  }

  void roundTrip() {
    std::string f = path("round.pdesk");
    {
      auto p = pd::Project::create(f);
      QCOMPARE(p->schemaVersion(), pd::Project::kSchemaVersion);
      QVERIFY(!pd::Project::create(f + "x")->readOnly());
      QVERIFY(!errorOf([&] { pd::Project::create(f); }).empty());  // exists
      std::int64_t m = p->addModel({0, "/m.safetensors", "safetensors", "abc", "{\"dim\":512}"});
      QCOMPARE(p->addModel({0, "/m.safetensors", "safetensors", "abc", "{}"}), m);  // reused
      std::int64_t ds = p->addDataset({0, "pets", "/d.csv", "{}", "def", {"cat", "dog"}});
      std::int64_t sp = p->addSplit({0, ds, "train", 4, 1, {"a", "b", "c"}, ""});
      QCOMPARE(p->split(sp).hash, pd::itemListHash({"a", "b", "c"}));
      p->addTemplate({0, "template", "photo", "{\"text\":\"a photo of a {}\"}"});
      QVERIFY(!errorOf([&] { p->addTemplate({0, "template", "bad", "{nope"}); }).empty());
      std::int64_t spec = p->addJobSpec("{\"kind\":\"coop\",\"b\":2,\"a\":1}");
      QCOMPARE(p->addJobSpec("{\"a\":1,\"kind\":\"coop\",\"b\":2}"), spec);
      QVERIFY(!errorOf([&] { p->addJobSpec("{\"a\":1}"); }).empty());  // no kind
      pd::RunRecord r;
      r.specId = spec;
      r.experiment = "exp";
      r.method = "coop";
      r.shots = 4;
      r.seed = 2;
      r.modelId = m;
      r.datasetId = ds;
      std::int64_t run = p->createRun(r);
      p->setRunState(run, pd::JobState::Running);
      p->addSeries(run, {{1, 0, "loss", 1.5}, {2, 1, "loss", 0.5}});
      p->setFinalMetrics(run, {{"accuracy", 0.75}});
      p->addPredictions(run, {{"a", 0, 1, {0.25f, 0.75f}}, {"b", 1, 1, {0.1f, 0.9f}}});
      for (int s = 1; s <= 4; ++s)
        p->addArtifact({0, run, "checkpoint", "ck", "safetensors", s, 0, ""}, std::string(100, char('0' + s)), 2);
      p->addNote(run, "looks good");
      p->setRunState(run, pd::JobState::Succeeded);
    }
    auto p = pd::Project::open(f);
    pd::ProjectCounts c = p->counts();
    QCOMPARE(c.runs, 1);
    QCOMPARE(c.series, 2);
    QCOMPARE(c.predictions, 2);
    QCOMPARE(c.artifacts, 2);  // keepLast = 2
    pd::RunRecord r = p->run(1);
    QCOMPARE(r.state, pd::JobState::Succeeded);
    QCOMPARE(QString::fromStdString(r.kind), QString("coop"));
    QCOMPARE(r.shots, 4);
    QCOMPARE(r.seed, std::int64_t(2));
    QVERIFY(!r.startedAt.empty() && !r.endedAt.empty());
    QCOMPARE(r.pid, std::int64_t(getpid()));
    QCOMPARE(p->finalMetrics(1).at(0).value, 0.75);
    auto preds = p->predictions(1);
    QCOMPARE(preds.size(), std::size_t(2));
    QCOMPARE(preds[0].scores.at(1), 0.75f);
    auto last = p->lastArtifact(1, "checkpoint");
    QVERIFY(last.has_value());
    QCOMPARE(last->step, std::int64_t(4));
    QCOMPARE(p->artifactBytes(last->id), std::string(100, '4'));
    QCOMPARE(p->dataset(1).classNames.size(), std::size_t(2));
    QCOMPARE(QString::fromStdString(p->notes().at(0).text), QString("looks good"));
    QCOMPARE(p->series(1, "loss").at(1).value, 0.5);
  }

  void migratesV1FixtureWithBackup() {
    std::string f = path("v1.pdesk");
    fs::copy_file(PD_TEST_DATA "/project/v1.pdesk", f);
    auto p = pd::Project::open(f);
    QCOMPARE(p->schemaVersion(), 2);
    QVERIFY(!p->migratedBackupPath().empty());
    QVERIFY(fs::exists(p->migratedBackupPath()));
    QCOMPARE(readFile(p->migratedBackupPath()).substr(0, 16), std::string("SQLite format 3\0", 16));
    {  // the backup is the untouched v1 file
      pd::project::Db b(p->migratedBackupPath(), SQLITE_OPEN_READONLY, "backup");
      QCOMPARE(b.scalar("PRAGMA user_version"), std::int64_t(1));
    }
    QCOMPARE(p->runs().size(), std::size_t(2));
    QCOMPARE(p->run(1).state, pd::JobState::Succeeded);
    QCOMPARE(p->finalMetrics(1).at(0).value, 0.875);
    QCOMPARE(p->run(2).state, pd::JobState::Interrupted);  // left running by a v1 process
    QCOMPARE(p->interruptedOnOpen(), 1);
    // The new tables work.
    p->addPredictions(1, {{"x", 0, 0, {}}});
    p->addNote(0, "migrated");
    p.reset();
    QCOMPARE(pd::Project::open(f)->migratedBackupPath(), std::string());  // no second migration
  }

  void refusesNewerSchema() {
    std::string f = path("newer.pdesk");
    pd::Project::create(f);
    {
      pd::project::Db db(f, SQLITE_OPEN_READWRITE, f);
      db.exec("PRAGMA user_version = 7");
    }
    std::string err = errorOf([&] { pd::Project::open(f); });
    QVERIFY2(err.find("schema version 7") != std::string::npos, err.c_str());
    QVERIFY2(err.find("up to 2") != std::string::npos, err.c_str());
  }

  void refusesCorruptFiles() {
    std::string garbage = path("garbage.pdesk");
    std::string junk(8192, '\0');
    std::mt19937 rng(1);
    for (char& ch : junk) ch = static_cast<char>(rng());
    writeFile(garbage, junk);
    std::string e1 = errorOf([&] { pd::Project::open(garbage); });
    QVERIFY2(e1.find("not a PromptDesk project") != std::string::npos, e1.c_str());

    std::string empty = path("empty.pdesk");
    writeFile(empty, "");
    QVERIFY(errorOf([&] { pd::Project::open(empty); }).find("empty") != std::string::npos);

    std::string other = path("other.sqlite");
    {
      pd::project::Db db(other, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, other);
      db.exec("CREATE TABLE t(x); INSERT INTO t VALUES(1);");
    }
    std::string e2 = errorOf([&] { pd::Project::open(other); });
    QVERIFY2(e2.find("application id") != std::string::npos, e2.c_str());

    std::string full = path("full.pdesk");
    {
      auto p = pd::Project::create(full);
      std::int64_t run = addDummyRun(*p);
      p->addArtifact({0, run, "checkpoint", "", "", 1, 0, ""}, std::string(200000, 'x'));
    }  // closed cleanly: WAL checkpointed into the file
    QVERIFY(!fs::exists(full + "-wal") || fs::file_size(full + "-wal") == 0);
    std::string bytes = readFile(full);
    std::string cut = path("truncated.pdesk");
    writeFile(cut, bytes.substr(0, bytes.size() / 2));
    std::string e3 = errorOf([&] { pd::Project::open(cut); });
    QVERIFY2(e3.find("truncated") != std::string::npos, e3.c_str());
    std::string cut2 = path("truncated2.pdesk");
    writeFile(cut2, bytes.substr(0, 60));
    QVERIFY(!errorOf([&] { pd::Project::open(cut2); }).empty());
    // The intact file still opens.
    QCOMPARE(pd::Project::open(full)->counts().artifacts, std::int64_t(1));
  }

  void staleRunsBecomeInterrupted() {
    std::string f = path("stale.pdesk");
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, nullptr, 0);  // a pid that surely is dead now
    std::int64_t deadRun = 0, liveRun = 0;
    {
      auto p = pd::Project::create(f);
      deadRun = addDummyRun(*p, "a");
      liveRun = addDummyRun(*p, "b");
      p->setRunState(deadRun, pd::JobState::Running);
      p->setRunState(liveRun, pd::JobState::Running);
    }
    {
      pd::project::Db db(f, SQLITE_OPEN_READWRITE, f);
      db.exec("UPDATE runs SET pid=" + std::to_string(child) + " WHERE id=" + std::to_string(deadRun));
    }
    auto p = pd::Project::open(f);
    QCOMPARE(p->interruptedOnOpen(), 1);
    QCOMPARE(p->run(deadRun).state, pd::JobState::Interrupted);
    QVERIFY(!p->run(deadRun).error.empty());
    QCOMPARE(p->run(liveRun).state, pd::JobState::Running);  // this process is alive
  }

  void concurrentWritersNeverCorrupt() {
    std::string f = path("concurrent.pdesk");
    pd::Project::create(f);
    const int perThread = 60;
    std::atomic<int> failures{0};
    std::string firstError;
    std::mutex em;
    auto worker = [&](int t) {
      try {
        auto p = pd::Project::open(f);
        for (int i = 0; i < perThread; ++i) {
          std::int64_t run = addDummyRun(*p, "t" + std::to_string(t) + "-" + std::to_string(i));
          p->setRunState(run, pd::JobState::Running);
          for (int s = 0; s < 5; ++s) p->addSeriesPoint(run, {s, s, "loss", 1.0 / (s + 1)});
          p->setFinalMetrics(run, {{"accuracy", 0.5}});
          p->setRunState(run, pd::JobState::Succeeded);
        }
      } catch (const std::exception& e) {
        ++failures;
        std::lock_guard<std::mutex> l(em);
        firstError = e.what();
      }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) threads.emplace_back(worker, t);
    // A reader (the GUI) keeps reading meanwhile.
    auto reader = pd::Project::open(f);
    for (int i = 0; i < 20; ++i) {
      reader->runs();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (auto& th : threads) th.join();
    QVERIFY2(failures == 0, firstError.c_str());
    auto p = pd::Project::open(f);
    QCOMPARE(p->counts().runs, std::int64_t(3 * perThread));
    QCOMPARE(p->counts().series, std::int64_t(3 * perThread * 5));
    QCOMPARE(p->counts().finals, std::int64_t(3 * perThread));
  }

  void readOnlyOpenLosesNothing() {
    std::string f = path("ro.pdesk");
    {
      auto p = pd::Project::create(f);
      addDummyRun(*p);
    }
    pd::Project::OpenOptions oo;
    oo.readOnly = true;
    auto p = pd::Project::open(f, oo);
    QVERIFY(p->readOnly());
    QCOMPARE(p->runs().size(), std::size_t(1));
    std::string err = errorOf([&] { p->addNote(0, "x"); });
    QVERIFY2(err.find("read-only") != std::string::npos, err.c_str());
    // Save As from a read-only project keeps the work in a writable copy.
    std::string copy = path("ro-copy.pdesk");
    p->saveAs(copy);
    QVERIFY(!p->readOnly());
    QCOMPARE(p->path(), copy);
    p->addNote(0, "kept");
    QCOMPARE(pd::Project::open(copy)->notes().size(), std::size_t(1));
    if (geteuid() != 0) {  // root can write anything: the permission case needs a normal user
      fs::permissions(f, fs::perms::owner_read | fs::perms::group_read);
      auto q = pd::Project::open(f);
      QVERIFY(q->readOnly());
      QVERIFY(q->readOnlyReason().find("not writable") != std::string::npos);
      fs::permissions(f, fs::perms::owner_read | fs::perms::owner_write);
    }
  }

  void diskFullFailsCleanly() {
    std::string f = path("full-disk.pdesk");
    auto p = pd::Project::create(f);
    std::int64_t keep = addDummyRun(*p);
    p->setFinalMetrics(keep, {{"accuracy", 0.9}});
    std::int64_t run = addDummyRun(*p);
    p->setSizeLimitBytes(256 * 1024);
    std::vector<pd::Prediction> preds;
    for (int i = 0; i < 20000; ++i)
      preds.push_back({"item-" + std::to_string(i), 1, 1, std::vector<float>(16, 0.5f)});
    std::string err = errorOf([&] { p->addPredictions(run, preds); });
    QVERIFY2(err.find("full") != std::string::npos, err.c_str());
    QCOMPARE(p->counts().predictions, std::int64_t(0));  // nothing half-written
    p->setRunState(run, pd::JobState::Failed, err);
    p.reset();
    auto q = pd::Project::open(f);
    QCOMPARE(q->finalMetrics(keep).at(0).value, 0.9);
    QCOMPARE(q->run(run).state, pd::JobState::Failed);
  }

  void movedOrChangedDataIsDetected() {
    std::string f = path("reloc.pdesk");
    std::string data = path("data.csv");
    writeFile(data, "a,label\n1,x\n2,y\n");
    auto p = pd::Project::create(f);
    std::int64_t ds = p->addDataset({0, "d", data, "{}", pd::sha256File(data), {"x", "y"}});
    QCOMPARE(p->checkDataset(ds), pd::FileCheck::Ok);
    std::string moved = path("moved.csv");
    fs::rename(data, moved);
    QCOMPARE(p->checkDataset(ds), pd::FileCheck::Missing);
    QVERIFY(errorOf([&] { p->requireDatasetUnchanged(ds); }).find("moved") != std::string::npos);
    std::string other = path("other.csv");
    writeFile(other, "a,label\n1,x\n3,y\n");
    QVERIFY(errorOf([&] { p->relocateDataset(ds, other); }).find("not the recorded") !=
            std::string::npos);
    QCOMPARE(p->dataset(ds).path, data);  // unchanged after the refused relocation
    p->relocateDataset(ds, moved);
    QCOMPARE(p->checkDataset(ds), pd::FileCheck::Ok);
    writeFile(moved, "a,label\n1,x\n2,z\n");
    QCOMPARE(p->checkDataset(ds), pd::FileCheck::Changed);
    QVERIFY(errorOf([&] { p->requireDatasetUnchanged(ds); }).find("changed") != std::string::npos);
  }

  void jobSpecsAreValidated() {
    auto kinds = pd::jobKinds();
    QVERIFY(!kinds.empty());
    auto info = pd::jobKindInfo("linear-probe-csv");
    QVERIFY(info.has_value());
    QVERIFY(info->options.size() > 5);
    json n = json::parse(pd::normalizeJobSpec("{\"kind\":\"linear-probe-csv\",\"csv\":\"x.csv\"}"));
    QCOMPARE(n["epochs"].get<int>(), 30);
    QCOMPARE(n["optimizer"].get<std::string>(), std::string("sgd"));
    QVERIFY(errorOf([] { pd::normalizeJobSpec("{\"kind\":\"nope\"}"); }).find("unknown job kind") !=
            std::string::npos);
    QVERIFY(errorOf([] { pd::normalizeJobSpec("{\"kind\":\"linear-probe-csv\"}"); })
                .find("linear-probe-csv.csv") != std::string::npos);
    QVERIFY(errorOf([] {
              pd::normalizeJobSpec("{\"kind\":\"linear-probe-csv\",\"csv\":\"a\",\"epochs\":0}");
            }).find("minimum") != std::string::npos);
    QVERIFY(errorOf([] {
              pd::normalizeJobSpec("{\"kind\":\"linear-probe-csv\",\"csv\":\"a\",\"epoch\":3}");
            }).find("unknown option") != std::string::npos);
    QVERIFY(errorOf([] {
              pd::normalizeJobSpec("{\"kind\":\"linear-probe-csv\",\"csv\":\"a\",\"lr\":\"x\"}");
            }).find("expected a number") != std::string::npos);
  }

  void linearProbeRunsAndResumesDeterministically() {
    std::string f = path("probe.pdesk");
    std::string csv = path("blobs.csv");
    writeBlobsCsv(csv, 600);
    pd::Project::create(f);
    json spec = {{"kind", "linear-probe-csv"}, {"csv", csv}, {"epochs", 6}, {"shots", 40},
                 {"seed", 3}, {"experiment", "blobs"}, {"batch_size", 16}};
    // Uninterrupted reference run.
    auto a = pd::ProjectJob::newRun(f, spec.dump());
    pd::runJobInProject(a);
    // Same spec, cancelled after epoch 3, then resumed.
    spec["method"] = "linear-probe-resumed";
    auto b = pd::ProjectJob::newRun(f, spec.dump());
    {
      pd::JobRunner runner({1, 1});
      std::atomic<bool> cancelAsked{false};
      pd::JobId id = 0;
      runner.setListener([&](const pd::JobEvent& e) {
        if (e.step == 3 && !cancelAsked.exchange(true)) runner.cancel(e.id);
      });
      id = runner.submit(b);
      runner.wait(id);
      QCOMPARE(runner.state(id), pd::JobState::Cancelled);
    }
    auto p = pd::Project::open(f);
    QCOMPARE(p->run(a->runId()).state, pd::JobState::Succeeded);
    QCOMPARE(p->run(b->runId()).state, pd::JobState::Cancelled);
    QCOMPARE(p->series(b->runId(), "train_loss").size(), std::size_t(3));
    pd::runJobInProject(pd::ProjectJob::resume(f, b->runId()));
    pd::RunRecord rb = p->run(b->runId());
    QVERIFY2(rb.state == pd::JobState::Succeeded, rb.error.c_str());
    auto la = p->series(a->runId(), "train_loss"), lb = p->series(b->runId(), "train_loss");
    QCOMPARE(lb.size(), std::size_t(6));
    for (std::size_t i = 0; i < la.size(); ++i) QCOMPARE(lb[i].value, la[i].value);
    auto fa = p->finalMetrics(a->runId()), fb = p->finalMetrics(b->runId());
    QCOMPARE(fa.size(), fb.size());
    for (std::size_t i = 0; i < fa.size(); ++i) QCOMPARE(fb[i].value, fa[i].value);
    double acc = 0;
    for (auto& m : fa)
      if (m.name == "accuracy") acc = m.value;
    QVERIFY2(acc > 0.8, qPrintable(QString("accuracy %1").arg(acc)));
    QCOMPARE(p->predictions(a->runId()).size(), std::size_t(150));  // 25 % of 600
    QVERIFY(p->artifacts(a->runId()).size() <= 3);  // 2 checkpoints kept + final weights
    QCOMPARE(p->run(a->runId()).shots, 40);
    QVERIFY(!p->run(a->runId()).splitHash.empty());
    QCOMPARE(p->run(a->runId()).splitHash, p->run(b->runId()).splitHash);
    // A run whose dataset changed is not resumed on different data.
    auto c = pd::ProjectJob::newRun(f, spec.dump());
    pd::runJobInProject(c);
    p->setRunState(c->runId(), pd::JobState::Interrupted, "test");
    writeBlobsCsv(csv, 600, 99);
    pd::runJobInProject(pd::ProjectJob::resume(f, c->runId()));
    QCOMPARE(p->run(c->runId()).state, pd::JobState::Failed);
    QVERIFY(p->run(c->runId()).error.find("changed") != std::string::npos);
    QVERIFY(!errorOf([&] { pd::ProjectJob::resume(f, a->runId()); }).empty());  // succeeded
  }

  void recentProjectsList() {
    qputenv("PROMPTDESK_DATA", tmp_.filePath("data").toUtf8());
    QVERIFY(pd::recentProjects().empty());
    pd::addRecentProject(path("a.pdesk"));
    pd::addRecentProject(path("b.pdesk"));
    pd::addRecentProject(path("a.pdesk"));
    auto r = pd::recentProjects();
    QCOMPARE(r.size(), std::size_t(2));
    QCOMPARE(r[0], path("a.pdesk"));
    pd::removeRecentProject(path("a.pdesk"));
    QCOMPARE(pd::recentProjects().size(), std::size_t(1));
  }
};

QTEST_GUILESS_MAIN(TestProject)
#include "test_project.moc"
