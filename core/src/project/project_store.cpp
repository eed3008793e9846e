// Project: models, datasets (with hash checks and relocation), splits, templates, specs, notes.
#include <filesystem>

#include <nlohmann/json.hpp>

#include "io/json_limits.h"
#include "project/project_impl.h"
#include "promptdesk/error.h"
#include "promptdesk/hash.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace pd {

using project::Db;
using project::Stmt;
using project::Tx;

#define PD_LOCK std::lock_guard<std::recursive_mutex> lock_(d_->mutex)

namespace {
json parseJson(const std::string& text, const std::string& what) {
  return io::parseJsonLimited(text, what);
}

FileCheck checkFile(const std::string& path, const std::string& hash) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return FileCheck::Missing;
  try {
    return sha256Path(path) == hash ? FileCheck::Ok : FileCheck::Changed;
  } catch (const Error&) {
    return FileCheck::Missing;
  }
}
}  // namespace

std::int64_t Project::addModel(const ModelRecord& m) {
  PD_LOCK;
  d_->requireWritable("add a model");
  parseJson(m.architectureJson.empty() ? "{}" : m.architectureJson, "model architecture");
  Db& db = *d_->db;
  Tx tx(db);
  Stmt find(db, "SELECT id FROM models WHERE path=?1 AND hash=?2");
  find.bind(1, m.path).bind(2, m.contentHash);
  if (find.step()) return find.i64(0);
  Stmt ins(db, "INSERT INTO models(path, format, hash, arch, added_at) VALUES(?1,?2,?3,?4,?5)");
  ins.bind(1, m.path).bind(2, m.format).bind(3, m.contentHash);
  ins.bind(4, m.architectureJson.empty() ? "{}" : m.architectureJson).bind(5, nowIso8601());
  ins.exec();
  std::int64_t id = db.lastId();
  tx.commit();
  return id;
}

namespace {
ModelRecord readModel(Stmt& s) {
  ModelRecord m;
  m.id = s.i64(0);
  m.path = s.text(1);
  m.format = s.text(2);
  m.contentHash = s.text(3);
  m.architectureJson = s.text(4);
  return m;
}
DatasetRecord readDataset(Stmt& s) {
  DatasetRecord d;
  d.id = s.i64(0);
  d.name = s.text(1);
  d.path = s.text(2);
  d.specJson = s.text(3);
  d.contentHash = s.text(4);
  json names = json::parse(s.text(5), nullptr, false);
  if (names.is_array())
    for (auto& n : names)
      if (n.is_string()) d.classNames.push_back(n.get<std::string>());
  return d;
}
}  // namespace

std::vector<ModelRecord> Project::models() const {
  PD_LOCK;
  Stmt s(*d_->db, "SELECT id, path, format, hash, arch FROM models ORDER BY id");
  std::vector<ModelRecord> out;
  while (s.step()) out.push_back(readModel(s));
  return out;
}

ModelRecord Project::model(std::int64_t id) const {
  PD_LOCK;
  Stmt s(*d_->db, "SELECT id, path, format, hash, arch FROM models WHERE id=?1");
  s.bind(1, id);
  if (!s.step()) throw Error("no model with id " + std::to_string(id), d_->path);
  return readModel(s);
}

std::int64_t Project::addDataset(const DatasetRecord& d) {
  PD_LOCK;
  d_->requireWritable("add a dataset");
  parseJson(d.specJson.empty() ? "{}" : d.specJson, "dataset spec");
  Db& db = *d_->db;
  Tx tx(db);
  Stmt find(db, "SELECT id FROM datasets WHERE path=?1 AND hash=?2");
  find.bind(1, d.path).bind(2, d.contentHash);
  if (find.step()) return find.i64(0);
  Stmt ins(db,
           "INSERT INTO datasets(name, path, spec, hash, class_names, added_at) "
           "VALUES(?1,?2,?3,?4,?5,?6)");
  ins.bind(1, d.name).bind(2, d.path).bind(3, d.specJson.empty() ? "{}" : d.specJson);
  ins.bind(4, d.contentHash).bind(5, json(d.classNames).dump()).bind(6, nowIso8601());
  ins.exec();
  std::int64_t id = db.lastId();
  tx.commit();
  return id;
}

std::vector<DatasetRecord> Project::datasets() const {
  PD_LOCK;
  Stmt s(*d_->db, "SELECT id, name, path, spec, hash, class_names FROM datasets ORDER BY id");
  std::vector<DatasetRecord> out;
  while (s.step()) out.push_back(readDataset(s));
  return out;
}

DatasetRecord Project::dataset(std::int64_t id) const {
  PD_LOCK;
  Stmt s(*d_->db, "SELECT id, name, path, spec, hash, class_names FROM datasets WHERE id=?1");
  s.bind(1, id);
  if (!s.step()) throw Error("no dataset with id " + std::to_string(id), d_->path);
  return readDataset(s);
}

FileCheck Project::checkModel(std::int64_t id) const {
  ModelRecord m = model(id);
  return checkFile(m.path, m.contentHash);
}

FileCheck Project::checkDataset(std::int64_t id) const {
  DatasetRecord d = dataset(id);
  return checkFile(d.path, d.contentHash);
}

void Project::requireDatasetUnchanged(std::int64_t id) const {
  DatasetRecord d = dataset(id);
  FileCheck c = checkFile(d.path, d.contentHash);
  if (c == FileCheck::Missing)
    throw Error(
        "the dataset file of this project has moved or was deleted; relocate it "
        "(the project stores its SHA-256 " +
            d.contentHash.substr(0, 12) + "...)",
        d.path);
  if (c == FileCheck::Changed)
    throw Error("the dataset file changed since it was recorded (SHA-256 differs from " +
                    d.contentHash.substr(0, 12) + "...); refusing to use different data",
                d.path);
}

void Project::relocateModel(std::int64_t id, const std::string& newPath) {
  ModelRecord m = model(id);
  std::string h = sha256File(newPath);
  if (h != m.contentHash)
    throw Error("not the recorded model: SHA-256 " + h.substr(0, 12) + "... differs from " +
                    m.contentHash.substr(0, 12) + "...",
                newPath);
  PD_LOCK;
  d_->requireWritable("relocate a model");
  Tx tx(*d_->db);
  Stmt s(*d_->db, "UPDATE models SET path=?1 WHERE id=?2");
  s.bind(1, newPath).bind(2, id).exec();
  tx.commit();
}

void Project::relocateDataset(std::int64_t id, const std::string& newPath) {
  DatasetRecord d = dataset(id);
  std::string h = sha256Path(newPath);
  if (h != d.contentHash)
    throw Error("not the recorded dataset: SHA-256 " + h.substr(0, 12) + "... differs from " +
                    d.contentHash.substr(0, 12) + "...",
                newPath);
  PD_LOCK;
  d_->requireWritable("relocate a dataset");
  Tx tx(*d_->db);
  Stmt s(*d_->db, "UPDATE datasets SET path=?1 WHERE id=?2");
  s.bind(1, newPath).bind(2, id).exec();
  tx.commit();
}

std::int64_t Project::addSplit(const SplitRecord& sp) {
  PD_LOCK;
  d_->requireWritable("add a split");
  std::string hash = itemListHash(sp.itemIds);
  Db& db = *d_->db;
  Tx tx(db);
  Stmt find(db, "SELECT id FROM splits WHERE dataset_id=?1 AND name=?2 AND hash=?3");
  find.bind(1, sp.datasetId).bind(2, sp.name).bind(3, hash);
  if (find.step()) return find.i64(0);
  Stmt ins(db,
           "INSERT INTO splits(dataset_id, name, shots, seed, item_ids, hash) "
           "VALUES(?1,?2,?3,?4,?5,?6)");
  ins.bind(1, sp.datasetId).bind(2, sp.name).bind(3, sp.shots).bind(4, sp.seed);
  ins.bind(5, json(sp.itemIds).dump()).bind(6, hash).exec();
  std::int64_t id = db.lastId();
  tx.commit();
  return id;
}

namespace {
SplitRecord readSplit(Stmt& s) {
  SplitRecord r;
  r.id = s.i64(0);
  r.datasetId = s.i64(1);
  r.name = s.text(2);
  r.shots = static_cast<int>(s.i64(3));
  r.seed = s.i64(4);
  // The item list comes from the file: a damaged row is a pd::Error, not a json exception.
  const json ids = parseJson(s.text(5), "split " + std::to_string(r.id) + " item_ids");
  if (!ids.is_array()) throw Error("not a list of item ids", "split " + std::to_string(r.id));
  for (const auto& v : ids) {
    if (!v.is_string())
      throw Error("item id is not a string", "split " + std::to_string(r.id) + " item_ids");
    r.itemIds.push_back(v.get<std::string>());
  }
  r.hash = s.text(6);
  return r;
}
}  // namespace

SplitRecord Project::split(std::int64_t id) const {
  PD_LOCK;
  Stmt s(*d_->db,
         "SELECT id, dataset_id, name, shots, seed, item_ids, hash FROM splits WHERE id=?1");
  s.bind(1, id);
  if (!s.step()) throw Error("no split with id " + std::to_string(id), d_->path);
  return readSplit(s);
}

std::vector<SplitRecord> Project::splits(std::int64_t datasetId) const {
  PD_LOCK;
  Stmt s(*d_->db,
         "SELECT id, dataset_id, name, shots, seed, item_ids, hash FROM splits "
         "WHERE dataset_id=?1 ORDER BY id");
  s.bind(1, datasetId);
  std::vector<SplitRecord> out;
  while (s.step()) out.push_back(readSplit(s));
  return out;
}

std::int64_t Project::addTemplate(const TemplateRecord& t) {
  PD_LOCK;
  d_->requireWritable("add a template");
  if (t.kind != "template" && t.kind != "template_set" && t.kind != "verbalizer")
    throw Error("template kind must be template, template_set or verbalizer", t.kind);
  parseJson(t.json, "template '" + t.name + "'");
  Tx tx(*d_->db);
  Stmt ins(*d_->db, "INSERT INTO templates(kind, name, json) VALUES(?1,?2,?3)");
  ins.bind(1, t.kind).bind(2, t.name).bind(3, t.json).exec();
  std::int64_t id = d_->db->lastId();
  tx.commit();
  return id;
}

std::vector<TemplateRecord> Project::templates() const {
  PD_LOCK;
  Stmt s(*d_->db, "SELECT id, kind, name, json FROM templates ORDER BY id");
  std::vector<TemplateRecord> out;
  while (s.step()) out.push_back({s.i64(0), s.text(1), s.text(2), s.text(3)});
  return out;
}

std::int64_t Project::addJobSpec(const std::string& specJson) {
  json j = parseJson(specJson, "job spec");
  if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string())
    throw Error("a job spec is a JSON object with a string field \"kind\"", "job spec");
  std::string canon = j.dump();
  std::string hash = sha256Hex(canon);
  PD_LOCK;
  d_->requireWritable("add a job spec");
  Db& db = *d_->db;
  Tx tx(db);
  Stmt find(db, "SELECT id FROM job_specs WHERE hash=?1");
  find.bind(1, hash);
  if (find.step()) return find.i64(0);
  Stmt ins(db, "INSERT INTO job_specs(kind, json, hash) VALUES(?1,?2,?3)");
  ins.bind(1, j["kind"].get<std::string>()).bind(2, canon).bind(3, hash).exec();
  std::int64_t id = db.lastId();
  tx.commit();
  return id;
}

JobSpecRecord Project::jobSpec(std::int64_t id) const {
  PD_LOCK;
  Stmt s(*d_->db, "SELECT id, kind, json, hash FROM job_specs WHERE id=?1");
  s.bind(1, id);
  if (!s.step()) throw Error("no job spec with id " + std::to_string(id), d_->path);
  return {s.i64(0), s.text(1), s.text(2), s.text(3)};
}

std::int64_t Project::addNote(std::int64_t runId, const std::string& text) {
  PD_LOCK;
  d_->requireWritable("add a note");
  Tx tx(*d_->db);
  Stmt ins(*d_->db, "INSERT INTO notes(run_id, text, created_at) VALUES(?1,?2,?3)");
  ins.bindId(1, runId).bind(2, text).bind(3, nowIso8601()).exec();
  std::int64_t id = d_->db->lastId();
  tx.commit();
  return id;
}

std::vector<NoteRecord> Project::notes() const {
  PD_LOCK;
  Stmt s(*d_->db, "SELECT id, coalesce(run_id, 0), text, created_at FROM notes ORDER BY id");
  std::vector<NoteRecord> out;
  while (s.step()) out.push_back({s.i64(0), s.i64(1), s.text(2), s.text(3)});
  return out;
}

}  // namespace pd
