#include "common/options.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "promptdesk/error.h"

using nlohmann::json;

namespace pd::options {

const OptionSpec* find(const std::vector<OptionSpec>& options, const std::string& name) {
  for (const auto& o : options)
    if (o.name == name) return &o;
  return nullptr;
}

const json& check(const OptionSpec& o, const json& v, const std::string& where) {
  if (v.is_null() && !o.required && o.defaultJson == "null") return v;
  auto range = [&](double x) {
    if (o.min && x < *o.min)
      throw Error("value " + v.dump() + " is below the minimum " + json(*o.min).dump(), where);
    if (o.max && x > *o.max)
      throw Error("value " + v.dump() + " is above the maximum " + json(*o.max).dump(), where);
  };
  if (o.type == "int") {
    if (!v.is_number_integer()) throw Error("expected an integer, got " + v.dump(), where);
    range(v.get<double>());
  } else if (o.type == "float") {
    if (!v.is_number()) throw Error("expected a number, got " + v.dump(), where);
    range(v.get<double>());
  } else if (o.type == "bool") {
    if (!v.is_boolean()) throw Error("expected true or false, got " + v.dump(), where);
  } else if (o.type == "string" || o.type == "path") {
    if (!v.is_string()) throw Error("expected a string, got " + v.dump(), where);
    if (o.type == "path" && v.get<std::string>().empty()) throw Error("empty path", where);
  } else if (o.type == "choice") {
    if (!v.is_string() ||
        std::find(o.choices.begin(), o.choices.end(), v.get<std::string>()) == o.choices.end()) {
      std::string list;
      for (auto& c : o.choices) list += (list.empty() ? "" : ", ") + c;
      throw Error("expected one of " + list + ", got " + v.dump(), where);
    }
  }
  return v;
}

json complete(const std::vector<OptionSpec>& options, const json& given, const std::string& where) {
  if (!given.is_null() && !given.is_object())
    throw Error("expected an object of options, got " + given.dump(), where);
  json out = json::object();
  if (given.is_object())
    for (auto it = given.begin(); it != given.end(); ++it)
      if (!find(options, it.key())) {
        std::string known;
        for (const auto& o : options) known += (known.empty() ? "" : ", ") + o.name;
        throw Error("unknown option (known: " + known + ")", where + "." + it.key());
      }
  for (const auto& o : options) {
    if (given.is_object() && given.contains(o.name))
      out[o.name] = check(o, given.at(o.name), where + "." + o.name);
    else if (o.required)
      throw Error("missing required option (" + o.help + ")", where + "." + o.name);
    else
      out[o.name] = json::parse(o.defaultJson);
  }
  return out;
}

json fromText(const OptionSpec& o, const std::string& text, const std::string& where) {
  auto bad = [&](const char* what) {
    return Error(std::string("not ") + what + ": '" + text + "'", where);
  };
  if (o.type == "int") {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE) throw bad("an integer");
    return check(o, json(v), where);
  }
  if (o.type == "float") {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(v)) throw bad("a number");
    return check(o, json(v), where);
  }
  if (o.type == "bool") {
    if (text == "true" || text == "1" || text == "on" || text == "yes") return true;
    if (text == "false" || text == "0" || text == "off" || text == "no") return false;
    throw bad("true or false");
  }
  return check(o, json(text), where);
}

}  // namespace pd::options

namespace pd {

std::string optionValuesToJson(const std::vector<OptionSpec>& options,
                               const std::map<std::string, std::string>& values,
                               const std::string& where) {
  json out = json::object();
  for (const auto& [name, text] : values) {
    const OptionSpec* o = options::find(options, name);
    if (!o) throw Error("unknown option", where + "." + name);
    const bool textual = o->type == "string" || o->type == "path" || o->type == "choice";
    if (text.empty() && (!textual || (!o->required && o->type != "choice"))) continue;
    out[name] = options::fromText(*o, text, where + "." + name);
  }
  return out.dump();
}

std::string jobSpecFromText(const std::string& kind, const std::vector<OptionSpec>& options,
                            const std::map<std::string, std::string>& values,
                            const std::string& where) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["kind"] = kind;
  for (const auto& [name, text] : values)
    if (!options::find(options, name)) throw Error("unknown option", where + "." + name);
  for (const OptionSpec& o : options) {
    auto it = values.find(o.name);
    if (it == values.end()) continue;
    const bool textual = o.type == "string" || o.type == "path" || o.type == "choice";
    if (it->second.empty() && !(o.required && textual)) continue;
    out[o.name] = it->second.empty() ? json("") : options::fromText(o, it->second, where + "." + o.name);
  }
  return out.dump();
}

std::string optionDefaultText(const OptionSpec& option) {
  json d;
  try {
    d = json::parse(option.defaultJson);
  } catch (const json::exception&) {
    return option.defaultJson;
  }
  if (d.is_null()) return {};
  if (d.is_string()) return d.get<std::string>();
  return d.dump();
}

}  // namespace pd
