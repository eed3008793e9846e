#pragma once
// Job kinds: a job spec is JSON with a "kind" field; the registry maps each kind to a factory and
// to the schema of its options, from which the GUI builds forms and the CLI validates specs.
// Runs of registered kinds are recorded in a project: state, series, final metrics, predictions,
// checkpoints (see ProjectJob / runSpecInProject).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "promptdesk/jobs.h"
#include "promptdesk/options.h"

namespace pd {

class Project;

struct JobKindInfo {
  std::string kind;
  std::string title;
  std::string description;
  std::vector<OptionSpec> options;
  // A grid kind (an experiment) runs as its cells: expandJobSpec() gives one spec per cell, each
  // of an ordinary kind, recorded as its own run.
  bool grid = false;

  // Appends an option and returns it (for setting required / choices).
  OptionSpec& addOption(std::string name, std::string type, std::string defaultJson,
                        std::string help, std::optional<double> min = {},
                        std::optional<double> max = {}) {
    OptionSpec o;
    o.name = std::move(name);
    o.type = std::move(type);
    o.defaultJson = std::move(defaultJson);
    o.help = std::move(help);
    o.min = min;
    o.max = max;
    options.push_back(std::move(o));
    return options.back();
  }
};

// What a running job kind sees of the project it records into (implemented over a Project
// connection of its own). All calls write immediately, each in its own transaction.
class RunSink {
 public:
  virtual ~RunSink() = default;
  virtual std::int64_t runId() const = 0;
  virtual Project& project() = 0;
  virtual void series(std::int64_t step, int epoch, const std::string& name, double value) = 0;
  virtual void finalMetric(const std::string& name, double value) = 0;
  // Stores a checkpoint (safetensors bytes) for resume; keeps the newest few.
  virtual void checkpoint(std::int64_t step, const std::string& safetensorsBytes) = 0;
  // The newest checkpoint of this run (empty when none) and its step.
  virtual std::string lastCheckpoint(std::int64_t* step) = 0;
  virtual bool resuming() const = 0;
};

// A job kind's implementation: run(spec, ctx, sink). The spec arrives validated, with defaults
// filled in. Throw pd::Error to fail.
class JobKind {
 public:
  virtual ~JobKind() = default;
  virtual JobKindInfo info() const = 0;
  virtual void run(const std::string& specJson, JobContext& ctx, RunSink& sink) = 0;
  // Before validation: rewrites what earlier versions wrote (legacy keys) into today's form.
  virtual std::string upgrade(const std::string& specJson) const { return specJson; }
  // After validation (defaults filled in): checks and completes what depends on other fields
  // (e.g. the options of the chosen method). Throws pd::Error naming the field.
  virtual std::string finish(const std::string& specJson) const { return specJson; }
  // Grid kinds: the cells' specs (unnormalized JSON) for a normalized spec of this kind.
  virtual std::vector<std::string> expand(const std::string& specJson) const {
    (void)specJson;
    return {};
  }
};

using JobKindFactory = std::function<std::unique_ptr<JobKind>()>;

// Registers a kind (call at static-init time from the kind's .cpp, or at startup).
void registerJobKind(const JobKindInfo& info, JobKindFactory factory);
std::vector<JobKindInfo> jobKinds();
std::optional<JobKindInfo> jobKindInfo(const std::string& kind);
// Validates a spec against its kind's schema (unknown kind, unknown option, wrong type, out of
// range, missing required option: pd::Error naming the field) and returns it canonical, with
// defaults filled in.
std::string normalizeJobSpec(const std::string& specJson);
// The normalized specs a spec runs as: itself, or one per cell for a grid kind.
std::vector<std::string> expandJobSpec(const std::string& specJson);
// A one-line name for a spec as job lists show it: "<kind>: <label or method>, <N> shots, seed
// <S>" (the parts it has; seed only with shots > 0). Never throws ("" for text that is not JSON).
std::string describeJobSpec(const std::string& specJson);

// A pd::Job that records one run of a spec in the project at `projectPath`, on its own
// connection. New run: spec is stored, a run row created (queued) at construction, so runId()
// is known before the job starts. Resume: pass the id of an interrupted/failed/cancelled run.
class ProjectJob : public Job {
 public:
  static std::shared_ptr<ProjectJob> newRun(const std::string& projectPath,
                                            const std::string& specJson);
  static std::shared_ptr<ProjectJob> resume(const std::string& projectPath, std::int64_t runId);
  // Jobs for every spec expandJobSpec() gives. With `reuse`, a spec that already has a succeeded
  // run in the project is skipped (counted in *skipped) and one whose latest run was interrupted,
  // failed or cancelled is resumed from its last checkpoint; the rest are new runs.
  struct Batch {
    std::vector<std::shared_ptr<ProjectJob>> jobs;
    int skipped = 0, resumed = 0;
  };
  static Batch newRuns(const std::string& projectPath, const std::string& specJson,
                       bool reuse = true);
  ~ProjectJob() override;

  std::int64_t runId() const;
  std::string name() const override;
  void run(JobContext& ctx) override;

  struct Impl;

 private:
  ProjectJob();
  std::unique_ptr<Impl> d_;
};

// Convenience for the CLI: runs a ProjectJob on a one-worker JobRunner, forwarding progress to
// `onEvent` (may be empty). Returns the run id; the run's final state is in the project.
std::int64_t runJobInProject(std::shared_ptr<ProjectJob> job,
                             const std::function<void(const JobEvent&)>& onEvent = {});

}  // namespace pd
