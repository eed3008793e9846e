#pragma once
// The method registry: every prompt-learning method PromptDesk knows, in one explicit list
// (core/src/methods/registry.cpp), each declared by its own folder core/src/methods/<name>/.
// A method gives its name, the model families it works on, a one-line description, its options
// (declared once, typed) and its presets: named overrides of those options ("coop-csc" is CoOp
// with csc = true). The CLI's `methods` and `train <method>`, the job schemas and the GUI's forms
// are all made from this registry.
#include <string>
#include <vector>

#include "promptdesk/options.h"

namespace pd {

struct MethodPreset {
  std::string name;           // e.g. "coop-csc"
  std::string description;    // one line
  std::string overridesJson;  // JSON object of option values, e.g. {"csc":true}
};

struct MethodInfo {
  std::string name;         // e.g. "coop"
  std::string title;        // e.g. "CoOp (context optimisation)"
  std::string description;  // one line
  std::vector<std::string> families;  // model families it works on: "clip", ...
  bool usesTrainingData = true;       // false: zero-shot (drawn at 0 shots)
  std::vector<OptionSpec> options;
  std::vector<MethodPreset> presets;
};

// Every registered method, in registry order.
const std::vector<MethodInfo>& registeredMethods();
// Method names and preset names, in registry order (each method followed by its presets).
std::vector<std::string> methodChoices();

// A method or preset name resolved to its method, and its options completed: defaults <- the
// preset's overrides <- `overridesJson` (a JSON object; keys the method does not declare are
// errors). Errors (unknown name, unknown option, wrong type, out of range) name `where.<key>`.
struct ResolvedMethod {
  const MethodInfo* method = nullptr;
  const MethodPreset* preset = nullptr;  // null when the name is the method itself
  std::string name;                      // as given
  std::string optionsJson;               // every option of the method, as a JSON object
};
ResolvedMethod resolveMethod(const std::string& nameOrPreset,
                             const std::string& overridesJson = "{}",
                             const std::string& where = "method");

// The registry as JSON (what `promptdesk-cli methods --json` prints).
std::string methodsJson();

}  // namespace pd
