#pragma once
// Running job specs in a project from the CLI (`run`, and `--project` on train/eval/experiment):
// the spec is expanded (grids run as their cells), cells already finished in the project are
// skipped, interrupted ones resumed; progress on stderr, one JSON line per run on stdout.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pd::cli {

struct ProjectRunsSummary {
  std::vector<std::int64_t> runIds;
  int skipped = 0, resumed = 0, failed = 0;
};

// Throws pd::Error when any run did not succeed (after running the others).
ProjectRunsSummary runSpecInProject(const std::string& projectPath, const nlohmann::json& spec,
                                    bool quiet, bool reuse = true);

}  // namespace pd::cli
