// promptdesk-cli template library: the built-in hand-crafted prompts (and a user file's).
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/template_set.h"

namespace {

struct LibraryArgs {
  std::string dataset;
  std::string file;
  bool json = false;
};

std::string shown(const std::string& t) {
  std::string out;
  for (char c : t) out += c == '\n' ? std::string("\\n") : std::string(1, c);
  return out;
}

pd::cli::Registrar reg("template", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& group = pd::cli::group(root, "template", "Prompt templates: check, preview, library");
  auto args = std::make_shared<LibraryArgs>();
  auto* cmd =
      group.add_subcommand("library", "List the built-in hand-crafted prompts per data set");
  cmd->add_option("--dataset", args->dataset,
                  "show one data set's template sets (e.g. OxfordPets)");
  cmd->add_option("--file", args->file, "also load a user library JSON (its entries override)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", args->json, "print the (merged) library, or one entry, as JSON");
  cmd->callback([args, &out] {
    pd::TemplateLibrary lib = pd::TemplateLibrary::builtin();
    if (!args->file.empty()) lib.merge(pd::TemplateLibrary::load(args->file));
    if (args->dataset.empty()) {
      if (args->json) {
        std::cout << lib.toJson();
      } else {
        for (const auto& d : lib.datasets()) {
          std::cout << d.name;
          for (const auto& s : d.sets)
            std::cout << "  " << s.name << "[" << s.templates.size() << "]";
          std::cout << "\n    " << d.description << "\n";
        }
      }
      out.code = 0;
      return;
    }
    const pd::DatasetPrompts& d = lib.get(args->dataset);
    if (args->json) {
      nlohmann::json sets = nlohmann::json::object();
      for (const auto& s : d.sets)
        sets[s.name] = {{"family", pd::familyName(s.family)}, {"templates", s.templates}};
      std::cout << nlohmann::json{{"name", d.name},
                                  {"aka", d.aka},
                                  {"description", d.description},
                                  {"default", d.defaultSet},
                                  {"sets", sets},
                                  {"class_aliases", d.classAliases}}
                       .dump(2)
                << "\n";
      out.code = 0;
      return;
    }
    std::cout << d.name << ": " << d.description << "\n";
    for (const auto& s : d.sets) {
      std::cout << "set " << s.name << (s.name == d.defaultSet ? " (default)" : "") << ", "
                << pd::familyName(s.family) << ", " << s.templates.size() << " template(s):\n";
      for (const auto& t : s.templates) std::cout << "  " << shown(t) << "\n";
    }
    if (!d.classAliases.empty()) {
      std::cout << "class aliases:\n";
      for (const auto& [cls, alias] : d.classAliases)
        std::cout << "  " << cls << " -> " << alias << "\n";
    }
    out.code = 0;
  });
});

}  // namespace
