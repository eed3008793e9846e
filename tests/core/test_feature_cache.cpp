// Feature cache: hit/miss, invalidation by every key part, LRU eviction, threads and processes
// filling one cache at once, vanished shards, augmented views.
#include "data/augment.h"
#include "data/cached_features.h"

#include <sys/wait.h>
#include <unistd.h>

#include <QtTest/QtTest>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "promptdesk/dataset.h"
#include "promptdesk/error.h"
#include "promptdesk/feature_cache.h"

namespace fs = std::filesystem;
using pd::data::FeatureRequest;

namespace {

// A fake "image tower": features derived from the key's item hash and view, dim 8.
struct FakeExtractor {
  std::atomic<int> calls{0}, rows{0};
  at::Tensor operator()(const std::vector<const FeatureRequest*>& batch) {
    ++calls;
    rows += static_cast<int>(batch.size());
    at::Tensor t = at::empty({static_cast<long>(batch.size()), 8});
    for (std::size_t i = 0; i < batch.size(); ++i) {
      std::uint64_t h = std::stoull(batch[i]->key.itemHash, nullptr, 16) + batch[i]->key.view;
      for (int j = 0; j < 8; ++j) t[i][j] = static_cast<float>((h >> (j * 8)) & 0xff) / 255.f;
    }
    return t;
  }
};

pd::data::FeatureExtractor wrap(FakeExtractor& fx) {
  return [&fx](const std::vector<const FeatureRequest*>& b) { return fx(b); };
}

}  // namespace

class TestFeatureCache : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  std::unique_ptr<pd::Dataset> ds_;

  std::string cacheDir(const char* name) {
    return (fs::path(tmp_.path().toStdString()) / name).string();
  }
  std::vector<FeatureRequest> requests(const std::string& model = "m1",
                                       const std::string& prep = "p1", int views = 0) {
    return pd::data::makeFeatureRequests(*ds_, ds_->items("train"), model, prep, views, 7);
  }

 private Q_SLOTS:
  void initTestCase() {
    fs::path root = fs::path(tmp_.path().toStdString()) / "data";
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 20; ++i) {
        fs::create_directories(root / ("c" + std::to_string(c)));
        std::ofstream(root / ("c" + std::to_string(c)) / (std::to_string(i) + ".png"))
            << "content " << c << " " << i;
      }
    ds_ = pd::openDataset(root.string());
    QCOMPARE(ds_->items("train").size(), std::size_t(60));
  }

  void missThenHit() {
    pd::FeatureCache cache({cacheDir("c1")});
    FakeExtractor fx;
    auto req = requests();
    pd::data::CachedFeatureRun run;
    at::Tensor a = pd::data::cachedFeatures(cache, req, wrap(fx), 16, {}, &run);
    QCOMPARE(run.misses, std::int64_t(60));
    QCOMPARE(run.hits, std::int64_t(0));
    QCOMPARE(fx.calls.load(), 4);  // 16 + 16 + 16 + 12
    QCOMPARE(a.sizes(), (at::IntArrayRef{60, 8}));
    at::Tensor b = pd::data::cachedFeatures(cache, req, wrap(fx), 16, {}, &run);
    QCOMPARE(run.hits, std::int64_t(60));
    QCOMPARE(fx.calls.load(), 4);
    QVERIFY(at::equal(a, b));
    QCOMPARE(cache.entries(), std::int64_t(60));
    // A new object on the same folder (another job) sees the same features.
    pd::FeatureCache again({cacheDir("c1")});
    at::Tensor c = pd::data::cachedFeatures(again, req, wrap(fx), 16, {}, &run);
    QCOMPARE(run.hits, std::int64_t(60));
    QVERIFY(at::equal(a, c));
  }

  void everyKeyPartInvalidates() {
    pd::FeatureCache cache({cacheDir("c2")});
    FakeExtractor fx;
    pd::data::CachedFeatureRun run;
    pd::data::cachedFeatures(cache, requests("m1", "p1"), wrap(fx), 64, {}, &run);
    pd::data::cachedFeatures(cache, requests("m2", "p1"), wrap(fx), 64, {}, &run);
    QCOMPARE(run.misses, std::int64_t(60));  // other model
    pd::data::cachedFeatures(cache, requests("m1", "p2"), wrap(fx), 64, {}, &run);
    QCOMPARE(run.misses, std::int64_t(60));  // other preprocessing
    pd::data::cachedFeatures(cache, requests("m1", "p1", 2), wrap(fx), 64, {}, &run);
    QCOMPARE(run.misses, std::int64_t(120));  // augmented views are their own keys
    pd::data::cachedFeatures(cache, requests("m1", "p1", 2), wrap(fx), 64, {}, &run);
    QCOMPARE(run.hits, std::int64_t(120));
    // Item content changed -> its hash changes -> miss for that item only.
    auto req = requests("m1", "p1");
    req[5].key.itemHash = pd::hashHex("edited");
    pd::data::cachedFeatures(cache, req, wrap(fx), 64, {}, &run);
    QCOMPARE(run.misses, std::int64_t(1));
    QCOMPARE(cache.invalidateModel("m2"), std::int64_t(60));
    pd::data::cachedFeatures(cache, requests("m2", "p1"), wrap(fx), 64, {}, &run);
    QCOMPARE(run.misses, std::int64_t(60));
  }

  void lruEviction() {
    pd::FeatureCacheOptions o{cacheDir("c3")};
    pd::FeatureCache cache(o);
    FakeExtractor fx;
    auto req = requests();
    std::vector<FeatureRequest> a(req.begin(), req.begin() + 10), b(req.begin() + 10, req.begin() + 20),
        c(req.begin() + 20, req.begin() + 30);
    pd::data::CachedFeatureRun run;
    pd::data::cachedFeatures(cache, a, wrap(fx), 10, {}, &run);
    const std::uint64_t shard = cache.sizeBytes();  // one shard of 10 x 8 floats
    QVERIFY(shard >= 320);
    const std::uint64_t limit = 2 * shard + shard / 2;  // room for two shards
    cache.setMaxBytes(limit);
    pd::data::cachedFeatures(cache, b, wrap(fx), 10, {}, &run);
    pd::data::cachedFeatures(cache, a, wrap(fx), 10, {}, &run);  // touch a: b is now the LRU
    QCOMPARE(run.hits, std::int64_t(10));
    pd::data::cachedFeatures(cache, c, wrap(fx), 10, {}, &run);
    QVERIFY(cache.sizeBytes() <= limit);
    QCOMPARE(cache.stats().evictedShards, std::int64_t(1));
    pd::data::cachedFeatures(cache, a, wrap(fx), 10, {}, &run);
    QCOMPARE(run.hits, std::int64_t(10));
    pd::data::cachedFeatures(cache, b, wrap(fx), 10, {}, &run);
    QCOMPARE(run.misses, std::int64_t(10));  // b was evicted
    int files = 0;
    for (auto& e : fs::directory_iterator(fs::path(o.dir) / "shards")) files += e.is_regular_file();
    QCOMPARE(files, 2);  // evicted shard files are deleted
  }

  void vanishedShardIsAMiss() {
    pd::FeatureCache cache({cacheDir("c4")});
    FakeExtractor fx;
    pd::data::CachedFeatureRun run;
    auto req = requests();
    at::Tensor a = pd::data::cachedFeatures(cache, req, wrap(fx), 64, {}, &run);
    for (auto& e : fs::directory_iterator(fs::path(cacheDir("c4")) / "shards")) fs::remove(e.path());
    at::Tensor b = pd::data::cachedFeatures(cache, req, wrap(fx), 64, {}, &run);
    QCOMPARE(run.misses, std::int64_t(60));
    QVERIFY(at::equal(a, b));
  }

  void threadsFillOneCache() {
    const std::string dir = cacheDir("c5");
    auto req = requests();
    FakeExtractor ref;
    pd::FeatureCache refCache({cacheDir("c5ref")});
    at::Tensor expected = pd::data::cachedFeatures(refCache, req, wrap(ref), 64);
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        try {
          pd::FeatureCache cache({dir});  // one connection per job, like separate jobs
          FakeExtractor fx;
          auto mine = req;
          if (t % 2) std::reverse(mine.begin(), mine.end());
          at::Tensor got = pd::data::cachedFeatures(cache, mine, wrap(fx), 5);
          if (t % 2) got = got.flip(0);
          if (!at::equal(got, expected)) ++failures;
        } catch (const std::exception& e) {
          qWarning("thread %d: %s", t, e.what());
          ++failures;
        }
      });
    for (auto& th : threads) th.join();
    QCOMPARE(failures.load(), 0);
    pd::FeatureCache cache({dir});
    QCOMPARE(cache.entries(), std::int64_t(60));
    FakeExtractor fx;
    pd::data::CachedFeatureRun run;
    at::Tensor got = pd::data::cachedFeatures(cache, req, wrap(fx), 64, {}, &run);
    QCOMPARE(run.hits, std::int64_t(60));
    QVERIFY(at::equal(got, expected));
  }

  void processesFillOneCache() {
    // Two child processes (torch-free: the raw FeatureCache API) race on the same keys.
    const std::string dir = cacheDir("c6");
    std::vector<pd::FeatureKey> keys;
    for (int i = 0; i < 200; ++i) keys.push_back({"m", "p", pd::hashHex(std::to_string(i)), 0, 0});
    auto rowOf = [](int i) {
      std::vector<float> r(4);
      for (int j = 0; j < 4; ++j) r[j] = float(i * 10 + j);
      return r;
    };
    std::vector<pid_t> kids;
    for (int k = 0; k < 2; ++k) {
      pid_t pid = fork();
      if (pid == 0) {
        int rc = 0;
        try {
          pd::FeatureCache cache({dir});
          for (int s = 0; s < 200; s += 10) {
            std::vector<pd::FeatureKey> batch(keys.begin() + s, keys.begin() + s + 10);
            std::vector<float> data;
            for (int i = s; i < s + 10; ++i) {
              auto r = rowOf(i);
              data.insert(data.end(), r.begin(), r.end());
            }
            std::vector<std::vector<float>> rows;
            cache.get(batch, &rows);
            cache.put(batch, data.data(), 4);
          }
        } catch (...) {
          rc = 3;
        }
        _exit(rc);
      }
      QVERIFY(pid > 0);
      kids.push_back(pid);
    }
    for (pid_t pid : kids) {
      int status = 0;
      QCOMPARE(waitpid(pid, &status, 0), pid);
      QVERIFY(WIFEXITED(status));
      QCOMPARE(WEXITSTATUS(status), 0);
    }
    pd::FeatureCache cache({dir});
    QCOMPARE(cache.entries(), std::int64_t(200));
    std::vector<std::vector<float>> rows;
    auto found = cache.get(keys, &rows);
    for (int i = 0; i < 200; ++i) {
      QVERIFY(found[i]);
      QCOMPARE(rows[i], rowOf(i));
    }
  }

  void wrongShapeIsAnError() {
    pd::FeatureCache cache({cacheDir("c7")});
    auto req = requests();
    pd::data::FeatureExtractor bad = [](const std::vector<const FeatureRequest*>& b) {
      return at::zeros({static_cast<long>(b.size()) + 1, 4});
    };
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::data::cachedFeatures(cache, req, bad, 8));
  }

  void augmentedViewsAreSeeded() {
    pd::Image img;
    img.width = 40;
    img.height = 30;
    img.channels = 3;
    img.pixels.resize(40 * 30 * 3);
    for (std::size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = std::uint8_t(i * 13);
    auto a = pd::data::randomResizedCropFlip(img, 16, 5);
    auto b = pd::data::randomResizedCropFlip(img, 16, 5);
    auto c = pd::data::randomResizedCropFlip(img, 16, 6);
    QCOMPARE(a.width, 16);
    QCOMPARE(a.pixels.size(), std::size_t(16 * 16 * 3));
    QVERIFY(a.pixels == b.pixels);
    QVERIFY(a.pixels != c.pixels);
    int flips = 0;
    for (std::uint64_t s = 0; s < 200; ++s) {
      auto box = pd::data::sampleResizedCrop(30, 40, s);
      QVERIFY(box.top >= 0 && box.left >= 0 && box.height >= 1 && box.width >= 1);
      QVERIFY(box.top + box.height <= 30 && box.left + box.width <= 40);
      flips += box.flip;
    }
    QVERIFY(flips > 60 && flips < 140);
    QVERIFY(pd::data::viewSeed(1, "abc", 1) != pd::data::viewSeed(1, "abc", 2));
  }
};

QTEST_GUILESS_MAIN(TestFeatureCache)
#include "test_feature_cache.moc"
