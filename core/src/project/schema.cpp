#include "project/schema.h"

#include <fstream>

#include "promptdesk/error.h"

namespace pd::project {

const std::vector<std::string>& migrations() {
  static const std::vector<std::string> m = {
      // 0 -> 1: the first release: models, datasets, job specs, runs, series, final metrics.
      R"SQL(
CREATE TABLE models (
  id INTEGER PRIMARY KEY, path TEXT NOT NULL, format TEXT NOT NULL, hash TEXT NOT NULL,
  arch TEXT NOT NULL DEFAULT '{}', added_at TEXT NOT NULL DEFAULT '');
CREATE TABLE datasets (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '', path TEXT NOT NULL,
  spec TEXT NOT NULL DEFAULT '{}', hash TEXT NOT NULL, class_names TEXT NOT NULL DEFAULT '[]',
  added_at TEXT NOT NULL DEFAULT '');
CREATE TABLE job_specs (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, json TEXT NOT NULL, hash TEXT NOT NULL UNIQUE);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY, spec_id INTEGER NOT NULL REFERENCES job_specs(id),
  state TEXT NOT NULL CHECK (state IN
    ('queued','running','succeeded','failed','cancelled','interrupted')),
  started_at TEXT NOT NULL DEFAULT '', ended_at TEXT NOT NULL DEFAULT '',
  host TEXT NOT NULL DEFAULT '', app_version TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '', experiment TEXT NOT NULL DEFAULT '',
  method TEXT NOT NULL DEFAULT '', shots INTEGER NOT NULL DEFAULT 0,
  seed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE metric_series (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL, epoch INTEGER NOT NULL DEFAULT -1, name TEXT NOT NULL,
  value REAL NOT NULL);
CREATE INDEX metric_series_run ON metric_series(run_id, name, step);
CREATE TABLE final_metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, name TEXT NOT NULL,
  value REAL NOT NULL, PRIMARY KEY (run_id, name));
)SQL",
      // 1 -> 2: crash-safety ownership (pid, process start, host), templates, splits,
      // predictions, artifacts, notes, run provenance columns.
      R"SQL(
ALTER TABLE runs ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN proc_start INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN template TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN split_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN model_id INTEGER REFERENCES models(id);
ALTER TABLE runs ADD COLUMN dataset_id INTEGER REFERENCES datasets(id);
CREATE INDEX runs_experiment ON runs(experiment);
CREATE INDEX runs_state ON runs(state);
CREATE TABLE splits (
  id INTEGER PRIMARY KEY, dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  name TEXT NOT NULL, shots INTEGER NOT NULL DEFAULT 0, seed INTEGER NOT NULL DEFAULT 0,
  item_ids TEXT NOT NULL, hash TEXT NOT NULL, UNIQUE (dataset_id, name, hash));
CREATE TABLE templates (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('template','template_set','verbalizer')),
  name TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE predictions (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, item_id TEXT NOT NULL,
  label INTEGER NOT NULL, pred INTEGER NOT NULL, scores BLOB,
  PRIMARY KEY (run_id, item_id)) WITHOUT ROWID;
CREATE TABLE artifacts (
  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', format TEXT NOT NULL DEFAULT 'safetensors',
  step INTEGER NOT NULL DEFAULT 0, size INTEGER NOT NULL, created_at TEXT NOT NULL,
  bytes BLOB NOT NULL);
CREATE INDEX artifacts_run ON artifacts(run_id, kind, step);
CREATE TABLE notes (
  id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id) ON DELETE CASCADE,
  text TEXT NOT NULL, created_at TEXT NOT NULL);
)SQL",
  };
  return m;
}

int migrate(Db& db, int target) {
  int from = static_cast<int>(db.scalar("PRAGMA user_version"));
  for (int v = from; v < target; ++v) {
    Tx tx(db);
    db.exec(migrations().at(static_cast<std::size_t>(v)));
    db.exec("PRAGMA user_version = " + std::to_string(v + 1));
    tx.commit();
  }
  return from;
}

namespace {
std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}
}  // namespace

HeaderInfo readHeader(const std::string& path) {
  HeaderInfo h;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error("cannot read the project file (missing or no permission)", path);
  h.fileSize = static_cast<std::int64_t>(in.tellg());
  if (h.fileSize < 100) return h;
  in.seekg(0);
  unsigned char b[100];
  in.read(reinterpret_cast<char*>(b), 100);
  if (!in || std::string(reinterpret_cast<char*>(b), 16) != std::string("SQLite format 3\0", 16))
    return h;
  h.sqlite = true;
  std::uint32_t pageSize = (std::uint32_t(b[16]) << 8) | b[17];
  if (pageSize == 1) pageSize = 65536;
  std::uint32_t pages = be32(b + 28);
  bool sizeValid = be32(b + 24) == be32(b + 92) && pages > 0;
  if (sizeValid && h.fileSize < std::int64_t(pageSize) * pages) h.truncated = true;
  if (h.fileSize % std::int64_t(pageSize ? pageSize : 1) != 0) h.truncated = true;
  h.userVersion = static_cast<int>(be32(b + 60));
  h.applicationId = static_cast<std::int32_t>(be32(b + 68));
  return h;
}

}  // namespace pd::project
