// promptdesk-cli methods [--json]: the method registry: each method with its model families, a
// one-line description, its options (type, default, range, help) and its presets.
#include <iostream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/methods.h"

namespace {
pd::cli::Registrar reg("methods", [](CLI::App& root, pd::cli::Outcome& out) {
  auto* cmd = root.add_subcommand("methods", "List the registered methods, their options and presets");
  static bool asJson = false;
  cmd->add_flag("--json", asJson, "print the registry as JSON");
  cmd->callback([&out] {
    if (asJson) {
      std::cout << pd::methodsJson() << "\n";
      out.code = 0;
      return;
    }
    for (const auto& m : pd::registeredMethods()) {
      std::string fam;
      for (const auto& f : m.families) fam += (fam.empty() ? "" : ", ") + f;
      std::cout << m.name << "  [" << fam << "]  " << m.description << "\n";
      for (const auto& o : m.options) {
        std::ostringstream line;
        line << "    " << o.name << " (" << o.type;
        if (!o.choices.empty()) {
          line << ":";
          for (std::size_t i = 0; i < o.choices.size(); ++i) line << (i ? "|" : " ") << o.choices[i];
        }
        line << ", default " << o.defaultJson;
        // An int's bounds print as integers ("1..64"), a float's as JSON numbers ("1e-08..10.0").
        auto bound = [&](const std::optional<double>& v) -> std::string {
          if (!v) return "";
          if (o.type == "int") return std::to_string(static_cast<long long>(*v));
          return nlohmann::json(*v).dump();
        };
        if (o.min || o.max) line << ", " << bound(o.min) << ".." << bound(o.max);
        line << ")  " << o.help;
        std::cout << line.str() << "\n";
      }
      for (const auto& p : m.presets)
        std::cout << "    preset " << p.name << " = " << p.overridesJson << "  " << p.description
                  << "\n";
    }
    out.code = 0;
  });
});
}  // namespace
