// The method registry: one line per method. Adding a method is its folder plus a line here.
#include <nlohmann/json.hpp>

#include "common/options.h"
#include "methods/cocoop/cocoop.h"
#include "methods/common/method.h"
#include "methods/coop/coop.h"
#include "promptdesk/error.h"
#include "promptdesk/methods.h"

using nlohmann::json;

namespace pd::methods {

MethodEntry zeroShotMethod();     // zero_shot/zero_shot_method.cpp
MethodEntry linearProbeMethod();  // linear_probe/linear_probe_method.cpp
MethodEntry promptTuningMethod(), pTuningMethod();  // prompt_tuning/, p_tuning/
MethodEntry adapterMethod(), bitfitMethod();  // adapter/adapter.cpp, bitfit/bitfit.cpp
MethodEntry linearMethod(), partialKMethod(), fullFinetuneMethod(), lmBffMethod();  // finetune/
MethodEntry prefixTuningMethod();  // prefix_tuning/prefix_tuning.cpp
MethodEntry pTuningV2Method();     // p_tuning_v2/p_tuning_v2.cpp

const std::vector<MethodEntry>& methodEntries() {
  static const std::vector<MethodEntry> all{
      zeroShotMethod(),
      linearProbeMethod(),
      coopMethod(),
      cocoopMethod(),
      promptTuningMethod(), pTuningMethod(),
      adapterMethod(), bitfitMethod(),
      linearMethod(), partialKMethod(), fullFinetuneMethod(), lmBffMethod(),
      prefixTuningMethod(),
      pTuningV2Method(),
  };
  return all;
}

const MethodEntry& methodEntry(const std::string& method) {
  for (const auto& e : methodEntries())
    if (e.info.name == method) return e;
  throw Error("unknown method '" + method + "'", "method");
}

}  // namespace pd::methods

namespace pd {

const std::vector<MethodInfo>& registeredMethods() {
  static const std::vector<MethodInfo> infos = [] {
    std::vector<MethodInfo> v;
    for (const auto& e : methods::methodEntries()) v.push_back(e.info);
    return v;
  }();
  return infos;
}

std::vector<std::string> methodChoices() {
  std::vector<std::string> out;
  for (const auto& m : registeredMethods()) {
    out.push_back(m.name);
    for (const auto& p : m.presets) out.push_back(p.name);
  }
  return out;
}

ResolvedMethod resolveMethod(const std::string& name, const std::string& overridesJson,
                             const std::string& where) {
  ResolvedMethod r;
  r.name = name;
  for (const auto& m : registeredMethods()) {
    if (m.name == name) r.method = &m;
    for (const auto& p : m.presets)
      if (p.name == name) r.method = &m, r.preset = &p;
    if (r.method) break;
  }
  if (!r.method) {
    std::string list;
    for (const auto& c : methodChoices()) list += (list.empty() ? "" : ", ") + c;
    throw Error("unknown method '" + name + "' (known: " + list + ")", where);
  }
  json given = json::object();
  if (r.preset) given = json::parse(r.preset->overridesJson);
  json over;
  try {
    over = overridesJson.empty() ? json::object() : json::parse(overridesJson);
  } catch (const json::exception& e) {
    throw Error(std::string("invalid JSON: ") + e.what(), where);
  }
  if (!over.is_object()) throw Error("method options must be a JSON object", where);
  for (auto it = over.begin(); it != over.end(); ++it) given[it.key()] = it.value();
  r.optionsJson = options::complete(r.method->options, given, where).dump();
  return r;
}

std::string methodsJson() {
  json out = json::array();
  for (const auto& m : registeredMethods()) {
    json opts = json::array();
    for (const auto& o : m.options) {
      json j{{"name", o.name}, {"type", o.type}, {"default", json::parse(o.defaultJson)},
             {"help", o.help}};
      if (o.min) j["min"] = *o.min;
      if (o.max) j["max"] = *o.max;
      if (!o.choices.empty()) j["choices"] = o.choices;
      opts.push_back(j);
    }
    json presets = json::array();
    for (const auto& p : m.presets)
      presets.push_back(
          {{"name", p.name}, {"description", p.description}, {"options", json::parse(p.overridesJson)}});
    out.push_back({{"name", m.name},
                   {"title", m.title},
                   {"description", m.description},
                   {"families", m.families},
                   {"uses_training_data", m.usesTrainingData},
                   {"options", opts},
                   {"presets", presets}});
  }
  return out.dump(1);
}

}  // namespace pd
