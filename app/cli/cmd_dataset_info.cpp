// promptdesk-cli dataset info: classes, counts per class and split, problems found, and for text
// datasets a few rows. Exits 2 when items were refused (labels off the class list, paths outside
// the root): such a dataset cannot be used for a run.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "dataset_options.h"

namespace {

constexpr int kRowsShown = 5;

// The first `n` items of the dataset, split by split (text datasets).
std::vector<std::pair<std::string, const pd::ItemRef*>> firstRows(const pd::Dataset& ds, int n) {
  std::vector<std::pair<std::string, const pd::ItemRef*>> out;
  for (auto& split : ds.splitNames())
    for (auto& item : ds.items(split)) {
      if (static_cast<int>(out.size()) >= n) return out;
      out.emplace_back(split, &item);
    }
  return out;
}

// One line of at most `width` bytes (whole UTF-8 characters), line breaks and tabs shown as spaces.
std::string oneLine(const std::string& s, std::size_t width) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    if (out.size() >= width && (static_cast<unsigned char>(c) & 0xC0) != 0x80) return out + "...";
    out += c;
  }
  return out;
}

nlohmann::json toJson(const pd::DatasetInfo& info, const pd::Dataset& ds) {
  nlohmann::json j;
  j["name"] = info.name;
  j["kind"] = info.kind;
  j["modality"] = info.modality;
  j["root"] = info.root;
  j["classes"] = info.classNames;
  j["splits"] = nlohmann::json::object();
  for (auto& s : info.splits) j["splits"][s.name] = {{"total", s.total}, {"per_class", s.perClass}};
  j["problem_counts"] = info.problemCounts;
  j["refused"] = info.refused;
  j["usable"] = info.refused == 0;
  if (info.modality == "text") {
    j["rows"] = nlohmann::json::array();
    for (auto& [split, item] : firstRows(ds, kRowsShown))
      j["rows"].push_back({{"split", split},
                           {"id", item->id},
                           {"label", item->label},
                           {"class", item->className},
                           {"text", item->text},
                           {"text_b", item->text2}});
  }
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
    // Open even with refused items so that all of them are listed; the exit status says.
    auto dataset = pd::openDataset(args.spec, args.resolvedForInspection());
    pd::DatasetInfo info = dataset->info();
    out.code = info.refused > 0 ? 2 : 0;
    if (json) {
      std::cout << toJson(info, *dataset).dump(2) << "\n";
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
    if (info.modality == "text") {
      const auto rows = firstRows(*dataset, kRowsShown);
      std::cout << "rows (first " << rows.size() << "):\n";
      for (auto& [split, item] : rows)
        std::cout << "  " << split << "  " << item->id << "  [" << item->className << "]  "
                  << oneLine(item->text, 100)
                  << (item->text2.empty() ? "" : "  ||  " + oneLine(item->text2, 60)) << "\n";
    }
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
    if (info.refused > 0) {
      std::fflush(stdout);
      std::cerr << "error: " << info.refused
                << " item(s) refused (labels that do not match the class list, or paths outside "
                   "the dataset's root); this dataset cannot be used for a run\n";
    }
  });
});

}  // namespace
