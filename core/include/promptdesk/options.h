#pragma once
// One option of a job kind or a method, as declared once in its config (typed: key, default,
// range, choices, help). The job schema, the JSON parse, the CLI flags and the GUI form are all
// made from these records.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pd {

struct OptionSpec {
  std::string name;
  std::string type;                  // "int" | "float" | "bool" | "string" | "path" | "choice"
  std::string defaultJson = "null";  // JSON text of the default; "null" with required = true, or
                                     // "null" alone: "the method's own default" (grid overrides)
  bool required = false;
  std::optional<double> min, max;    // for int / float
  std::vector<std::string> choices;  // for "choice"
  std::string help;
};

// Text values as a form or a command line gives them ("16", "0.002", "true", "end") -> the JSON
// object they mean under `options` (an empty text leaves a non-required option out). Unknown
// names and unparsable values throw pd::Error naming `where.<name>`.
std::string optionValuesToJson(const std::vector<OptionSpec>& options,
                               const std::map<std::string, std::string>& values,
                               const std::string& where);

// A job spec from form text: {"kind": kind, then each option of `options` (in declaration order)
// whose text is given and not empty (an empty text leaves the option to its default; a required
// textual option keeps "" and is refused by the job's parse)}. Values parse as optionValuesToJson
// does; errors name `where.<name>`.
std::string jobSpecFromText(const std::string& kind, const std::vector<OptionSpec>& options,
                            const std::map<std::string, std::string>& values,
                            const std::string& where);

// An option's default as the text a user would type: "end" for "\"end\"", "" for null, "16".
std::string optionDefaultText(const OptionSpec& option);

}  // namespace pd
