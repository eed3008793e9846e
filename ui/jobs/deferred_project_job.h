#pragma once
// A run of a registered job kind whose project bookkeeping happens on the worker thread: the
// run row is created (ProjectJob::newRun) when the job starts, not when it is submitted, so
// launching from the GUI never waits for the project file's write lock while other runs write.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "promptdesk/job_registry.h"
#include "promptdesk/jobs.h"

namespace pd::ui {

class DeferredProjectJob : public ::pd::Job {
 public:
  // `specJson` must be normalized already (validated on the GUI thread, before submitting).
  DeferredProjectJob(std::string projectPath, std::string specJson, std::string name)
      : projectPath_(std::move(projectPath)), spec_(std::move(specJson)), name_(std::move(name)) {}

  std::string name() const override { return name_; }
  void run(::pd::JobContext& ctx) override {
    ctx.checkCancelled();
    auto job = ::pd::ProjectJob::newRun(projectPath_, spec_);
    runId_ = job->runId();
    job->run(ctx);
  }
  // The project run this job records into; 0 until it has started.
  std::int64_t runId() const { return runId_; }
  const std::string& spec() const { return spec_; }

 private:
  std::string projectPath_, spec_, name_;
  std::atomic<std::int64_t> runId_{0};
};

}  // namespace pd::ui
