#pragma once
// Hands pd::JobEvents from worker threads to the GUI thread: workers push (never block on the GUI),
// the GUI drains on a timer. Thread-safe; no Qt.
#include <mutex>
#include <vector>

#include "promptdesk/jobs.h"

namespace pd::ui {

class JobEventQueue {
 public:
  void push(const JobEvent& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(e);
  }
  std::vector<JobEvent> drain() {
    std::vector<JobEvent> out;
    std::lock_guard<std::mutex> lock(mutex_);
    out.swap(events_);
    return out;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<JobEvent> events_;
};

}  // namespace pd::ui
