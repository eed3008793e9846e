#pragma once
// The project schema as forward-only migrations: migration i takes user_version i to i + 1.
#include <string>
#include <vector>

#include "project/sqlite_db.h"

namespace pd::project {

// SQL of migration `from` -> `from + 1` (from = 0 creates the v1 tables).
const std::vector<std::string>& migrations();

// Applies the migrations from the file's user_version up to `target`, each in its own transaction
// that also bumps user_version. Returns the version the file was at.
int migrate(Db& db, int target);

// What the 100-byte SQLite header of `path` says, without trusting SQLite to open it.
struct HeaderInfo {
  bool sqlite = false;
  bool truncated = false;
  std::int64_t fileSize = 0;
  std::int32_t applicationId = 0;
  int userVersion = 0;
};
HeaderInfo readHeader(const std::string& path);

}  // namespace pd::project
