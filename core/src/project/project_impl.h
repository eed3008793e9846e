#pragma once
// Project's private state, shared by the project_*.cpp files.
#include <memory>
#include <mutex>
#include <string>

#include "project/sqlite_db.h"
#include "promptdesk/project.h"

namespace pd {

struct Project::Impl {
  std::string path;
  std::unique_ptr<project::Db> db;
  mutable std::recursive_mutex mutex;  // one connection, one user at a time
  bool readOnly = false;
  std::string readOnlyReason;
  int schemaVersion = 0;
  std::string backupPath;
  int interrupted = 0;
  int busyTimeoutMs = 15000;

  void requireWritable(const char* what) const;
};

namespace project {
// Identity of this process as stored with a run (pid + kernel start time + host).
std::int64_t selfPid();
std::int64_t processStartTicks(std::int64_t pid);  // 0 when the process does not exist
bool processAlive(const std::string& host, std::int64_t pid, std::int64_t startTicks);
std::string jobStateName(JobState s);
JobState jobStateFromName(const std::string& s);
}  // namespace project

}  // namespace pd
