#pragma once
// Validation of JSON values against OptionSpec records (shared by job kinds and methods).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "promptdesk/options.h"

namespace pd::options {

// Checks `v` against `o` (type, range, choices); throws pd::Error naming `where` (e.g.
// "clip-fewshot.n_ctx"). A null value is accepted for an option whose default is null.
const nlohmann::json& check(const OptionSpec& o, const nlohmann::json& v, const std::string& where);

// The object `given` checked against `options`: unknown keys refused, every option present (the
// default where `given` has none; a required one missing is an error). Errors name `where.key`.
nlohmann::json complete(const std::vector<OptionSpec>& options, const nlohmann::json& given,
                        const std::string& where);

const OptionSpec* find(const std::vector<OptionSpec>& options, const std::string& name);

// "16" -> 16 for an int option, "true" -> true for a bool, ... (pd::Error naming `where`).
nlohmann::json fromText(const OptionSpec& o, const std::string& text, const std::string& where);

}  // namespace pd::options
