#include "run/option_schema.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace pd::ui {

namespace {
std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
bool inRange(const OptionSpec& spec, double v, std::string* why) {
  if (v < spec.min || v > spec.max) {
    *why = "must be between " + number(spec.min) + " and " + number(spec.max);
    return false;
  }
  return true;
}
std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}
}  // namespace

std::string checkOption(const OptionSpec& spec, const std::string& raw) {
  const std::string value = trim(raw);
  std::string why;
  if (spec.optional && value.empty()) return {};
  switch (spec.type) {
    case OptionType::Int: {
      if (value.empty()) return "a whole number is required";
      char* end = nullptr;
      errno = 0;
      const long long v = std::strtoll(value.c_str(), &end, 10);
      if (errno || !end || *end) return "'" + value + "' is not a whole number";
      return inRange(spec, double(v), &why) ? std::string() : why;
    }
    case OptionType::Double: {
      if (value.empty()) return "a number is required";
      char* end = nullptr;
      errno = 0;
      const double v = std::strtod(value.c_str(), &end);
      if (errno || !end || *end || !std::isfinite(v)) return "'" + value + "' is not a number";
      return inRange(spec, v, &why) ? std::string() : why;
    }
    case OptionType::Bool:
      return value == "true" || value == "false" ? std::string() : "must be true or false";
    case OptionType::Choice:
      for (const auto& c : spec.choices)
        if (c == value) return {};
      return "'" + value + "' is not one of the choices";
    case OptionType::String:
      return spec.required && value.empty() ? "a value is required" : std::string();
  }
  return {};
}

}  // namespace pd::ui
