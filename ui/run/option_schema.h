#pragma once
// A job kind's options, as the run dialog shows them: a plain list, no Qt. The core's job-kind
// registry describes its jobs this way; the GUI builds a form from it.
#include <map>
#include <string>
#include <vector>

#include "promptdesk/options.h"

namespace pd::ui {

enum class OptionType { Int, Double, Bool, String, Choice };

struct OptionSpec {
  std::string name;  // key in the values map ("lr", "shots")
  OptionType type = OptionType::String;
  std::string defaultValue;  // as text ("0.002", "16", "true", "end")
  double min = -1e300;       // Int/Double: inclusive range
  double max = 1e300;
  std::vector<std::string> choices;  // Choice
  std::string help;                  // tooltip
  std::string label;                 // shown name; empty: name
  bool required = false;             // String: must not be empty
  // String: values offered in an editable combo box (e.g. the project's models); free text stays
  // allowed.
  std::vector<std::string> suggestions;
  // The core's declaration this field was made from (type, range, choices): the form's text goes
  // back to the core through it (pd::jobSpecFromText). Empty name: a field made in the UI.
  ::pd::OptionSpec core;
  // Empty is allowed and means "the method's own default" (options a job kind offers for several
  // methods: the spec leaves them out).
  bool optional = false;
};

using OptionSchema = std::vector<OptionSpec>;
using OptionValues = std::map<std::string, std::string>;

// Checks one value against its spec; returns an empty string when valid, else the reason.
std::string checkOption(const OptionSpec& spec, const std::string& value);

}  // namespace pd::ui
