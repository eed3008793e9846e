#pragma once
// CLI flags generated from declared options (promptdesk/options.h): `--n-ctx` for "n_ctx", typed
// checks from the declaration (range, choices), and the values the user gave collected as the
// text map pd::optionValuesToJson parses. No flag list is written by hand.
#include <CLI/CLI.hpp>

#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "promptdesk/options.h"

namespace pd::cli {

inline std::string flagName(const std::string& key) {
  std::string f = "--";
  for (char c : key) f += c == '_' ? '-' : c;
  return f;
}

class OptionFlags {
 public:
  // Adds one flag per option to `cmd`. Bool options are flags (`--csc`, `--no-csc`).
  void add(CLI::App* cmd, const std::vector<OptionSpec>& options, const std::string& group = "") {
    for (const OptionSpec& o : options) {
      auto slot = std::make_shared<Slot>();
      slot->spec = o;
      const std::string help = o.help + " (default " + o.defaultJson + ")";
      CLI::Option* opt = nullptr;
      if (o.type == "bool") {
        opt = cmd->add_flag(flagName(o.name) + ",!--no-" + flagName(o.name).substr(2),
                            slot->flag, help);
      } else {
        opt = cmd->add_option(flagName(o.name), slot->text, help);
        if (o.type == "int") {
          // Integer bounds print as integers ("INT in [1 - 64]").
          using I = long long;
          if (o.min || o.max)
            opt->check(CLI::Range(o.min ? I(*o.min) : std::numeric_limits<I>::min(),
                                  o.max ? I(*o.max) : std::numeric_limits<I>::max()));
        } else if (o.type == "float") {
          if (o.min && o.max)
            opt->check(CLI::Range(*o.min, *o.max));
          else if (o.min)
            opt->check(CLI::Range(*o.min, 1e300));
        }
        if (o.type == "int" || o.type == "float") {
          if (o.type == "int") opt->type_name("INT");
          else opt->type_name("FLOAT");
        } else if (o.type == "choice") {
          opt->check(CLI::IsMember(o.choices));
        }
      }
      if (!group.empty()) opt->group(group);
      slot->opt = opt;
      slots_.push_back(slot);
    }
  }
  // Name -> text of every option given on the command line.
  std::map<std::string, std::string> given() const {
    std::map<std::string, std::string> out;
    for (const auto& s : slots_) {
      if (s->opt->count() == 0) continue;
      out[s->spec.name] = s->spec.type == "bool" ? (s->flag ? "true" : "false") : s->text;
    }
    return out;
  }
  std::vector<OptionSpec> specs() const {
    std::vector<OptionSpec> out;
    for (const auto& s : slots_) out.push_back(s->spec);
    return out;
  }

 private:
  struct Slot {
    OptionSpec spec;
    std::string text;
    bool flag = false;
    CLI::Option* opt = nullptr;
  };
  std::vector<std::shared_ptr<Slot>> slots_;
};

}  // namespace pd::cli
