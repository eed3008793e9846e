#pragma once
// The worker pool: jobs are plain objects (typed spec in, result out) run on N worker threads.
// Each worker sets its own torch intra-op thread count so that workers x threads <= cores.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace pd {

using JobId = std::uint64_t;

enum class JobState { Queued, Running, Succeeded, Failed, Cancelled, Interrupted };
const char* toString(JobState s);

// One progress report from a running job. Delivered on the job's worker thread: listeners must be
// thread-safe and quick (the UI queues them to its own thread).
struct JobEvent {
  JobId id = 0;
  std::string name;
  JobState state = JobState::Queued;
  double fraction = 0.0;  // 0..1, or < 0 when unknown
  std::int64_t step = 0;
  std::int64_t totalSteps = 0;
  std::string message;
  std::map<std::string, double> metrics;  // e.g. {"loss": 0.42, "lr": 0.002}
  std::string error;                      // set when state == Failed
  double elapsedSeconds = 0.0;
  double etaSeconds = -1.0;  // < 0 when unknown
};

// Thrown by JobContext::checkCancelled(); the runner turns it into JobState::Cancelled.
struct JobCancelled : std::exception {
  const char* what() const noexcept override { return "job cancelled"; }
};

// What a running job sees: its cancel flag, its thread budget and a progress reporter.
class JobContext {
 public:
  virtual ~JobContext() = default;
  virtual bool cancelRequested() const = 0;
  // Throws JobCancelled when cancel was requested: call it once per step.
  void checkCancelled() const {
    if (cancelRequested()) throw JobCancelled();
  }
  virtual int threads() const = 0;
  virtual void progress(double fraction, std::int64_t step, std::int64_t totalSteps,
                        const std::string& message,
                        const std::map<std::string, double>& metrics = {}) = 0;
};

// A unit of work. Subclasses hold their typed spec (given in the constructor) and expose their
// typed result after run() returns. run() throws to fail; the message becomes the job's error.
class Job {
 public:
  virtual ~Job() = default;
  virtual std::string name() const = 0;
  virtual void run(JobContext& ctx) = 0;
};

// A job made from a callable, for small tasks and tests.
class FunctionJob : public Job {
 public:
  FunctionJob(std::string name, std::function<void(JobContext&)> fn)
      : name_(std::move(name)), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  void run(JobContext& ctx) override { fn_(ctx); }

 private:
  std::string name_;
  std::function<void(JobContext&)> fn_;
};

struct JobRunnerOptions {
  int workers = 0;           // 0: one heavy job per 2 cores (at least 1)
  int threadsPerWorker = 0;  // 0: cores / workers (at least 1)
  // Linux: nice value of the worker threads (and of the OpenMP threads they start), so that an
  // interactive thread (the GUI's) wins the CPU when jobs load every core. 0: unchanged.
  int workerNice = 0;
};

class JobRunner {
 public:
  using Listener = std::function<void(const JobEvent&)>;

  explicit JobRunner(JobRunnerOptions options = {});
  ~JobRunner();  // cancels what is queued or running and joins the workers
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // The listener receives every state change and progress event, on worker threads.
  void setListener(Listener listener);

  JobId submit(std::shared_ptr<Job> job);
  void cancel(JobId id);
  void cancelAll();

  JobState state(JobId id) const;
  std::string error(JobId id) const;
  std::shared_ptr<Job> job(JobId id) const;

  // Waits until the job has ended (any final state). Returns false on timeout.
  bool wait(JobId id, std::chrono::milliseconds timeout = std::chrono::hours(24 * 365));
  void waitAll();

  int workers() const;
  int threadsPerWorker() const;

  struct Impl;  // implementation detail (job_runner.cpp)

 private:
  std::unique_ptr<Impl> d_;
};

}  // namespace pd
