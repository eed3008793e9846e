// Project: create, open (checks, read-only fallback, migration with backup), stale-run recovery.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "project/project_impl.h"
#include "project/schema.h"
#include "promptdesk/error.h"
#include "promptdesk/version.h"

namespace fs = std::filesystem;

namespace pd {

using project::Db;
using project::Stmt;
using project::Tx;

void Project::Impl::requireWritable(const char* what) const {
  if (readOnly)
    throw Error(std::string("cannot ") + what + ": the project is open read-only (" +
                    readOnlyReason + "); use Save As to keep a writable copy",
                path);
}

namespace {

std::string hex32(std::int32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", static_cast<unsigned>(v));
  return buf;
}

void configure(Db& db, int busyMs, bool writable) {
  sqlite3_busy_timeout(db.handle(), busyMs);
  db.exec("PRAGMA foreign_keys = ON");
  if (writable) {
    Stmt s(db, "PRAGMA journal_mode = WAL");
    if (!s.step() || s.text(0) != "wal")
      throw Error("cannot switch the project to WAL journaling", db.name());
    db.exec("PRAGMA synchronous = FULL");
  }
}

std::string uniqueBackupName(const std::string& path, int version) {
  std::string base = path + ".v" + std::to_string(version) + ".bak";
  std::string name = base;
  for (int i = 2; fs::exists(name); ++i) name = base + "." + std::to_string(i);
  return name;
}

void backupTo(Db& src, const std::string& dest) {
  Db out(dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, dest);
  sqlite3_backup* b = sqlite3_backup_init(out.handle(), "main", src.handle(), "main");
  if (!b) out.fail(sqlite3_errcode(out.handle()), "cannot start the backup");
  int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) out.fail(rc, "backup failed");
}

}  // namespace

Project::Project(std::unique_ptr<Impl> d) : d_(std::move(d)) {}
Project::~Project() = default;

std::unique_ptr<Project> Project::create(const std::string& path) {
  if (fs::exists(path)) throw Error("a file with this name already exists", path);
  auto d = std::make_unique<Impl>();
  d->path = path;
  d->db = std::make_unique<Db>(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                         SQLITE_OPEN_FULLMUTEX, path);
  d->db->exec("PRAGMA application_id = " + std::to_string(kApplicationId));
  configure(*d->db, d->busyTimeoutMs, true);
  project::migrate(*d->db, kSchemaVersion);
  d->schemaVersion = kSchemaVersion;
  return std::unique_ptr<Project>(new Project(std::move(d)));
}

std::unique_ptr<Project> Project::open(const std::string& path, OpenOptions options) {
  project::HeaderInfo h = project::readHeader(path);
  if (h.fileSize == 0) throw Error("not a PromptDesk project: the file is empty", path);
  if (!h.sqlite)
    throw Error("not a PromptDesk project: the file is not an SQLite database (garbage or "
                "truncated header)",
                path);
  if (h.applicationId != kApplicationId)
    throw Error("not a PromptDesk project: SQLite application id is " + hex32(h.applicationId) +
                    ", expected " + hex32(kApplicationId),
                path);
  std::error_code ec;
  bool walPending = fs::exists(path + "-wal", ec) && fs::file_size(path + "-wal", ec) > 0;
  if (h.truncated && !walPending)  // with a WAL, SQLite finishes an interrupted checkpoint
    throw Error("the project file is truncated (" + std::to_string(h.fileSize) +
                    " bytes, smaller than its header says); restore a backup",
                path);

  auto d = std::make_unique<Impl>();
  d->path = path;
  d->busyTimeoutMs = options.busyTimeoutMs;
  std::string dir = fs::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  if (options.readOnly) {
    d->readOnly = true;
    d->readOnlyReason = "opened read-only on request";
  } else if (access(path.c_str(), W_OK) != 0) {
    d->readOnly = true;
    d->readOnlyReason = "the file is not writable";
  } else if (access(dir.c_str(), W_OK) != 0) {
    d->readOnly = true;
    d->readOnlyReason = "its folder is not writable";
  }

  if (d->readOnly) {
    try {
      d->db = std::make_unique<Db>(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, path);
      d->db->scalar("SELECT count(*) FROM sqlite_master");
    } catch (const Error&) {
      // No -shm can be made beside the file: read it as immutable.
      d->db.reset();
      d->db = std::make_unique<Db>("file:" + path + "?immutable=1",
                                   SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, path);
    }
  } else {
    d->db = std::make_unique<Db>(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, path);
  }
  Db& db = *d->db;
  configure(db, d->busyTimeoutMs, !d->readOnly);
  std::int32_t appId = static_cast<std::int32_t>(db.scalar("PRAGMA application_id"));
  if (appId != kApplicationId)
    throw Error("not a PromptDesk project: SQLite application id is " + hex32(appId), path);
  int version = static_cast<int>(db.scalar("PRAGMA user_version"));
  if (version > kSchemaVersion)
    throw Error("the project was written by a newer PromptDesk (schema version " +
                    std::to_string(version) + "); this PromptDesk " + pd::version() +
                    " reads schema versions up to " + std::to_string(kSchemaVersion),
                path);
  if (version < 1) throw Error("not a PromptDesk project: it has no schema (version 0)", path);
  if (version < kSchemaVersion) {
    if (d->readOnly)
      throw Error("the project has schema version " + std::to_string(version) +
                      " and must be migrated to " + std::to_string(kSchemaVersion) +
                      ", but it is read-only (" + d->readOnlyReason + ")",
                  path);
    d->backupPath = uniqueBackupName(path, version);
    backupTo(db, d->backupPath);
    project::migrate(db, kSchemaVersion);
  }
  d->schemaVersion = kSchemaVersion;
  // A damaged page 1 or schema shows up here rather than in the middle of a job.
  {
    Stmt s(db, "PRAGMA quick_check(1)");
    if (s.step() && s.text(0) != "ok")
      throw Error("the project file is damaged: " + s.text(0) + "; restore a backup", path);
  }

  auto p = std::unique_ptr<Project>(new Project(std::move(d)));
  if (!p->d_->readOnly && options.recoverStaleRuns) {
    std::vector<std::pair<std::int64_t, std::int64_t>> dead;  // run id, owner pid
    {
      Stmt sel(db,
               "SELECT id, host, pid, proc_start FROM runs WHERE state IN ('running','queued')");
      while (sel.step())
        if (!project::processAlive(sel.text(1), sel.i64(2), sel.i64(3)))
          dead.push_back({sel.i64(0), sel.i64(2)});
    }
    if (!dead.empty()) {
      Tx tx(db);
      Stmt up(db,
              "UPDATE runs SET state='interrupted', ended_at=?1, error=CASE WHEN error='' THEN "
              "'the process running it ended unexpectedly (crash, kill or power loss)' ELSE "
              "error END WHERE id=?2 AND pid=?3 AND state IN ('running','queued')");
      for (auto [id, pid] : dead) {  // pid unchanged: nobody claimed the run meanwhile
        up.reset();
        up.bind(1, nowIso8601()).bind(2, id).bind(3, pid).exec();
      }
      tx.commit();
    }
    p->d_->interrupted = static_cast<int>(dead.size());
  }
  return p;
}

const std::string& Project::path() const { return d_->path; }
bool Project::readOnly() const { return d_->readOnly; }
std::string Project::readOnlyReason() const { return d_->readOnlyReason; }
int Project::schemaVersion() const { return d_->schemaVersion; }
std::string Project::migratedBackupPath() const { return d_->backupPath; }
int Project::interruptedOnOpen() const { return d_->interrupted; }

ProjectCounts Project::counts() const {
  std::lock_guard<std::recursive_mutex> lock(d_->mutex);
  Db& db = *d_->db;
  ProjectCounts c;
  c.models = db.scalar("SELECT count(*) FROM models");
  c.datasets = db.scalar("SELECT count(*) FROM datasets");
  c.splits = db.scalar("SELECT count(*) FROM splits");
  c.templates = db.scalar("SELECT count(*) FROM templates");
  c.specs = db.scalar("SELECT count(*) FROM job_specs");
  c.runs = db.scalar("SELECT count(*) FROM runs");
  c.series = db.scalar("SELECT count(*) FROM metric_series");
  c.finals = db.scalar("SELECT count(*) FROM final_metrics");
  c.predictions = db.scalar("SELECT count(*) FROM predictions");
  c.artifacts = db.scalar("SELECT count(*) FROM artifacts");
  c.notes = db.scalar("SELECT count(*) FROM notes");
  return c;
}

void Project::saveCopy(const std::string& dest) const {
  std::lock_guard<std::recursive_mutex> lock(d_->mutex);
  if (fs::exists(dest)) throw Error("a file with this name already exists", dest);
  backupTo(*d_->db, dest);
}

void Project::saveAs(const std::string& dest) {
  saveCopy(dest);
  auto fresh = open(dest);
  std::swap(d_, fresh->d_);
}

std::pair<std::int64_t, std::int64_t> Project::vacuum() {
  std::lock_guard<std::recursive_mutex> lock(d_->mutex);
  d_->requireWritable("vacuum");
  auto size = [&] {
    std::error_code ec;
    auto s = fs::file_size(d_->path, ec);
    auto w = fs::file_size(d_->path + "-wal", ec);
    return static_cast<std::int64_t>(s) + (ec ? 0 : static_cast<std::int64_t>(w));
  };
  std::int64_t before = size();
  d_->db->exec("VACUUM");
  d_->db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return {before, size()};
}

void Project::setSizeLimitBytes(std::int64_t bytes) {
  std::lock_guard<std::recursive_mutex> lock(d_->mutex);
  std::int64_t page = d_->db->scalar("PRAGMA page_size");
  d_->db->exec("PRAGMA max_page_count = " + std::to_string(std::max<std::int64_t>(1, bytes / page)));
}

}  // namespace pd
