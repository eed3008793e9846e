// ProjectJob: runs a registered job kind and records the run in a project, on its own connection.
#include <map>

#include <nlohmann/json.hpp>

#include "jobs/job_registry.h"
#include "promptdesk/error.h"
#include "promptdesk/hash.h"
#include "promptdesk/project.h"

using nlohmann::json;

namespace pd {

struct ProjectJob::Impl {
  std::string projectPath;
  std::string specJson;  // normalized
  std::string kind;
  std::int64_t runId = 0;
  bool resuming = false;
};

namespace {

class Sink : public RunSink {
 public:
  Sink(Project& p, std::int64_t runId, bool resuming) : p_(p), runId_(runId), resuming_(resuming) {}
  std::int64_t runId() const override { return runId_; }
  Project& project() override { return p_; }
  void series(std::int64_t step, int epoch, const std::string& name, double value) override {
    p_.addSeriesPoint(runId_, {step, epoch, name, value});
  }
  void finalMetric(const std::string& name, double value) override {
    p_.setFinalMetrics(runId_, {{name, value}});
  }
  void checkpoint(std::int64_t step, const std::string& bytes) override {
    ArtifactRecord a;
    a.runId = runId_;
    a.kind = "checkpoint";
    a.name = "step-" + std::to_string(step);
    a.format = "safetensors";
    a.step = step;
    p_.addArtifact(a, bytes, /*keepLast=*/2);
  }
  std::string lastCheckpoint(std::int64_t* step) override {
    auto a = p_.lastArtifact(runId_, "checkpoint");
    if (!a) return {};
    if (step) *step = a->step;
    return p_.artifactBytes(a->id);
  }
  bool resuming() const override { return resuming_; }

 private:
  Project& p_;
  std::int64_t runId_;
  bool resuming_;
};

RunRecord runInfoFromSpec(const json& spec, std::int64_t specId) {
  RunRecord r;
  r.specId = specId;
  auto str = [&](const char* k) {
    return spec.contains(k) && spec[k].is_string() ? spec[k].get<std::string>() : std::string();
  };
  r.experiment = str("experiment");
  r.method = !str("label").empty()  ? str("label")
             : str("method").empty() ? spec["kind"].get<std::string>()
                                     : str("method");
  r.templateName = str("template");
  if (spec.contains("shots") && spec["shots"].is_number_integer()) r.shots = spec["shots"];
  if (spec.contains("seed") && spec["seed"].is_number_integer()) r.seed = spec["seed"];
  return r;
}

}  // namespace

ProjectJob::ProjectJob() : d_(std::make_unique<Impl>()) {}
ProjectJob::~ProjectJob() = default;

std::shared_ptr<ProjectJob> ProjectJob::newRun(const std::string& projectPath,
                                               const std::string& specJson) {
  std::shared_ptr<ProjectJob> job(new ProjectJob());
  job->d_->projectPath = projectPath;
  job->d_->specJson = normalizeJobSpec(specJson);
  json spec = json::parse(job->d_->specJson);
  job->d_->kind = spec["kind"].get<std::string>();
  auto p = Project::open(projectPath);
  if (p->readOnly())
    throw Error("cannot run a job: the project is read-only (" + p->readOnlyReason() + ")",
                projectPath);
  std::int64_t specId = p->addJobSpec(job->d_->specJson);
  job->d_->runId = p->createRun(runInfoFromSpec(spec, specId));
  return job;
}

std::shared_ptr<ProjectJob> ProjectJob::resume(const std::string& projectPath, std::int64_t runId) {
  auto p = Project::open(projectPath);
  RunRecord r = p->run(runId);
  if (r.state != JobState::Interrupted && r.state != JobState::Failed &&
      r.state != JobState::Cancelled)
    throw Error(std::string("run ") + std::to_string(runId) + " is " + toString(r.state) +
                    "; only interrupted, failed or cancelled runs can be resumed",
                projectPath);
  std::shared_ptr<ProjectJob> job(new ProjectJob());
  job->d_->projectPath = projectPath;
  job->d_->specJson = normalizeJobSpec(p->jobSpec(r.specId).json);
  job->d_->kind = r.kind;
  job->d_->runId = runId;
  job->d_->resuming = true;
  return job;
}

ProjectJob::Batch ProjectJob::newRuns(const std::string& projectPath, const std::string& specJson,
                                      bool reuse) {
  Batch b;
  const auto specs = expandJobSpec(specJson);
  std::vector<RunRecord> runs;
  std::map<std::int64_t, std::string> specHash;  // spec id -> canonical hash
  if (reuse) {
    auto p = Project::open(projectPath);  // read-write: marks runs of dead processes interrupted
    runs = p->runs();
    for (const auto& r : runs)
      if (!specHash.count(r.specId)) {
        // Compared in today's canonical form, so that specs stored by earlier versions (other
        // keys for the same run) still match; a stored spec that no longer validates keeps its
        // stored hash.
        const JobSpecRecord stored = p->jobSpec(r.specId);
        try {
          specHash[r.specId] = canonicalJsonHash(normalizeJobSpec(stored.json));
        } catch (const Error&) {
          specHash[r.specId] = stored.hash;
        }
      }
  }
  for (const auto& spec : specs) {
    if (reuse) {
      const std::string hash = canonicalJsonHash(spec);
      const RunRecord* latest = nullptr;
      bool done = false;
      for (const auto& r : runs) {
        if (specHash[r.specId] != hash) continue;
        if (r.state == JobState::Succeeded) done = true;
        if (!latest || r.id > latest->id) latest = &r;
      }
      if (done) {
        ++b.skipped;
        continue;
      }
      if (latest && (latest->state == JobState::Interrupted || latest->state == JobState::Failed ||
                     latest->state == JobState::Cancelled)) {
        b.jobs.push_back(resume(projectPath, latest->id));
        ++b.resumed;
        continue;
      }
    }
    b.jobs.push_back(newRun(projectPath, spec));
  }
  return b;
}

std::int64_t ProjectJob::runId() const { return d_->runId; }
std::string ProjectJob::name() const {
  return d_->kind + " (run " + std::to_string(d_->runId) + ")";
}

void ProjectJob::run(JobContext& ctx) {
  auto p = Project::open(d_->projectPath);
  std::unique_ptr<JobKind> kind = makeJobKind(d_->kind);
  if (d_->resuming)
    p->claimRun(d_->runId);
  else
    p->setRunState(d_->runId, JobState::Running);
  Sink sink(*p, d_->runId, d_->resuming);
  auto finish = [&](JobState s, const std::string& err) {
    try {
      p->setRunState(d_->runId, s, err);
    } catch (const std::exception&) {
      // The write that records the end failed too (disk full, read-only): on the next open the
      // run is found `running` with no live process and marked interrupted.
    }
  };
  try {
    kind->run(d_->specJson, ctx, sink);
  } catch (const JobCancelled&) {
    finish(JobState::Cancelled, "cancelled by the user");
    throw;
  } catch (const std::exception& e) {
    finish(JobState::Failed, e.what());
    throw;
  }
  p->setRunState(d_->runId, JobState::Succeeded);
}

std::int64_t runJobInProject(std::shared_ptr<ProjectJob> job,
                             const std::function<void(const JobEvent&)>& onEvent) {
  JobRunner runner({1, 0});
  if (onEvent) runner.setListener(onEvent);
  JobId id = runner.submit(job);
  runner.wait(id);
  return job->runId();
}

}  // namespace pd
