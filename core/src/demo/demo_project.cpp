// The demo project: which runs make up the headline comparison, recorded as ordinary job specs.
#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "promptdesk/demo.h"
#include "promptdesk/error.h"
#include "promptdesk/paths.h"
#include "promptdesk/project.h"

using nlohmann::json;

namespace pd {

DemoOptions DemoOptions::reduced() {
  DemoOptions o;
  o.shots = "1,16";
  o.seeds = "1";
  o.methods = "linear-probe,coop";
  o.testLimit = 2000;  // the same demo CLIP as the full demo (shared cache, same recipe)
  o.experiment = "Fashion-MNIST (reduced demo)";
  return o;
}

const std::vector<std::pair<std::string, std::vector<std::string>>>& demoTemplates() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> t = {
      {"plain", {"a photo of a {class}."}},
      {"tuned", {"black and white picture of a {class}."}},
      {"ensemble",
       {"a photo of a {class}.", "black and white picture of a {class}.",
        "product photo: {class}", "low resolution image of a {class}.",
        "catalogue item: {class}", "a photo of the {class}."}},
  };
  return t;
}

namespace {
std::string joinLines(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : "\n") + x;
  return s;
}
}  // namespace

DemoPlan planDemo(const DemoOptions& o, const std::string& modelPath) {
  DemoPlan plan;
  plan.projectPath = o.projectPath.empty() ? dataPath("demo.pdesk") : o.projectPath;
  plan.modelPath = modelPath;
  if (!std::filesystem::exists(o.fashionDir))
    throw Error("Fashion-MNIST is not installed here (Debian package dataset-fashion-mnist; run "
                "installers/install-deps.sh)",
                o.fashionDir);
  std::unique_ptr<Project> p;
  if (std::filesystem::exists(plan.projectPath)) {
    p = Project::open(plan.projectPath);
  } else {
    std::filesystem::create_directories(std::filesystem::path(plan.projectPath).parent_path());
    p = Project::create(plan.projectPath);
  }
  if (p->readOnly())
    throw Error("the demo project is read-only (" + p->readOnlyReason() + ")", plan.projectPath);
  std::vector<std::string> known;
  for (const auto& t : p->templates()) known.push_back(t.kind + "/" + t.name);
  for (const auto& [name, templates] : demoTemplates()) {
    const std::string kind = templates.size() == 1 ? "template" : "template_set";
    if (std::find(known.begin(), known.end(), kind + "/" + name) != known.end()) continue;
    TemplateRecord r;
    r.kind = kind;
    r.name = name;
    r.json = templates.size() == 1 ? json{{"family", "clip"}, {"template", templates[0]}}.dump()
                                   : json{{"family", "clip"}, {"templates", templates}}.dump();
    p->addTemplate(r);
  }

  const json base{{"model", modelPath},     {"dataset", o.fashionDir},
                  {"experiment", o.experiment}, {"test_limit", o.testLimit}};
  // Hand-crafted prompts: drawn at 0 shots (the first one is the chart's star).
  for (const auto& [name, templates] : demoTemplates()) {
    json z = base;
    z["kind"] = "clip-fewshot";
    z["method"] = templates.size() == 1 ? "zeroshot" : "ensemble";
    z["shots"] = 0;
    z["templates"] = joinLines(templates);
    z["template"] = name;
    z["label"] = name == "plain" ? "Zero-shot CLIP (hand-crafted)"
                 : name == "tuned" ? "Zero-shot CLIP (tuned prompt)"
                                   : "Zero-shot CLIP (prompt ensemble)";
    plan.specs.push_back(z.dump());
  }
  json e = base;
  e["kind"] = "clip-fewshot-experiment";
  e["methods"] = o.methods;
  e["shots"] = o.shots;
  e["seeds"] = o.seeds;
  if (o.epochsScale != 1.0) e["epochs_scale"] = o.epochsScale;
  if (o.views > 0) e["views"] = o.views;
  plan.specs.push_back(e.dump());
  return plan;
}

}  // namespace pd
