// promptdesk-cli dataset info: classes, counts per class and split, problems found.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "dataset_options.h"

namespace {

nlohmann::json toJson(const pd::DatasetInfo& info) {
  nlohmann::json j;
  j["name"] = info.name;
  j["kind"] = info.kind;
  j["modality"] = info.modality;
  j["root"] = info.root;
  j["classes"] = info.classNames;
  j["splits"] = nlohmann::json::object();
  for (auto& s : info.splits) j["splits"][s.name] = {{"total", s.total}, {"per_class", s.perClass}};
  j["problem_counts"] = info.problemCounts;
  j["problems"] = nlohmann::json::array();
  for (auto& p : info.problems)
    j["problems"].push_back(
        {{"kind", p.kind}, {"where", p.where}, {"message", p.message}, {"action", p.action}});
  j["load_seconds"] = info.loadSeconds;
  return j;
}

pd::cli::Registrar reg("dataset info", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& ds = pd::cli::group(root, "dataset", "Datasets: inspect, sample few-shot splits");
  auto* cmd = ds.add_subcommand("info", "Classes, counts per class and split, problems found");
  static pd::cli::DatasetArgs args;
  static bool json = false;
  static int maxProblems = 20;
  args.add(cmd);
  cmd->add_flag("--json", json, "print one JSON object (all problems included)");
  cmd->add_option("--max-problems", maxProblems, "problems listed in text output (default 20)");
  cmd->callback([&out] {
    auto dataset = args.open();
    pd::DatasetInfo info = dataset->info();
    out.code = 0;
    if (json) {
      std::cout << toJson(info).dump(2) << "\n";
      return;
    }
    std::cout << "dataset: " << info.name << " (" << info.kind << ", " << info.modality << ") "
              << info.root << "\n";
    std::cout << "classes: " << info.classNames.size() << "\n";
    std::cout << "splits:";
    for (auto& s : info.splits) std::cout << " " << s.name << " " << s.total;
    std::cout << "\n";
    std::printf("  %5s  %-24s", "label", "class");
    for (auto& s : info.splits) std::printf(" %9s", s.name.c_str());
    std::printf("\n");
    for (std::size_t c = 0; c < info.classNames.size(); ++c) {
      std::printf("  %5zu  %-24s", c, info.classNames[c].c_str());
      for (auto& s : info.splits) std::printf(" %9lld", static_cast<long long>(s.perClass[c]));
      std::printf("\n");
    }
    std::fflush(stdout);
    if (info.problems.empty()) {
      std::cout << "problems: none\n";
    } else {
      std::cout << "problems: " << info.problems.size() << " (";
      bool first = true;
      for (auto& [k, n] : info.problemCounts) {
        std::cout << (first ? "" : ", ") << k << ": " << n;
        first = false;
      }
      std::cout << ")\n";
      int shown = 0;
      for (auto& p : info.problems) {
        if (shown++ >= maxProblems) {
          std::cout << "  ... " << info.problems.size() - maxProblems
                    << " more (--json lists all)\n";
          break;
        }
        std::cout << "  " << p.where << ": " << p.kind << ": " << p.message << " [" << p.action
                  << "]\n";
      }
    }
    std::printf("loaded in %.3f s\n", info.loadSeconds);
  });
});

}  // namespace
