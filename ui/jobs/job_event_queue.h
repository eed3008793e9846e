#pragma once
// Hands pd::JobEvents from worker threads to the GUI thread: workers push (never wait on the GUI),
// the GUI drains on a timer. Thread-safe; no Qt. A job that reports progress faster than the GUI
// drains has its surplus progress events coalesced: past kMaxPendingProgress pending progress
// events of one job, a new one replaces the newest pending one (state changes are always kept).
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "promptdesk/jobs.h"

namespace pd::ui {

class JobEventQueue {
 public:
  static constexpr int kMaxPendingProgress = 256;

  void push(const JobEvent& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    const bool progress =
        e.state == JobState::Running &&
        (e.fraction != 0.0 || e.step != 0 || !e.metrics.empty() || !e.message.empty());
    if (progress) {
      auto& pending = pending_[e.id];
      if (pending.count >= kMaxPendingProgress) {
        events_[pending.last] = e;
        ++coalesced_;
        return;
      }
      ++pending.count;
      pending.last = events_.size();
    }
    events_.push_back(e);
  }

  std::vector<JobEvent> drain() {
    std::vector<JobEvent> out;
    std::lock_guard<std::mutex> lock(mutex_);
    out.swap(events_);
    pending_.clear();
    return out;
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_.size();
  }
  std::int64_t coalesced() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return coalesced_;
  }

 private:
  struct Pending {
    int count = 0;
    size_t last = 0;
  };
  mutable std::mutex mutex_;
  std::vector<JobEvent> events_;
  std::unordered_map<JobId, Pending> pending_;
  std::int64_t coalesced_ = 0;
};

}  // namespace pd::ui
