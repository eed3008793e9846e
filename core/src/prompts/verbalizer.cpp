// Verbalizer: label words and CLIP aliases per class; JSON load/save with field-naming errors.
#include "promptdesk/verbalizer.h"
#include "io/json_limits.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "prompts/utf8_util.h"

namespace pd {

namespace {

using ojson = nlohmann::ordered_json;

std::string typeName(const ojson& j) { return j.type_name(); }

std::string stringAt(const ojson& j, const std::string& field, const std::string& origin) {
  if (!j.is_string()) throw Error("expected a string, got " + typeName(j), origin + ": " + field);
  std::string s = prompts::trimmed(j.get<std::string>());
  if (s.empty()) throw Error("empty string", origin + ": " + field);
  return s;
}

}  // namespace

void Verbalizer::addClass(const std::string& cls) {
  if (std::find(classes_.begin(), classes_.end(), cls) == classes_.end()) classes_.push_back(cls);
}

void Verbalizer::setLabelWords(const std::string& cls, const std::vector<std::string>& words) {
  if (prompts::isBlank(cls)) throw Error("empty class name", "label_words");
  for (std::size_t i = 0; i < words.size(); ++i)
    if (prompts::isBlank(words[i]))
      throw Error("empty label word", "label_words." + cls + "[" + std::to_string(i) + "]");
  addClass(cls);
  words_[cls] = words;
}

void Verbalizer::setAlias(const std::string& cls, const std::string& alias) {
  if (prompts::isBlank(cls)) throw Error("empty class name", "aliases");
  if (prompts::isBlank(alias)) throw Error("empty alias", "aliases." + cls);
  addClass(cls);
  aliases_[cls] = alias;
}

bool Verbalizer::hasLabelWords(const std::string& cls) const {
  auto it = words_.find(cls);
  return it != words_.end() && !it->second.empty();
}

const std::vector<std::string>& Verbalizer::labelWords(const std::string& cls) const {
  auto it = words_.find(cls);
  if (it == words_.end() || it->second.empty())
    throw Error("no label words for class '" + cls + "'", "label_words." + cls);
  return it->second;
}

std::string Verbalizer::promptName(const std::string& cls) const {
  auto it = aliases_.find(cls);
  return it == aliases_.end() ? cls : it->second;
}

std::vector<std::string> Verbalizer::promptNames(const std::vector<std::string>& names) const {
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back(promptName(n));
  return out;
}

void Verbalizer::checkCovers(const std::vector<std::string>& classNames, Family family) const {
  std::set<std::string> dataset(classNames.begin(), classNames.end());
  for (const auto& cls : classes_)
    if (!dataset.count(cls))
      throw Error("verbalizer class '" + cls + "' is not one of the dataset's " +
                      std::to_string(classNames.size()) + " classes",
                  "class '" + cls + "'");
  if (family == Family::Clip) return;
  for (const auto& cls : classNames)
    if (!hasLabelWords(cls))
      throw Error("the verbalizer has no label words for class '" + cls + "'",
                  "label_words." + cls);
}

std::vector<std::vector<std::vector<int>>> Verbalizer::wordTokenIds(
    const std::vector<std::string>& classNames, const TokenizeFn& tokenize) const {
  if (!tokenize) throw Error("no tokenizer given", "verbalizer");
  std::vector<std::vector<std::vector<int>>> out;
  for (const auto& cls : classNames) {
    out.emplace_back();
    const auto& words = labelWords(cls);
    for (std::size_t w = 0; w < words.size(); ++w) {
      std::vector<int> ids = tokenize(words[w]);
      if (ids.empty())
        throw Error("label word '" + words[w] + "' has no tokens",
                    "label_words." + cls + "[" + std::to_string(w) + "]");
      out.back().push_back(std::move(ids));
    }
  }
  return out;
}

Verbalizer Verbalizer::fromJson(const std::string& text, const std::string& origin) {
  const ojson j = io::parseJsonLimited<ojson>(text, origin);
  if (!j.is_object()) throw Error("expected a JSON object, got " + typeName(j), origin);
  Verbalizer v;
  static const std::set<std::string> known = {"classes",     "label_words", "aliases",
                                              "multi_token", "aggregation", "normalize"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.count(it.key()))
      throw Error(
          "unknown field (expected classes, label_words, aliases, multi_token, "
          "aggregation, normalize)",
          origin + ": " + it.key());
  if (j.contains("classes")) {
    const ojson& c = j["classes"];
    if (!c.is_array()) throw Error("expected a list of class names", origin + ": classes");
    for (std::size_t i = 0; i < c.size(); ++i) {
      std::string name = stringAt(c[i], "classes[" + std::to_string(i) + "]", origin);
      if (std::find(v.classes_.begin(), v.classes_.end(), name) != v.classes_.end())
        throw Error("class '" + name + "' listed twice",
                    origin + ": classes[" + std::to_string(i) + "]");
      v.classes_.push_back(name);
    }
  }
  const bool fixedClasses = j.contains("classes");
  auto requireKnown = [&](const std::string& cls, const std::string& field) {
    if (fixedClasses && std::find(v.classes_.begin(), v.classes_.end(), cls) == v.classes_.end())
      throw Error("class '" + cls + "' is not in \"classes\"", origin + ": " + field);
  };
  if (j.contains("label_words")) {
    const ojson& lw = j["label_words"];
    if (!lw.is_object())
      throw Error("expected an object {class: [words]}", origin + ": label_words");
    for (auto it = lw.begin(); it != lw.end(); ++it) {
      const std::string field = "label_words." + it.key();
      requireKnown(it.key(), field);
      std::vector<std::string> words;
      if (it.value().is_string()) {
        words.push_back(stringAt(it.value(), field, origin));
      } else if (it.value().is_array()) {
        for (std::size_t i = 0; i < it.value().size(); ++i)
          words.push_back(stringAt(it.value()[i], field + "[" + std::to_string(i) + "]", origin));
      } else {
        throw Error("expected a word or a list of words, got " + typeName(it.value()),
                    origin + ": " + field);
      }
      if (words.empty()) throw Error("no label words", origin + ": " + field);
      v.setLabelWords(it.key(), words);
    }
  }
  if (j.contains("aliases")) {
    const ojson& al = j["aliases"];
    if (!al.is_object()) throw Error("expected an object {class: alias}", origin + ": aliases");
    for (auto it = al.begin(); it != al.end(); ++it) {
      requireKnown(it.key(), "aliases." + it.key());
      v.setAlias(it.key(), stringAt(it.value(), "aliases." + it.key(), origin));
    }
  }
  try {
    if (j.contains("multi_token"))
      v.multiToken = parseMultiTokenMode(stringAt(j["multi_token"], "multi_token", origin));
    if (j.contains("aggregation"))
      v.aggregation = parseWordAggregation(stringAt(j["aggregation"], "aggregation", origin));
  } catch (const Error& e) {
    if (e.context().rfind(origin, 0) == 0) throw;
    throw Error(e.what(), origin);
  }
  if (j.contains("normalize")) {
    if (!j["normalize"].is_boolean())
      throw Error("expected true or false, got " + typeName(j["normalize"]),
                  origin + ": normalize");
    v.normalize = j["normalize"].get<bool>();
  }
  if (v.classes_.empty()) throw Error("no classes (give \"classes\" or \"label_words\")", origin);
  return v;
}

Verbalizer Verbalizer::load(const std::string& path) {
  return fromJson(io::readJsonFileText(path), path);
}

std::string Verbalizer::toJson() const {
  ojson j;
  j["classes"] = classes_;
  ojson lw = ojson::object();
  for (const auto& cls : classes_)
    if (hasLabelWords(cls)) lw[cls] = words_.at(cls);
  if (!lw.empty()) j["label_words"] = lw;
  ojson al = ojson::object();
  for (const auto& cls : classes_)
    if (aliases_.count(cls)) al[cls] = aliases_.at(cls);
  if (!al.empty()) j["aliases"] = al;
  j["multi_token"] = multiTokenModeName(multiToken);
  j["aggregation"] = wordAggregationName(aggregation);
  j["normalize"] = normalize;
  return j.dump(2) + "\n";
}

void Verbalizer::save(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error("cannot write the verbalizer file", path);
  out << toJson();
  if (!out) throw Error("write failed", path);
}

}  // namespace pd
