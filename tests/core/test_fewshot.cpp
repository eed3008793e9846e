// Few-shot protocols: the generator's reference values, CoOp's k per class / min(k,4) val,
// determinism, short classes, validation from a separate split; LM-BFF's K train + K dev per
// class from the train split, pinned for its seeds.
#include "data/prng.h"

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <set>

#include "promptdesk/dataset.h"
#include "promptdesk/error.h"

namespace fs = std::filesystem;

// Computed once from this algorithm; any change to the generator or sampler breaks them.
#define PINNED_FIRST_ID "class_0/2.png"
#define PINNED_HASH "fa82d2dff59870ce"
// LM-BFF, K = 4, on data.jsonl of 30 rows (line L has label (L-1) % 3). Computed by an
// independent Python re-implementation of prng.h and the sampler (SplitMix64, FNV-1a, partial
// Fisher-Yates per class on ids in byte order), not by this code.
#define LMBFF_HASH_13 "716e3316f006e325"
#define LMBFF_FIRST_13 "data.jsonl:10"
#define LMBFF_FIRST_DEV_13 "data.jsonl:22"
#define LMBFF_HASH_42 "0356642364ee18d0"
#define LMBFF_FIRST_42 "data.jsonl:4"

class TestFewShot : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

  // root/<class>/<i>.png with counts per class (the files need not be real images here).
  std::string makeFolder(const char* name, const std::vector<int>& counts, bool withVal = false) {
    fs::path root = fs::path(tmp_.path().toStdString()) / name;
    for (std::size_t c = 0; c < counts.size(); ++c)
      for (int i = 0; i < counts[c]; ++i)
        for (const char* split :
             withVal ? std::vector<const char*>{"train", "val"} : std::vector<const char*>{""}) {
          fs::path d = root / split / ("class_" + std::to_string(c));
          fs::create_directories(d);
          std::ofstream(d / (std::to_string(i) + ".png")) << c << "/" << i;
        }
    return root.string();
  }

 private Q_SLOTS:
  void splitMix64ReferenceValues() {
    // Reference outputs of Vigna's splitmix64.c for seed 0.
    pd::data::SplitMix64 g(0);
    QCOMPARE(g.next(), 0xE220A8397B1DCDAFull);
    QCOMPARE(g.next(), 0x6E789E6AA1B965F4ull);
    QCOMPARE(g.next(), 0x06C45D188009454Full);
  }

  void pickIsDistinctAndCoversRange() {
    pd::data::SplitMix64 g(42);
    std::vector<int> hist(10, 0);
    for (int t = 0; t < 2000; ++t) {
      auto p = g.pick(10, 3);
      QCOMPARE(std::set<std::size_t>(p.begin(), p.end()).size(), std::size_t(3));
      for (auto i : p) ++hist[i];
    }
    for (int h : hist) QVERIFY2(h > 450 && h < 750, qPrintable(QString::number(h)));  // ~600
    QCOMPARE(g.pick(3, 5).size(), std::size_t(3));
    for (int t = 0; t < 1000; ++t) QVERIFY(g.below(7) < 7);
  }

  void kPerClassAndValFromRest() {
    auto ds = pd::openDataset(makeFolder("ten", {20, 20, 20}));
    pd::FewShotOptions o;
    o.shots = 8;
    o.seed = 3;
    auto s = pd::sampleFewShot(*ds, o);
    QCOMPARE(s.trainIds.size(), std::size_t(24));
    QCOMPARE(s.valIds.size(), std::size_t(12));  // min(8, 4) per class
    QCOMPARE(s.valSplit, std::string("train"));
    std::set<std::string> all(s.trainIds.begin(), s.trainIds.end());
    for (auto& v : s.valIds) QVERIFY2(all.insert(v).second, "val overlaps train");
    const auto& items = ds->items("train");
    for (std::size_t i = 0; i < s.trainIds.size(); ++i) {
      QCOMPARE(items[s.trainIndex[i]].id, s.trainIds[i]);
      QCOMPARE(items[s.trainIndex[i]].label, int(i / 8));
    }
    QCOMPARE(s.shortClasses, 0);
    QVERIFY(s.warnings.empty());
  }

  void deterministicAndSeedSensitive() {
    auto ds = pd::openDataset(makeFolder("det", {30, 30, 30, 30}));
    pd::FewShotOptions o;
    o.shots = 4;
    o.seed = 1;
    auto a = pd::sampleFewShot(*ds, o);
    auto b = pd::sampleFewShot(*ds, o);
    QCOMPARE(a.trainIds, b.trainIds);
    QCOMPARE(a.valIds, b.valIds);
    QCOMPARE(a.idsHash, b.idsHash);
    o.seed = 2;
    auto c = pd::sampleFewShot(*ds, o);
    QVERIFY(a.trainIds != c.trainIds);
    QVERIFY(a.idsHash != c.idsHash);
    // Pinned: the split for (these ids, seed 1) must be the same on every machine and build.
    QCOMPARE(a.trainIds[0], std::string(PINNED_FIRST_ID));
    QCOMPARE(a.idsHash, std::string(PINNED_HASH));
  }

  void itemOrderDoesNotMatter() {
    // The split depends on the ids only, not on where the dataset lives.
    auto ds = pd::openDataset(makeFolder("ord", {12, 12}));
    pd::FewShotOptions o;
    o.shots = 2;
    o.seed = 9;
    auto a = pd::sampleFewShot(*ds, o);
    auto ds2 = pd::openDataset(makeFolder("ord2", {12, 12}));
    auto b = pd::sampleFewShot(*ds2, o);
    QCOMPARE(a.trainIds, b.trainIds);  // ids are relative paths: same in both folders
  }

  void shortClassTakesAllAndWarns() {
    auto ds = pd::openDataset(makeFolder("short", {10, 3, 10}));
    pd::FewShotOptions o;
    o.shots = 5;
    auto s = pd::sampleFewShot(*ds, o);
    QCOMPARE(s.shortClasses, 1);
    QVERIFY(!s.warnings.empty());
    QVERIFY(s.warnings[0].find("class 1 'class 1'") != std::string::npos);
    QCOMPARE(s.trainIds.size(), std::size_t(5 + 3 + 5));
    QCOMPARE(s.valIds.size(), std::size_t(4 + 0 + 4));
  }

  void separateValSplit() {
    auto ds = pd::openDataset(makeFolder("withval", {10, 10}, true));
    QVERIFY(ds->hasSplit("val"));
    pd::FewShotOptions o;
    o.shots = 2;
    auto s = pd::sampleFewShot(*ds, o);
    QCOMPARE(s.valSplit, std::string("val"));
    QCOMPARE(s.valIds.size(), std::size_t(4));  // min(2, 4) = 2 per class
    for (auto& v : s.valIds) QVERIFY(v.rfind("val/", 0) == 0);
    o.shots = 0;
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::sampleFewShot(*ds, o));
    o.shots = 1;
    o.trainSplit = "nope";
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::sampleFewShot(*ds, o));
  }

  // ---- LM-BFF ---------------------------------------------------------------------------------
  std::string makeJsonl(const char* name, int rows) {
    fs::path f = fs::path(tmp_.path().toStdString()) / name / "data.jsonl";
    fs::create_directories(f.parent_path());
    std::ofstream out(f);
    for (int l = 1; l <= rows; ++l)
      out << "{\"text\": \"row " << l << "\", \"label\": " << (l - 1) % 3 << "}\n";
    return f.string();
  }

  void lmbffKTrainKDevFromTrain() {
    auto ds = pd::openDataset(makeJsonl("lm", 30));
    pd::FewShotOptions o;
    o.protocol = "lmbff";
    o.shots = 4;
    o.seed = 13;
    o.valShots = 1;     // not used by lmbff
    o.valSplit = "x";   // not used by lmbff
    auto s = pd::sampleFewShot(*ds, o);
    QCOMPARE(s.protocol, std::string("lmbff"));
    QCOMPARE(s.trainIds.size(), std::size_t(12));
    QCOMPARE(s.valIds.size(), std::size_t(12));  // K dev per class
    QCOMPARE(s.valSplit, std::string("train"));
    QCOMPARE(s.testSplit, std::string());  // this dataset has no test split
    std::set<std::string> all(s.trainIds.begin(), s.trainIds.end());
    for (auto& v : s.valIds) QVERIFY2(all.insert(v).second, "dev overlaps train");
    const auto& items = ds->items("train");
    for (std::size_t i = 0; i < 12; ++i) {
      QCOMPARE(items[s.trainIndex[i]].id, s.trainIds[i]);
      QCOMPARE(items[s.trainIndex[i]].label, int(i / 4));
      QCOMPARE(items[s.valIndex[i]].id, s.valIds[i]);
      QCOMPARE(items[s.valIndex[i]].label, int(i / 4));
    }
    QCOMPARE(s.trainIds[0], std::string(LMBFF_FIRST_13));
    QCOMPARE(s.valIds[0], std::string(LMBFF_FIRST_DEV_13));
    QCOMPARE(s.idsHash, std::string(LMBFF_HASH_13));
    o.seed = 42;
    auto t = pd::sampleFewShot(*ds, o);
    QCOMPARE(t.trainIds[0], std::string(LMBFF_FIRST_42));
    QCOMPARE(t.idsHash, std::string(LMBFF_HASH_42));
    // Not the CoOp split of the same seed (its own streams and hash prefix).
    o.protocol = "coop";
    o.seed = 13;
    o.valShots = -1;
    auto c = pd::sampleFewShot(*ds, o);
    QVERIFY(c.idsHash != s.idsHash);
    QCOMPARE(c.valIds.size(), std::size_t(12));  // min(4, 4)
  }

  void lmbffSeedsShortClassesAndTestSplit() {
    QCOMPARE(pd::lmbffSeeds(), (std::vector<std::uint64_t>{13, 21, 42, 87, 100}));
    QCOMPARE(pd::fewShotProtocols(), (std::vector<std::string>{"coop", "lmbff"}));
    auto ds = pd::openDataset(makeJsonl("lm-seeds", 30));
    pd::FewShotOptions o;
    o.protocol = "lmbff";
    o.shots = 4;
    std::set<std::string> hashes;
    for (auto seed : pd::lmbffSeeds()) {
      o.seed = seed;
      hashes.insert(pd::sampleFewShot(*ds, o).idsHash);
    }
    QCOMPARE(hashes.size(), std::size_t(5));
    o.shots = 7;  // 10 per class < 2K = 14: 7 train + 3 dev, warned
    o.seed = 13;
    auto s = pd::sampleFewShot(*ds, o);
    QCOMPARE(s.shortClasses, 3);
    QCOMPARE(s.trainIds.size(), std::size_t(21));
    QCOMPARE(s.valIds.size(), std::size_t(9));
    QVERIFY2(s.warnings[0].find("took 7 + 3") != std::string::npos, s.warnings[0].c_str());
    o.protocol = "lmbf";
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::sampleFewShot(*ds, o));
    // With a test split (and a dev split, which LM-BFF does not draw from): test is evaluated.
    fs::path root = fs::path(tmp_.path().toStdString()) / "lm-folder";
    fs::create_directories(root);
    std::ofstream(root / "train.jsonl") << "{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":\"b\",\"label\":\"y\"}\n";
    std::ofstream(root / "dev.jsonl") << "{\"text\":\"c\",\"label\":\"x\"}\n";
    std::ofstream(root / "test.jsonl") << "{\"text\":\"d\",\"label\":\"y\"}\n";
    auto f = pd::openDataset(root.string());
    o.protocol = "lmbff";
    o.shots = 1;
    auto fs1 = pd::sampleFewShot(*f, o);
    QCOMPARE(fs1.testSplit, std::string("test"));
    QCOMPARE(fs1.trainIds, (std::vector<std::string>{"train.jsonl:1", "train.jsonl:2"}));
    QVERIFY(fs1.valIds.empty());
  }
};

QTEST_GUILESS_MAIN(TestFewShot)
#include "test_fewshot.moc"
