#pragma once
// A method's config is declared once: each field with its key, type, default, range or choices
// and help. From the declaration come the option schema (OptionSpec records: job schema, CLI
// flags, GUI form), the defaults, the parse of a JSON object (errors name the field) and the JSON
// written back. No torch here.
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/options.h"
#include "promptdesk/error.h"

namespace pd::methods {

template <class Cfg>
class ConfigDecl {
 public:
  using json = nlohmann::json;

  // A field reached through a getter of a sub-struct (e.g. the shared training options).
  template <class T>
  ConfigDecl& add(OptionSpec spec, std::function<T&(Cfg&)> ref) {
    Field f;
    f.spec = std::move(spec);
    f.set = [ref](Cfg& c, const json& v) { ref(c) = v.get<T>(); };
    f.get = [ref](const Cfg& c) { return json(ref(const_cast<Cfg&>(c))); };
    fields_.push_back(std::move(f));
    return *this;
  }

  ConfigDecl& integer(int Cfg::*m, std::string key, int def, double min, double max,
                      std::string help) {
    return add<int>(make(std::move(key), "int", json(def), std::move(help), min, max),
                    [m](Cfg& c) -> int& { return c.*m; });
  }
  ConfigDecl& real(double Cfg::*m, std::string key, double def, double min, double max,
                   std::string help) {
    return add<double>(make(std::move(key), "float", json(def), std::move(help), min, max),
                       [m](Cfg& c) -> double& { return c.*m; });
  }
  ConfigDecl& flag(bool Cfg::*m, std::string key, bool def, std::string help) {
    return add<bool>(make(std::move(key), "bool", json(def), std::move(help)),
                     [m](Cfg& c) -> bool& { return c.*m; });
  }
  ConfigDecl& text(std::string Cfg::*m, std::string key, std::string def, std::string help) {
    return add<std::string>(make(std::move(key), "string", json(def), std::move(help)),
                            [m](Cfg& c) -> std::string& { return c.*m; });
  }
  ConfigDecl& choice(std::string Cfg::*m, std::string key, std::string def,
                     std::vector<std::string> choices, std::string help) {
    OptionSpec s = make(std::move(key), "choice", json(def), std::move(help));
    s.choices = std::move(choices);
    return add<std::string>(std::move(s), [m](Cfg& c) -> std::string& { return c.*m; });
  }

  std::vector<OptionSpec> schema() const {
    std::vector<OptionSpec> out;
    for (const auto& f : fields_) out.push_back(f.spec);
    return out;
  }
  // The declared defaults.
  Cfg defaults() const { return parse(json::object(), ""); }
  // Parses a JSON object of option values (absent keys: the declared default). Unknown keys, a
  // wrong type or a value out of range throw pd::Error naming `where.key`.
  Cfg parse(const json& given, const std::string& where) const {
    json full = options::complete(schema(), given, where.empty() ? "options" : where);
    Cfg c{};
    for (const auto& f : fields_) f.set(c, full.at(f.spec.name));
    return c;
  }
  json toJson(const Cfg& c) const {
    json out = json::object();
    for (const auto& f : fields_) out[f.spec.name] = f.get(c);
    return out;
  }

  static OptionSpec make(std::string key, std::string type, const json& def, std::string help,
                         std::optional<double> min = {}, std::optional<double> max = {}) {
    OptionSpec s;
    s.name = std::move(key);
    s.type = std::move(type);
    s.defaultJson = def.dump();
    s.help = std::move(help);
    s.min = min;
    s.max = max;
    return s;
  }

 private:
  struct Field {
    OptionSpec spec;
    std::function<void(Cfg&, const json&)> set;
    std::function<json(const Cfg&)> get;
  };
  std::vector<Field> fields_;
};

}  // namespace pd::methods
