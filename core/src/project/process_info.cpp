// Process identity for run ownership: a run left `running` whose process is gone was interrupted.
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>

#include "project/project_impl.h"

namespace pd {

std::string hostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown-host";
  return buf;
}

std::string nowIso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const char* toString(FileCheck c) {
  switch (c) {
    case FileCheck::Ok: return "ok";
    case FileCheck::Missing: return "missing";
    case FileCheck::Changed: return "changed";
  }
  return "unknown";
}

namespace project {

std::int64_t selfPid() { return static_cast<std::int64_t>(getpid()); }

std::int64_t processStartTicks(std::int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return 0;
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Field 2 (comm) may hold spaces and parentheses: parse after the last ')'.
  auto close = all.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(all.substr(close + 1));
  std::string field;
  // Fields after comm start at 3 (state); starttime is field 22.
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return 0;
  }
  try {
    return std::stoll(field);
  } catch (...) {
    return 0;
  }
}

bool processAlive(const std::string& host, std::int64_t pid, std::int64_t startTicks) {
  if (pid <= 0) return false;
  if (host != hostName()) return true;  // cannot tell from here: assume the other host runs it
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  std::int64_t now = processStartTicks(pid);
  if (now == 0) return false;
  return startTicks == 0 || now == startTicks;  // a recycled pid has another start time
}

std::string jobStateName(JobState s) { return toString(s); }

JobState jobStateFromName(const std::string& s) {
  for (JobState st : {JobState::Queued, JobState::Running, JobState::Succeeded, JobState::Failed,
                      JobState::Cancelled, JobState::Interrupted})
    if (s == toString(st)) return st;
  return JobState::Failed;
}

}  // namespace project
}  // namespace pd
