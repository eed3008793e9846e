#include "promptdesk/jobs.h"

#include <ATen/Parallel.h>

#include <dlfcn.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "promptdesk/version.h"

namespace pd {

const char* toString(JobState s) {
  switch (s) {
    case JobState::Queued:
      return "queued";
    case JobState::Running:
      return "running";
    case JobState::Succeeded:
      return "succeeded";
    case JobState::Failed:
      return "failed";
    case JobState::Cancelled:
      return "cancelled";
    case JobState::Interrupted:
      return "interrupted";
  }
  return "unknown";
}

namespace {
bool isFinal(JobState s) {
  return s == JobState::Succeeded || s == JobState::Failed || s == JobState::Cancelled ||
         s == JobState::Interrupted;
}
using Clock = std::chrono::steady_clock;

// OpenBLAS (pthread build) keeps one global thread count of its own, outside OpenMP: bound it to
// the per-worker budget too, so that workers x threads <= cores holds for BLAS calls as well.
void setBlasThreads(int n) {
  using SetFn = void (*)(int);
  if (auto fn = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(n);
}
}  // namespace

struct JobRecord {
  JobId id = 0;
  std::shared_ptr<Job> job;
  JobState state = JobState::Queued;
  std::string error;
  std::atomic<bool> cancel{false};
  Clock::time_point started;
};

struct JobRunner::Impl {
  int workers = 1;
  int nice = 0;
  int threads = 1;
  mutable std::mutex mutex;
  std::condition_variable queueCv;
  std::condition_variable doneCv;
  std::deque<std::shared_ptr<JobRecord>> queue;
  std::unordered_map<JobId, std::shared_ptr<JobRecord>> records;
  JobId nextId = 1;
  bool stopping = false;
  std::vector<std::thread> pool;
  std::mutex listenerMutex;
  Listener listener;

  void emit(const JobEvent& e) {
    Listener l;
    {
      std::lock_guard<std::mutex> lock(listenerMutex);
      l = listener;
    }
    if (l) l(e);
  }

  JobEvent baseEvent(const JobRecord& r) const {
    JobEvent e;
    e.id = r.id;
    e.name = r.job->name();
    e.state = r.state;
    e.error = r.error;
    return e;
  }

  void workerLoop();
  void runOne(const std::shared_ptr<JobRecord>& rec);
};

namespace {
class ContextImpl : public JobContext {
 public:
  ContextImpl(JobRunner::Impl& impl, JobRecord& rec) : impl_(impl), rec_(rec) {}
  bool cancelRequested() const override { return rec_.cancel.load(std::memory_order_relaxed); }
  int threads() const override { return impl_.threads; }
  void progress(double fraction, std::int64_t step, std::int64_t totalSteps,
                const std::string& message, const std::map<std::string, double>& metrics) override {
    JobEvent e;
    e.id = rec_.id;
    e.name = rec_.job->name();
    e.state = JobState::Running;
    e.fraction = fraction;
    e.step = step;
    e.totalSteps = totalSteps;
    e.message = message;
    e.metrics = metrics;
    e.elapsedSeconds = std::chrono::duration<double>(Clock::now() - rec_.started).count();
    if (fraction > 1e-6 && fraction <= 1.0)
      e.etaSeconds = e.elapsedSeconds * (1.0 - fraction) / fraction;
    impl_.emit(e);
  }

 private:
  JobRunner::Impl& impl_;
  JobRecord& rec_;
};
}  // namespace

void JobRunner::Impl::workerLoop() {
#ifdef __linux__
  // Per-thread on Linux; threads created later by this one (OpenMP's) inherit it.
  if (nice > 0) ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), nice);
#endif
  // Each worker owns its intra-op budget: OpenMP's thread count is per calling thread. ATen
  // initialises a thread lazily (on its first parallel op) from the process-wide count that the
  // last set_num_threads() call of *any* thread left, which could undo ours when several runners
  // start at once: initialise first, then set.
  at::init_num_threads();
  at::set_num_threads(threads);
  for (;;) {
    std::shared_ptr<JobRecord> rec;
    {
      std::unique_lock<std::mutex> lock(mutex);
      queueCv.wait(lock, [&] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping and nothing left
      rec = queue.front();
      queue.pop_front();
      if (rec->cancel.load()) {
        rec->state = JobState::Cancelled;
      } else {
        rec->state = JobState::Running;
        rec->started = Clock::now();
      }
    }
    if (rec->state == JobState::Cancelled) {
      emit(baseEvent(*rec));
      doneCv.notify_all();
      continue;
    }
    runOne(rec);
  }
}

void JobRunner::Impl::runOne(const std::shared_ptr<JobRecord>& rec) {
  emit(baseEvent(*rec));
  JobState final = JobState::Succeeded;
  std::string error;
  try {
    ContextImpl ctx(*this, *rec);
    rec->job->run(ctx);
    if (rec->cancel.load()) final = JobState::Cancelled;
  } catch (const JobCancelled&) {
    final = JobState::Cancelled;
  } catch (const std::exception& ex) {
    final = JobState::Failed;
    error = ex.what();
  } catch (...) {
    final = JobState::Failed;
    error = "unknown error (non-standard exception)";
  }
  JobEvent e;
  {
    std::lock_guard<std::mutex> lock(mutex);
    rec->state = final;
    rec->error = error;
    e = baseEvent(*rec);
  }
  e.fraction = final == JobState::Succeeded ? 1.0 : -1.0;
  e.elapsedSeconds = std::chrono::duration<double>(Clock::now() - rec->started).count();
  emit(e);
  doneCv.notify_all();
}

JobRunner::JobRunner(JobRunnerOptions options) : d_(std::make_unique<Impl>()) {
  const int cores = std::max(1, hardwareCores());
  d_->workers = options.workers > 0 ? options.workers : std::max(1, cores / 2);
  d_->threads =
      options.threadsPerWorker > 0 ? options.threadsPerWorker : std::max(1, cores / d_->workers);
  setBlasThreads(d_->threads);
  d_->nice = options.workerNice;
  for (int i = 0; i < d_->workers; ++i) d_->pool.emplace_back([this] { d_->workerLoop(); });
}

JobRunner::~JobRunner() {
  {
    std::lock_guard<std::mutex> lock(d_->mutex);
    d_->stopping = true;
    for (auto& kv : d_->records) kv.second->cancel = true;
  }
  d_->queueCv.notify_all();
  for (auto& t : d_->pool) t.join();
}

void JobRunner::setListener(Listener listener) {
  std::lock_guard<std::mutex> lock(d_->listenerMutex);
  d_->listener = std::move(listener);
}

JobId JobRunner::submit(std::shared_ptr<Job> job) {
  if (!job) throw std::invalid_argument("JobRunner::submit: null job");
  auto rec = std::make_shared<JobRecord>();
  rec->job = std::move(job);
  JobEvent e;
  {
    std::lock_guard<std::mutex> lock(d_->mutex);
    if (d_->stopping) throw std::runtime_error("JobRunner is shutting down");
    rec->id = d_->nextId++;
    d_->records[rec->id] = rec;
    d_->queue.push_back(rec);
    e = d_->baseEvent(*rec);
  }
  d_->emit(e);
  d_->queueCv.notify_one();
  return rec->id;
}

void JobRunner::cancel(JobId id) {
  std::lock_guard<std::mutex> lock(d_->mutex);
  auto it = d_->records.find(id);
  if (it != d_->records.end()) it->second->cancel = true;
}

void JobRunner::cancelAll() {
  std::lock_guard<std::mutex> lock(d_->mutex);
  for (auto& kv : d_->records) kv.second->cancel = true;
}

JobState JobRunner::state(JobId id) const {
  std::lock_guard<std::mutex> lock(d_->mutex);
  auto it = d_->records.find(id);
  if (it == d_->records.end()) throw std::out_of_range("unknown job id " + std::to_string(id));
  return it->second->state;
}

std::string JobRunner::error(JobId id) const {
  std::lock_guard<std::mutex> lock(d_->mutex);
  auto it = d_->records.find(id);
  return it == d_->records.end() ? std::string() : it->second->error;
}

std::shared_ptr<Job> JobRunner::job(JobId id) const {
  std::lock_guard<std::mutex> lock(d_->mutex);
  auto it = d_->records.find(id);
  return it == d_->records.end() ? nullptr : it->second->job;
}

bool JobRunner::wait(JobId id, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(d_->mutex);
  auto it = d_->records.find(id);
  if (it == d_->records.end()) throw std::out_of_range("unknown job id " + std::to_string(id));
  auto rec = it->second;
  return d_->doneCv.wait_for(lock, timeout, [&] { return isFinal(rec->state); });
}

void JobRunner::waitAll() {
  std::unique_lock<std::mutex> lock(d_->mutex);
  d_->doneCv.wait(lock, [&] {
    for (auto& kv : d_->records)
      if (!isFinal(kv.second->state)) return false;
    return true;
  });
}

int JobRunner::workers() const { return d_->workers; }
int JobRunner::threadsPerWorker() const { return d_->threads; }

}  // namespace pd
