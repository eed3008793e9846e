// FeatureCache: SQLite (WAL) index + shard files. See promptdesk/feature_cache.h.
//   shards(id, file, bytes, rows, dim, last_used)   -- last_used: a global tick (LRU order)
//   features(key PRIMARY KEY, model, shard, row, dim)
//   meta(k PRIMARY KEY, v)                           -- "tick" counter, "version"
#include "promptdesk/feature_cache.h"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>

#include "data/feature_shard.h"
#include "data/prng.h"
#include "promptdesk/error.h"

namespace fs = std::filesystem;

namespace pd {

std::string FeatureKey::str() const {
  return modelHash + "|" + preprocess + "|" + itemHash + "|v" + std::to_string(view) + "|s" +
         std::to_string(viewSeed);
}

namespace {

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql, const std::string& where) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK)
      throw Error(std::string("SQLite: ") + sqlite3_errmsg(db), where);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  // true: a row is available.
  bool step(const std::string& where) {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw Error(std::string("SQLite: ") + sqlite3_errmsg(db_), where);
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::int64_t i64(int c) { return sqlite3_column_int64(s_, c); }
  std::string text(int c) {
    auto* p = sqlite3_column_text(s_, c);
    return p ? reinterpret_cast<const char*>(p) : "";
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

}  // namespace

struct FeatureCache::Impl {
  FeatureCacheOptions opt;
  sqlite3* db = nullptr;
  std::mutex m;
  FeatureCacheStats stats;
  std::string indexPath;

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "error";
      sqlite3_free(err);
      throw Error("SQLite: " + msg + " (" + sql + ")", indexPath);
    }
  }
  // BEGIN IMMEDIATE ... COMMIT, rolled back on exceptions.
  template <typename F>
  void write(F&& body) {
    exec("BEGIN IMMEDIATE");
    try {
      body();
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
  std::int64_t nextTick() {
    exec("UPDATE meta SET v = v + 1 WHERE k = 'tick'");
    Stmt s(db, "SELECT v FROM meta WHERE k = 'tick'", indexPath);
    s.step(indexPath);
    return s.i64(0);
  }
  void removeFiles(const std::vector<std::string>& files) {
    for (auto& f : files) {
      std::error_code ec;
      fs::remove(fs::path(opt.dir) / f, ec);
    }
  }
};

FeatureCache::FeatureCache(FeatureCacheOptions options) : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.opt = std::move(options);
  if (d.opt.dir.empty()) throw Error("no cache folder given", "feature cache");
  std::error_code ec;
  fs::create_directories(fs::path(d.opt.dir) / "shards", ec);
  if (ec) throw Error("cannot create cache folder: " + ec.message(), d.opt.dir);
  d.indexPath = (fs::path(d.opt.dir) / "index.sqlite").string();
  if (sqlite3_open_v2(d.indexPath.c_str(), &d.db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = d.db ? sqlite3_errmsg(d.db) : "cannot open";
    sqlite3_close(d.db);
    d.db = nullptr;
    throw Error("cannot open cache index: " + msg, d.indexPath);
  }
  sqlite3_busy_timeout(d.db, d.opt.busyTimeoutMs);
  try {
    d.exec("PRAGMA journal_mode=WAL");
    d.exec("PRAGMA synchronous=NORMAL");
    d.write([&] {
      d.exec(
          "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER);"
          "INSERT OR IGNORE INTO meta VALUES('tick', 0);"
          "INSERT OR IGNORE INTO meta VALUES('version', 1);"
          "CREATE TABLE IF NOT EXISTS shards(id INTEGER PRIMARY KEY, file TEXT UNIQUE, "
          "  bytes INTEGER, rows INTEGER, dim INTEGER, last_used INTEGER);"
          "CREATE TABLE IF NOT EXISTS features(key TEXT PRIMARY KEY, model TEXT, "
          "  shard INTEGER, row INTEGER, dim INTEGER);"
          "CREATE INDEX IF NOT EXISTS features_shard ON features(shard);"
          "CREATE INDEX IF NOT EXISTS features_model ON features(model);"
          "CREATE INDEX IF NOT EXISTS shards_lru ON shards(last_used);");
    });
  } catch (...) {
    sqlite3_close(d.db);
    d.db = nullptr;
    throw;
  }
}

FeatureCache::~FeatureCache() {
  if (impl_ && impl_->db) sqlite3_close(impl_->db);
}

const FeatureCacheStats& FeatureCache::stats() const { return impl_->stats; }
const std::string& FeatureCache::dir() const { return impl_->opt.dir; }
void FeatureCache::setMaxBytes(std::uint64_t maxBytes) {
  std::lock_guard<std::mutex> lock(impl_->m);
  impl_->opt.maxBytes = maxBytes;
}

std::vector<bool> FeatureCache::get(const std::vector<FeatureKey>& keys,
                                    std::vector<std::vector<float>>* rows) {
  auto& d = *impl_;
  std::lock_guard<std::mutex> lock(d.m);
  std::vector<bool> found(keys.size(), false);
  rows->assign(keys.size(), {});
  struct Want {
    std::size_t k;
    std::uint64_t row;
  };
  std::map<std::pair<std::int64_t, std::string>, std::pair<std::int64_t, std::vector<Want>>> byShard;
  {
    Stmt s(d.db,
           "SELECT f.shard, f.row, f.dim, s.file FROM features f JOIN shards s ON s.id = f.shard "
           "WHERE f.key = ?",
           d.indexPath);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      s.bind(1, keys[i].str());
      if (s.step(d.indexPath)) {
        auto& entry = byShard[{s.i64(0), s.text(3)}];
        entry.first = s.i64(2);
        entry.second.push_back({i, static_cast<std::uint64_t>(s.i64(1))});
      }
      s.reset();
    }
  }
  std::vector<std::int64_t> used;
  for (auto& [shard, entry] : byShard) {
    std::vector<std::uint64_t> r;
    for (auto& w : entry.second) r.push_back(w.row);
    std::vector<std::vector<float>> got;
    const std::string file = (fs::path(d.opt.dir) / shard.second).string();
    if (!data::readFeatureShardRows(file, r, static_cast<std::uint64_t>(entry.first), &got))
      continue;  // evicted meanwhile or damaged: a miss
    for (std::size_t j = 0; j < entry.second.size(); ++j) {
      found[entry.second[j].k] = true;
      (*rows)[entry.second[j].k] = std::move(got[j]);
    }
    used.push_back(shard.first);
  }
  if (!used.empty()) {
    d.write([&] {
      const std::int64_t tick = d.nextTick();
      Stmt u(d.db, "UPDATE shards SET last_used = ? WHERE id = ?", d.indexPath);
      for (auto id : used) {
        u.bind(1, tick).bind(2, id);
        u.step(d.indexPath);
        u.reset();
      }
    });
  }
  for (bool f : found) ++(f ? d.stats.hits : d.stats.misses);
  return found;
}

void FeatureCache::put(const std::vector<FeatureKey>& keys, const float* data, int dim) {
  if (keys.empty()) return;
  if (dim <= 0) throw Error("feature dimension must be positive", "feature cache");
  auto& d = *impl_;
  {
  std::lock_guard<std::mutex> lock(d.m);
  static std::atomic<unsigned> counter{0};
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  const std::string name =
      "shards/" + data::hex64(data::fnv1a64(keys.front().str() + "/" + std::to_string(::getpid()) +
                                            "/" + std::to_string(now) + "/" +
                                            std::to_string(counter++))) +
      ".safetensors";
  const std::string file = (fs::path(d.opt.dir) / name).string();
  data::writeFeatureShard(file, data, keys.size(), static_cast<std::uint64_t>(dim));
  std::error_code sizeEc;
  const auto fileSize = fs::file_size(file, sizeEc);
  const std::int64_t bytes = sizeEc ? static_cast<std::int64_t>(keys.size()) * dim * 4
                                    : static_cast<std::int64_t>(fileSize);
  std::int64_t inserted = 0;
  try {
    d.write([&] {
      const std::int64_t tick = d.nextTick();
      Stmt s(d.db,
             "INSERT INTO shards(file, bytes, rows, dim, last_used) VALUES(?, ?, ?, ?, ?)",
             d.indexPath);
      s.bind(1, name).bind(2, bytes).bind(3, static_cast<std::int64_t>(keys.size()));
      s.bind(4, static_cast<std::int64_t>(dim)).bind(5, tick);
      s.step(d.indexPath);
      const std::int64_t shard = sqlite3_last_insert_rowid(d.db);
      Stmt f(d.db,
             "INSERT OR IGNORE INTO features(key, model, shard, row, dim) VALUES(?, ?, ?, ?, ?)",
             d.indexPath);
      for (std::size_t i = 0; i < keys.size(); ++i) {
        f.bind(1, keys[i].str()).bind(2, keys[i].modelHash).bind(3, shard);
        f.bind(4, static_cast<std::int64_t>(i)).bind(5, static_cast<std::int64_t>(dim));
        f.step(d.indexPath);
        inserted += sqlite3_changes(d.db);
        f.reset();
      }
      if (inserted == 0) {  // every key was stored meanwhile by someone else
        Stmt del(d.db, "DELETE FROM shards WHERE id = ?", d.indexPath);
        del.bind(1, shard);
        del.step(d.indexPath);
      }
    });
  } catch (...) {
    d.removeFiles({name});
    throw;
  }
  if (inserted == 0) d.removeFiles({name});
  d.stats.stored += inserted;
  }
  evictTo(d.opt.maxBytes);  // takes the lock itself
}

std::uint64_t FeatureCache::sizeBytes() {
  auto& d = *impl_;
  std::lock_guard<std::mutex> lock(d.m);
  Stmt s(d.db, "SELECT COALESCE(SUM(bytes), 0) FROM shards", d.indexPath);
  s.step(d.indexPath);
  return static_cast<std::uint64_t>(s.i64(0));
}

std::int64_t FeatureCache::entries() {
  auto& d = *impl_;
  std::lock_guard<std::mutex> lock(d.m);
  Stmt s(d.db, "SELECT COUNT(*) FROM features", d.indexPath);
  s.step(d.indexPath);
  return s.i64(0);
}

int FeatureCache::evictTo(std::uint64_t limitBytes) {
  auto& d = *impl_;
  std::lock_guard<std::mutex> lock(d.m);
  std::vector<std::string> files;
  d.write([&] {
    Stmt total(d.db, "SELECT COALESCE(SUM(bytes), 0) FROM shards", d.indexPath);
    total.step(d.indexPath);
    std::int64_t size = total.i64(0);
    if (size <= static_cast<std::int64_t>(limitBytes)) return;
    std::vector<std::int64_t> ids;
    {
      Stmt lru(d.db, "SELECT id, file, bytes FROM shards ORDER BY last_used ASC, id ASC",
               d.indexPath);
      while (size > static_cast<std::int64_t>(limitBytes) && lru.step(d.indexPath)) {
        ids.push_back(lru.i64(0));
        files.push_back(lru.text(1));
        size -= lru.i64(2);
      }
    }
    Stmt delF(d.db, "DELETE FROM features WHERE shard = ?", d.indexPath);
    Stmt delS(d.db, "DELETE FROM shards WHERE id = ?", d.indexPath);
    for (auto id : ids) {
      delF.bind(1, id);
      delF.step(d.indexPath);
      delF.reset();
      delS.bind(1, id);
      delS.step(d.indexPath);
      delS.reset();
    }
  });
  d.removeFiles(files);
  d.stats.evictedShards += static_cast<std::int64_t>(files.size());
  return static_cast<int>(files.size());
}

std::int64_t FeatureCache::invalidateModel(const std::string& modelHash) {
  auto& d = *impl_;
  std::lock_guard<std::mutex> lock(d.m);
  std::int64_t dropped = 0;
  std::vector<std::string> files;
  d.write([&] {
    Stmt del(d.db, "DELETE FROM features WHERE model = ?", d.indexPath);
    del.bind(1, modelHash);
    del.step(d.indexPath);
    dropped = sqlite3_changes(d.db);
    Stmt dead(d.db,
              "SELECT file FROM shards WHERE NOT EXISTS "
              "(SELECT 1 FROM features WHERE features.shard = shards.id)",
              d.indexPath);
    while (dead.step(d.indexPath)) files.push_back(dead.text(0));
    d.exec(
        "DELETE FROM shards WHERE NOT EXISTS "
        "(SELECT 1 FROM features WHERE features.shard = shards.id)");
  });
  d.removeFiles(files);
  return dropped;
}

void FeatureCache::clear() {
  auto& d = *impl_;
  std::lock_guard<std::mutex> lock(d.m);
  std::vector<std::string> files;
  d.write([&] {
    Stmt all(d.db, "SELECT file FROM shards", d.indexPath);
    while (all.step(d.indexPath)) files.push_back(all.text(0));
    d.exec("DELETE FROM features; DELETE FROM shards;");
  });
  d.removeFiles(files);
}

}  // namespace pd
