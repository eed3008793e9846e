#pragma once
// Subcommands of promptdesk-cli register themselves from their own file (cmd_*.cpp):
//   static pd::cli::Registrar reg("tokenize", [](CLI::App& root, pd::cli::Outcome& out) { ... });
// A command's callback stores its exit code in `out.code`; errors are thrown as pd::Error (exit 1).
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace pd::cli {

struct Outcome {
  int code = 0;
};

using Setup = std::function<void(CLI::App& root, Outcome& outcome)>;

// `order` sorts registration so --help lists commands stably; use the command's name.
void registerCommand(const std::string& order, Setup setup);

struct Registrar {
  Registrar(const std::string& order, Setup setup) { registerCommand(order, std::move(setup)); }
};

// Returns the subcommand `name` of `root`, creating it (with `description`) on first use, so that
// several files can add children to one group (e.g. "bench", "dataset", "project").
CLI::App& group(CLI::App& root, const std::string& name, const std::string& description);

}  // namespace pd::cli
