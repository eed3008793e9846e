#pragma once
// The project file (*.pdesk): one SQLite database holding models, datasets, few-shot splits,
// templates, job specs, job runs with their metric series, final metrics, per-item predictions,
// artifacts (learned prompts, checkpoints) and notes.
//
// Durability: WAL journal, foreign keys on, every write in its own transaction, busy timeout.
// Concurrency: one Project object is one SQLite connection, serialized by an internal mutex (safe
// to share between threads, but a long job would make others wait). Jobs on worker threads open
// their own Project on the same path (see RunRecorder): WAL lets the GUI read while a job writes,
// and writers wait on each other (busy timeout), never corrupting the file.
// Crash safety: a run records the pid, process start time and host of its process. Opening a
// project read-write marks runs left `running`/`queued` by a process that is gone `interrupted`.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "promptdesk/jobs.h"

namespace pd {

struct ModelRecord {
  std::int64_t id = 0;
  std::string path;
  std::string format;            // "safetensors", "torchscript", "csv-linear", ...
  std::string contentHash;       // SHA-256 of the file (or of a folder's manifest)
  std::string architectureJson;  // inferred architecture, JSON text ("{}" when unknown)
};

struct DatasetRecord {
  std::int64_t id = 0;
  std::string name;
  std::string path;
  std::string specJson = "{}";       // how the dataset was defined (JSON text)
  std::string contentHash;           // SHA-256 of the file / manifest
  std::vector<std::string> classNames;
};

// A recorded few-shot split: exactly which items were used, so a run can be reproduced.
struct SplitRecord {
  std::int64_t id = 0;
  std::int64_t datasetId = 0;
  std::string name;  // "train", "test", "shots-4-seed-1", ...
  int shots = 0;     // per class; 0 = all
  std::int64_t seed = 0;
  std::vector<std::string> itemIds;
  std::string hash;  // itemListHash(itemIds)
};

// Templates, template sets and verbalizers are stored as JSON text.
struct TemplateRecord {
  std::int64_t id = 0;
  std::string kind;  // "template" | "template_set" | "verbalizer"
  std::string name;
  std::string json;
};

struct JobSpecRecord {
  std::int64_t id = 0;
  std::string kind;
  std::string json;  // canonical JSON text
  std::string hash;  // canonicalJsonHash(json)
};

struct RunRecord {
  std::int64_t id = 0;
  std::int64_t specId = 0;
  std::string kind;  // the spec's kind
  JobState state = JobState::Queued;
  std::string startedAt, endedAt;  // ISO 8601 UTC, empty when not yet
  std::string host;
  std::int64_t pid = 0;
  std::string appVersion;
  std::string error;
  std::string experiment;
  std::string method;
  std::string templateName;
  int shots = 0;
  std::int64_t seed = 0;
  std::int64_t modelId = 0;    // 0 = none
  std::int64_t datasetId = 0;  // 0 = none
  std::string splitHash;
};

struct MetricPoint {
  std::int64_t step = 0;
  int epoch = -1;  // -1 when not epoch-based
  std::string name;
  double value = 0.0;
};

struct FinalMetric {
  std::string name;
  double value = 0.0;
};

struct Prediction {
  std::string itemId;
  std::int64_t label = -1;
  std::int64_t pred = -1;
  std::vector<float> scores;  // per class (stored as a float32 blob)
};

struct ArtifactRecord {
  std::int64_t id = 0;
  std::int64_t runId = 0;
  std::string kind;  // "checkpoint" | "prompt" | ...
  std::string name;
  std::string format;  // "safetensors"
  std::int64_t step = 0;
  std::int64_t size = 0;
  std::string createdAt;
};

struct NoteRecord {
  std::int64_t id = 0;
  std::int64_t runId = 0;  // 0: project note
  std::string text;
  std::string createdAt;
};

struct ProjectCounts {
  std::int64_t models = 0, datasets = 0, splits = 0, templates = 0, specs = 0, runs = 0,
               series = 0, finals = 0, predictions = 0, artifacts = 0, notes = 0;
};

enum class FileCheck { Ok, Missing, Changed };
const char* toString(FileCheck c);

struct RunFilter {
  std::string experiment;            // empty: any
  std::vector<std::int64_t> runIds;  // empty: any
  bool finishedOnly = false;         // only succeeded runs
};

class Project {
 public:
  static constexpr int kSchemaVersion = 2;
  static constexpr std::int32_t kApplicationId = 0x50446b31;  // "PDk1"

  struct OpenOptions {
    bool readOnly = false;       // also chosen automatically when the file is not writable
    int busyTimeoutMs = 15000;   // how long a writer waits for another one
    bool recoverStaleRuns = true;
  };

  // Creates a new, empty project. Throws pd::Error when the file exists.
  static std::unique_ptr<Project> create(const std::string& path);
  // Opens an existing project; migrates an older schema after writing "<file>.v<N>.bak" beside
  // it; refuses a newer schema or a file that is not a PromptDesk project (pd::Error says which).
  static std::unique_ptr<Project> open(const std::string& path, OpenOptions options);
  static std::unique_ptr<Project> open(const std::string& path) { return open(path, {}); }

  ~Project();
  Project(const Project&) = delete;
  Project& operator=(const Project&) = delete;

  const std::string& path() const;
  bool readOnly() const;
  std::string readOnlyReason() const;  // empty unless readOnly()
  int schemaVersion() const;
  std::string migratedBackupPath() const;  // set when open() migrated the file
  int interruptedOnOpen() const;           // runs marked interrupted by open()
  ProjectCounts counts() const;

  // ---- models, datasets, splits, templates
  std::int64_t addModel(const ModelRecord& m);  // reuses the row when path+hash already exist
  std::vector<ModelRecord> models() const;
  ModelRecord model(std::int64_t id) const;
  std::int64_t addDataset(const DatasetRecord& d);  // reuses the row when path+hash already exist
  std::vector<DatasetRecord> datasets() const;
  DatasetRecord dataset(std::int64_t id) const;
  // Compares the file on disk with the stored hash.
  FileCheck checkModel(std::int64_t id) const;
  FileCheck checkDataset(std::int64_t id) const;
  // Points a record at a moved file. Throws pd::Error (nothing changed) unless the new file has
  // the stored hash: different data is never used silently.
  void relocateModel(std::int64_t id, const std::string& newPath);
  void relocateDataset(std::int64_t id, const std::string& newPath);
  // Throws pd::Error naming the file when it is missing or changed since it was recorded.
  void requireDatasetUnchanged(std::int64_t id) const;

  std::int64_t addSplit(const SplitRecord& s);  // computes the hash; reuses identical splits
  SplitRecord split(std::int64_t id) const;
  std::vector<SplitRecord> splits(std::int64_t datasetId) const;

  std::int64_t addTemplate(const TemplateRecord& t);  // validates the JSON
  std::vector<TemplateRecord> templates() const;

  // ---- job specs and runs
  std::int64_t addJobSpec(const std::string& specJson);  // needs a "kind"; reuses by hash
  JobSpecRecord jobSpec(std::int64_t id) const;
  // Creates a run in state Queued, owned by this process.
  std::int64_t createRun(const RunRecord& r);
  void setRunState(std::int64_t runId, JobState state, const std::string& error = {});
  // Claims a run for this process (pid, host) and marks it running (used by resume).
  void claimRun(std::int64_t runId);
  void updateRunInfo(const RunRecord& r);  // experiment/method/template/shots/seed/model/dataset
  RunRecord run(std::int64_t id) const;
  std::vector<RunRecord> runs(const RunFilter& filter = {}) const;
  std::vector<std::string> experiments() const;

  void addSeriesPoint(std::int64_t runId, const MetricPoint& p);
  void addSeries(std::int64_t runId, const std::vector<MetricPoint>& points);  // one transaction
  std::vector<MetricPoint> series(std::int64_t runId, const std::string& name = {}) const;
  // Drops series points with step > `step` (a resumed run repeats the steps after its checkpoint).
  void truncateSeries(std::int64_t runId, std::int64_t step);
  void setFinalMetrics(std::int64_t runId, const std::vector<FinalMetric>& metrics);
  std::vector<FinalMetric> finalMetrics(std::int64_t runId) const;
  void addPredictions(std::int64_t runId, const std::vector<Prediction>& preds);  // replaces
  std::vector<Prediction> predictions(std::int64_t runId) const;

  // Artifacts: bytes stored as BLOBs. keepLast > 0 deletes older artifacts of the same run and
  // kind beyond the newest `keepLast`, in the same transaction.
  std::int64_t addArtifact(const ArtifactRecord& meta, const std::string& bytes, int keepLast = 0);
  std::vector<ArtifactRecord> artifacts(std::int64_t runId) const;
  std::optional<ArtifactRecord> lastArtifact(std::int64_t runId, const std::string& kind) const;
  std::string artifactBytes(std::int64_t artifactId) const;

  std::int64_t addNote(std::int64_t runId, const std::string& text);
  std::vector<NoteRecord> notes() const;

  // ---- files
  // Writes a consistent copy (SQLite online backup) to `path`; this Project stays on its file.
  void saveCopy(const std::string& path) const;
  // Save As: copy, then continue on the new file.
  void saveAs(const std::string& path);
  // Rebuilds the file (VACUUM); returns {bytes before, bytes after}.
  std::pair<std::int64_t, std::int64_t> vacuum();
  // Limits the file size (PRAGMA max_page_count); writes past it fail like on a full disk.
  void setSizeLimitBytes(std::int64_t bytes);

  struct Impl;

 private:
  explicit Project(std::unique_ptr<Impl> d);
  std::unique_ptr<Impl> d_;
};

// Recent projects: a small JSON file in pd::dataDir() ("recent-projects.json"), newest first.
std::vector<std::string> recentProjects();
void addRecentProject(const std::string& path, std::size_t keep = 10);
void removeRecentProject(const std::string& path);

// This machine's host name and the current time as ISO 8601 UTC (for provenance).
std::string hostName();
std::string nowIso8601();

}  // namespace pd
