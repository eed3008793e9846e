// Template sets and libraries: the built-in library (compiled-in JSON) and user JSON files.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "io/json_limits.h"
#include "promptdesk/template_set.h"

namespace pd {

namespace prompts {
extern const char* const kBuiltinLibraryJson;
}

namespace {

using ojson = nlohmann::ordered_json;

std::string normalizedName(const std::string& s) {
  std::string out;
  for (char c : s)
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string str(const ojson& j, const std::string& ctx) {
  if (!j.is_string()) throw Error(std::string("expected a string, got ") + j.type_name(), ctx);
  return j.get<std::string>();
}

TemplateSet parseSet(const std::string& name, const ojson& j, const std::string& ctx) {
  TemplateSet set;
  set.name = name;
  const ojson* list = &j;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "family" && it.key() != "templates")
        throw Error("unknown field (expected family, templates)", ctx + "." + it.key());
    if (j.contains("family")) {
      try {
        set.family = parseFamily(str(j["family"], ctx + ".family"));
      } catch (const Error& e) {
        throw Error(e.what(), ctx + ".family");
      }
    }
    if (!j.contains("templates")) throw Error("missing \"templates\"", ctx);
    list = &j["templates"];
  }
  if (!list->is_array() || list->empty())
    throw Error("expected a non-empty list of templates", ctx);
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string tctx =
        ctx + (j.is_object() ? ".templates" : "") + "[" + std::to_string(i) + "]";
    std::string src = str((*list)[i], tctx);
    try {
      Template::parse(src).validate(set.family);
    } catch (const Error& e) {
      throw Error(e.what(), tctx);
    }
    set.templates.push_back(src);
  }
  return set;
}

DatasetPrompts parseDataset(const ojson& j, const std::string& ctx) {
  if (!j.is_object()) throw Error("expected an object", ctx);
  static const std::set<std::string> known = {"name",    "aka",  "description",
                                              "default", "sets", "class_aliases"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.count(it.key()))
      throw Error("unknown field (expected name, aka, description, default, sets, class_aliases)",
                  ctx + "." + it.key());
  DatasetPrompts d;
  if (!j.contains("name")) throw Error("missing \"name\"", ctx);
  d.name = str(j["name"], ctx + ".name");
  if (normalizedName(d.name).empty()) throw Error("empty name", ctx + ".name");
  if (j.contains("aka")) {
    if (!j["aka"].is_array()) throw Error("expected a list of names", ctx + ".aka");
    for (std::size_t i = 0; i < j["aka"].size(); ++i)
      d.aka.push_back(str(j["aka"][i], ctx + ".aka[" + std::to_string(i) + "]"));
  }
  if (j.contains("description")) d.description = str(j["description"], ctx + ".description");
  if (!j.contains("sets") || !j["sets"].is_object() || j["sets"].empty())
    throw Error("expected \"sets\": {name: [templates]}", ctx + ".sets");
  for (auto it = j["sets"].begin(); it != j["sets"].end(); ++it)
    d.sets.push_back(parseSet(it.key(), it.value(), ctx + ".sets." + it.key()));
  d.defaultSet = j.contains("default") ? str(j["default"], ctx + ".default") : d.sets[0].name;
  if (std::none_of(d.sets.begin(), d.sets.end(),
                   [&](const TemplateSet& s) { return s.name == d.defaultSet; }))
    throw Error("no set named '" + d.defaultSet + "'", ctx + ".default");
  if (j.contains("class_aliases")) {
    const ojson& a = j["class_aliases"];
    if (!a.is_object()) throw Error("expected {class: alias}", ctx + ".class_aliases");
    for (auto it = a.begin(); it != a.end(); ++it) {
      std::string alias = str(it.value(), ctx + ".class_aliases." + it.key());
      if (normalizedName(alias).empty())
        throw Error("empty alias", ctx + ".class_aliases." + it.key());
      d.classAliases[it.key()] = alias;
    }
  }
  return d;
}

}  // namespace

std::vector<Template> TemplateSet::parsed() const {
  std::vector<Template> out;
  for (std::size_t i = 0; i < templates.size(); ++i) {
    try {
      out.push_back(Template::parse(templates[i]));
      out.back().validate(family);
    } catch (const Error& e) {
      throw Error(e.what(), "set '" + name + "' template " + std::to_string(i));
    }
  }
  return out;
}

const TemplateSet& DatasetPrompts::set(const std::string& setName) const {
  const std::string want = setName.empty() ? defaultSet : setName;
  std::string known;
  for (const TemplateSet& s : sets) {
    if (s.name == want) return s;
    known += (known.empty() ? "" : ", ") + s.name;
  }
  throw Error("no template set '" + want + "' (sets: " + known + ")", name);
}

std::string DatasetPrompts::promptName(const std::string& className) const {
  auto it = classAliases.find(className);
  return it == classAliases.end() ? className : it->second;
}

const TemplateLibrary& TemplateLibrary::builtin() {
  static const TemplateLibrary lib = fromJson(prompts::kBuiltinLibraryJson, "built-in library");
  return lib;
}

TemplateLibrary TemplateLibrary::fromJson(const std::string& text, const std::string& origin) {
  const ojson j = io::parseJsonLimited<ojson>(text, origin);
  if (!j.is_object() || !j.contains("datasets") || !j["datasets"].is_array())
    throw Error("expected {\"datasets\": [...]}", origin);
  if (j.contains("version") && (!j["version"].is_number_integer() || j["version"] != 1))
    throw Error("unsupported version (expected 1)", origin + ": version");
  TemplateLibrary lib;
  for (std::size_t i = 0; i < j["datasets"].size(); ++i) {
    const std::string ctx = origin + ": datasets[" + std::to_string(i) + "]";
    DatasetPrompts d = parseDataset(j["datasets"][i], ctx);
    if (lib.find(d.name)) throw Error("data set '" + d.name + "' appears twice", ctx + ".name");
    lib.datasets_.push_back(std::move(d));
  }
  return lib;
}

TemplateLibrary TemplateLibrary::load(const std::string& path) {
  return fromJson(io::readJsonFileText(path), path);
}

std::string TemplateLibrary::toJson() const {
  ojson j;
  j["version"] = 1;
  j["datasets"] = ojson::array();
  for (const DatasetPrompts& d : datasets_) {
    ojson e;
    e["name"] = d.name;
    if (!d.aka.empty()) e["aka"] = d.aka;
    if (!d.description.empty()) e["description"] = d.description;
    e["default"] = d.defaultSet;
    ojson sets = ojson::object();
    for (const TemplateSet& s : d.sets)
      sets[s.name] = s.family == Family::Clip
                         ? ojson(s.templates)
                         : ojson{{"family", familyName(s.family)}, {"templates", s.templates}};
    e["sets"] = sets;
    if (!d.classAliases.empty()) e["class_aliases"] = d.classAliases;
    j["datasets"].push_back(e);
  }
  return j.dump(2) + "\n";
}

const DatasetPrompts* TemplateLibrary::find(const std::string& name) const {
  const std::string key = normalizedName(name);
  if (key.empty()) return nullptr;
  for (const DatasetPrompts& d : datasets_) {
    if (normalizedName(d.name) == key) return &d;
    for (const std::string& a : d.aka)
      if (normalizedName(a) == key) return &d;
  }
  return nullptr;
}

const DatasetPrompts& TemplateLibrary::get(const std::string& name) const {
  if (const DatasetPrompts* d = find(name)) return *d;
  std::string known;
  for (const DatasetPrompts& d : datasets_) known += (known.empty() ? "" : ", ") + d.name;
  throw Error("no prompts for data set '" + name + "' (known: " + known + ")", "template library");
}

void TemplateLibrary::merge(const TemplateLibrary& other) {
  for (const DatasetPrompts& d : other.datasets_) {
    auto mine = std::find_if(datasets_.begin(), datasets_.end(), [&](const DatasetPrompts& x) {
      return normalizedName(x.name) == normalizedName(d.name);
    });
    if (mine == datasets_.end()) {
      datasets_.push_back(d);
      continue;
    }
    for (const TemplateSet& s : d.sets) {
      auto it = std::find_if(mine->sets.begin(), mine->sets.end(),
                             [&](const TemplateSet& x) { return x.name == s.name; });
      if (it == mine->sets.end())
        mine->sets.push_back(s);
      else
        *it = s;
    }
    for (const auto& [cls, alias] : d.classAliases) mine->classAliases[cls] = alias;
    for (const std::string& a : d.aka) mine->aka.push_back(a);
    if (!d.description.empty()) mine->description = d.description;
    mine->defaultSet = d.defaultSet;
  }
}

}  // namespace pd
