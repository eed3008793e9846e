// Project: runs, metric series, final metrics, predictions and artifacts. One transaction each.
#include "project/project_impl.h"
#include "promptdesk/error.h"
#include "promptdesk/version.h"

namespace pd {

using project::Db;
using project::Stmt;
using project::Tx;

#define PD_LOCK std::lock_guard<std::recursive_mutex> lock_(d_->mutex)

namespace {
const char* kRunColumns =
    "SELECT r.id, r.spec_id, s.kind, r.state, r.started_at, r.ended_at, r.host, r.pid, "
    "r.app_version, r.error, r.experiment, r.method, r.template, r.shots, r.seed, "
    "coalesce(r.model_id, 0), coalesce(r.dataset_id, 0), r.split_hash "
    "FROM runs r JOIN job_specs s ON s.id = r.spec_id ";

RunRecord readRun(Stmt& s) {
  RunRecord r;
  r.id = s.i64(0);
  r.specId = s.i64(1);
  r.kind = s.text(2);
  r.state = project::jobStateFromName(s.text(3));
  r.startedAt = s.text(4);
  r.endedAt = s.text(5);
  r.host = s.text(6);
  r.pid = s.i64(7);
  r.appVersion = s.text(8);
  r.error = s.text(9);
  r.experiment = s.text(10);
  r.method = s.text(11);
  r.templateName = s.text(12);
  r.shots = static_cast<int>(s.i64(13));
  r.seed = s.i64(14);
  r.modelId = s.i64(15);
  r.datasetId = s.i64(16);
  r.splitHash = s.text(17);
  return r;
}
}  // namespace

std::int64_t Project::createRun(const RunRecord& r) {
  PD_LOCK;
  d_->requireWritable("record a run");
  Db& db = *d_->db;
  Tx tx(db);
  Stmt ins(db,
           "INSERT INTO runs(spec_id, state, host, pid, proc_start, app_version, experiment, "
           "method, template, shots, seed, model_id, dataset_id, split_hash) "
           "VALUES(?1,'queued',?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)");
  std::int64_t pid = project::selfPid();
  ins.bind(1, r.specId).bind(2, hostName()).bind(3, pid).bind(4, project::processStartTicks(pid));
  ins.bind(5, pd::version()).bind(6, r.experiment).bind(7, r.method).bind(8, r.templateName);
  ins.bind(9, r.shots).bind(10, r.seed).bindId(11, r.modelId).bindId(12, r.datasetId);
  ins.bind(13, r.splitHash).exec();
  std::int64_t id = db.lastId();
  tx.commit();
  return id;
}

void Project::setRunState(std::int64_t runId, JobState state, const std::string& error) {
  PD_LOCK;
  d_->requireWritable("update a run");
  Db& db = *d_->db;
  Tx tx(db);
  bool final = state != JobState::Queued && state != JobState::Running;
  Stmt up(db,
          state == JobState::Running
              ? "UPDATE runs SET state=?1, started_at=CASE WHEN started_at='' THEN ?2 ELSE "
                "started_at END, ended_at='', error=?3 WHERE id=?4"
              : "UPDATE runs SET state=?1, ended_at=?2, error=?3 WHERE id=?4");
  up.bind(1, project::jobStateName(state)).bind(2, final || state == JobState::Running
                                                       ? nowIso8601()
                                                       : std::string());
  up.bind(3, error).bind(4, runId).exec();
  if (sqlite3_changes(db.handle()) != 1) throw Error("no run with id " + std::to_string(runId));
  tx.commit();
}

void Project::claimRun(std::int64_t runId) {
  PD_LOCK;
  d_->requireWritable("resume a run");
  Db& db = *d_->db;
  Tx tx(db);
  Stmt up(db,
          "UPDATE runs SET state='running', host=?1, pid=?2, proc_start=?3, app_version=?4, "
          "ended_at='', error='' WHERE id=?5");
  std::int64_t pid = project::selfPid();
  up.bind(1, hostName()).bind(2, pid).bind(3, project::processStartTicks(pid));
  up.bind(4, pd::version()).bind(5, runId).exec();
  if (sqlite3_changes(db.handle()) != 1) throw Error("no run with id " + std::to_string(runId));
  tx.commit();
}

void Project::updateRunInfo(const RunRecord& r) {
  PD_LOCK;
  d_->requireWritable("update a run");
  Db& db = *d_->db;
  Tx tx(db);
  Stmt up(db,
          "UPDATE runs SET experiment=?1, method=?2, template=?3, shots=?4, seed=?5, "
          "model_id=?6, dataset_id=?7, split_hash=?8 WHERE id=?9");
  up.bind(1, r.experiment).bind(2, r.method).bind(3, r.templateName).bind(4, r.shots);
  up.bind(5, r.seed).bindId(6, r.modelId).bindId(7, r.datasetId).bind(8, r.splitHash);
  up.bind(9, r.id).exec();
  tx.commit();
}

RunRecord Project::run(std::int64_t id) const {
  PD_LOCK;
  Stmt s(*d_->db, (std::string(kRunColumns) + "WHERE r.id=?1").c_str());
  s.bind(1, id);
  if (!s.step()) throw Error("no run with id " + std::to_string(id), d_->path);
  return readRun(s);
}

std::vector<RunRecord> Project::runs(const RunFilter& f) const {
  PD_LOCK;
  std::string sql = std::string(kRunColumns) + "WHERE (?1 = '' OR r.experiment = ?1)";
  if (f.finishedOnly) sql += " AND r.state = 'succeeded'";
  sql += " ORDER BY r.id";
  Stmt s(*d_->db, sql.c_str());
  s.bind(1, f.experiment);
  std::vector<RunRecord> out;
  while (s.step()) {
    RunRecord r = readRun(s);
    if (!f.runIds.empty() &&
        std::find(f.runIds.begin(), f.runIds.end(), r.id) == f.runIds.end())
      continue;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::string> Project::experiments() const {
  PD_LOCK;
  Stmt s(*d_->db, "SELECT DISTINCT experiment FROM runs ORDER BY experiment");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

void Project::addSeriesPoint(std::int64_t runId, const MetricPoint& p) { addSeries(runId, {p}); }

void Project::addSeries(std::int64_t runId, const std::vector<MetricPoint>& points) {
  PD_LOCK;
  d_->requireWritable("record metrics");
  Db& db = *d_->db;
  Tx tx(db);
  Stmt ins(db, "INSERT INTO metric_series(run_id, step, epoch, name, value) VALUES(?1,?2,?3,?4,?5)");
  for (const MetricPoint& p : points) {
    ins.reset();
    ins.bind(1, runId).bind(2, p.step).bind(3, p.epoch).bind(4, p.name).bind(5, p.value).exec();
  }
  tx.commit();
}

std::vector<MetricPoint> Project::series(std::int64_t runId, const std::string& name) const {
  PD_LOCK;
  Stmt s(*d_->db,
         "SELECT step, epoch, name, value FROM metric_series WHERE run_id=?1 AND (?2='' OR "
         "name=?2) ORDER BY name, step, rowid");
  s.bind(1, runId).bind(2, name);
  std::vector<MetricPoint> out;
  while (s.step()) out.push_back({s.i64(0), static_cast<int>(s.i64(1)), s.text(2), s.f64(3)});
  return out;
}

void Project::truncateSeries(std::int64_t runId, std::int64_t step) {
  PD_LOCK;
  d_->requireWritable("update metrics");
  Tx tx(*d_->db);
  Stmt del(*d_->db, "DELETE FROM metric_series WHERE run_id=?1 AND step>?2");
  del.bind(1, runId).bind(2, step).exec();
  tx.commit();
}

void Project::setFinalMetrics(std::int64_t runId, const std::vector<FinalMetric>& metrics) {
  PD_LOCK;
  d_->requireWritable("record metrics");
  Db& db = *d_->db;
  Tx tx(db);
  Stmt ins(db, "INSERT OR REPLACE INTO final_metrics(run_id, name, value) VALUES(?1,?2,?3)");
  for (const FinalMetric& m : metrics) {
    ins.reset();
    ins.bind(1, runId).bind(2, m.name).bind(3, m.value).exec();
  }
  tx.commit();
}

std::vector<FinalMetric> Project::finalMetrics(std::int64_t runId) const {
  PD_LOCK;
  Stmt s(*d_->db, "SELECT name, value FROM final_metrics WHERE run_id=?1 ORDER BY name");
  s.bind(1, runId);
  std::vector<FinalMetric> out;
  while (s.step()) out.push_back({s.text(0), s.f64(1)});
  return out;
}

void Project::addPredictions(std::int64_t runId, const std::vector<Prediction>& preds) {
  PD_LOCK;
  d_->requireWritable("record predictions");
  Db& db = *d_->db;
  Tx tx(db);
  Stmt del(db, "DELETE FROM predictions WHERE run_id=?1");
  del.bind(1, runId).exec();
  Stmt ins(db,
           "INSERT INTO predictions(run_id, item_id, label, pred, scores) VALUES(?1,?2,?3,?4,?5)");
  for (const Prediction& p : preds) {
    ins.reset();
    ins.bind(1, runId).bind(2, p.itemId).bind(3, p.label).bind(4, p.pred);
    if (p.scores.empty())
      ins.bindNull(5);
    else
      ins.bindBlob(5, p.scores.data(), p.scores.size() * sizeof(float));
    ins.exec();
  }
  tx.commit();
}

std::vector<Prediction> Project::predictions(std::int64_t runId) const {
  PD_LOCK;
  Stmt s(*d_->db,
         "SELECT item_id, label, pred, scores FROM predictions WHERE run_id=?1 ORDER BY item_id");
  s.bind(1, runId);
  std::vector<Prediction> out;
  while (s.step()) {
    Prediction p;
    p.itemId = s.text(0);
    p.label = s.i64(1);
    p.pred = s.i64(2);
    std::string b = s.blob(3);
    p.scores.resize(b.size() / sizeof(float));
    if (!p.scores.empty()) std::memcpy(p.scores.data(), b.data(), p.scores.size() * sizeof(float));
    out.push_back(std::move(p));
  }
  return out;
}

std::int64_t Project::addArtifact(const ArtifactRecord& meta, const std::string& bytes,
                                  int keepLast) {
  PD_LOCK;
  d_->requireWritable("store an artifact");
  Db& db = *d_->db;
  Tx tx(db);
  Stmt ins(db,
           "INSERT INTO artifacts(run_id, kind, name, format, step, size, created_at, bytes) "
           "VALUES(?1,?2,?3,?4,?5,?6,?7,?8)");
  ins.bind(1, meta.runId).bind(2, meta.kind).bind(3, meta.name);
  ins.bind(4, meta.format.empty() ? "safetensors" : meta.format).bind(5, meta.step);
  ins.bind(6, static_cast<std::int64_t>(bytes.size())).bind(7, nowIso8601());
  ins.bindBlob(8, bytes.data(), bytes.size()).exec();
  std::int64_t id = db.lastId();
  if (keepLast > 0) {
    Stmt del(db,
             "DELETE FROM artifacts WHERE run_id=?1 AND kind=?2 AND id NOT IN (SELECT id FROM "
             "artifacts WHERE run_id=?1 AND kind=?2 ORDER BY step DESC, id DESC LIMIT ?3)");
    del.bind(1, meta.runId).bind(2, meta.kind).bind(3, keepLast).exec();
  }
  tx.commit();
  return id;
}

namespace {
const char* kArtifactColumns =
    "SELECT id, run_id, kind, name, format, step, size, created_at FROM artifacts ";
ArtifactRecord readArtifact(Stmt& s) {
  return {s.i64(0), s.i64(1), s.text(2), s.text(3), s.text(4), s.i64(5), s.i64(6), s.text(7)};
}
}  // namespace

std::vector<ArtifactRecord> Project::artifacts(std::int64_t runId) const {
  PD_LOCK;
  Stmt s(*d_->db, (std::string(kArtifactColumns) + "WHERE run_id=?1 ORDER BY id").c_str());
  s.bind(1, runId);
  std::vector<ArtifactRecord> out;
  while (s.step()) out.push_back(readArtifact(s));
  return out;
}

std::optional<ArtifactRecord> Project::lastArtifact(std::int64_t runId,
                                                    const std::string& kind) const {
  PD_LOCK;
  Stmt s(*d_->db, (std::string(kArtifactColumns) +
                   "WHERE run_id=?1 AND kind=?2 ORDER BY step DESC, id DESC LIMIT 1")
                      .c_str());
  s.bind(1, runId).bind(2, kind);
  if (!s.step()) return std::nullopt;
  return readArtifact(s);
}

std::string Project::artifactBytes(std::int64_t artifactId) const {
  PD_LOCK;
  Stmt s(*d_->db, "SELECT bytes FROM artifacts WHERE id=?1");
  s.bind(1, artifactId);
  if (!s.step()) throw Error("no artifact with id " + std::to_string(artifactId), d_->path);
  return s.blob(0);
}

}  // namespace pd
