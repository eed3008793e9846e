#include <algorithm>
// The method registry: every method's declaration is well-formed (defaults valid for their own
// checks), presets resolve, the job schema offers every option of every method, specs validate
// per method (errors name the field), legacy specs upgrade to today's form, grids expand once.
#include <QtTest>

#include <nlohmann/json.hpp>

#include "common/options.h"
#include "methods/common/method.h"
#include "methods/coop/coop.h"
#include "methods/text_common/text_method.h"
#include "promptdesk/coop.h"
#include "promptdesk/error.h"
#include "promptdesk/grid.h"
#include "promptdesk/job_registry.h"
#include "promptdesk/methods.h"

using nlohmann::json;

namespace {
std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const pd::Error& e) {
    return e.what();
  }
  return {};
}
json baseSpec(const std::string& method) {
  return {{"kind", "clip-fewshot"}, {"model", "/m.safetensors"}, {"dataset", "/d"},
          {"method", method}};
}
}  // namespace

class TestMethods : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void registryIsWellFormed() {
    const auto& ms = pd::registeredMethods();
    QVERIFY(ms.size() >= 4);
    std::set<std::string> names;
    for (const auto& m : ms) {
      QVERIFY2(names.insert(m.name).second, m.name.c_str());
      QVERIFY(!m.families.empty());
      QVERIFY(!m.description.empty());
      for (const auto& o : m.options) {
        QVERIFY2(!o.help.empty(), o.name.c_str());
        // Each declared default passes the declaration's own check.
        pd::options::check(o, json::parse(o.defaultJson), m.name + "." + o.name);
        if (o.type == "choice") QVERIFY(!o.choices.empty());
      }
      for (const auto& p : m.presets) {
        QVERIFY2(names.insert(p.name).second, p.name.c_str());
        auto r = pd::resolveMethod(p.name);
        QCOMPARE(r.method->name, m.name);
        QVERIFY(r.preset == &p);
        // The preset's overrides are in the completed options.
        const json opts = json::parse(r.optionsJson), over = json::parse(p.overridesJson);
        for (auto it = over.begin(); it != over.end(); ++it) QCOMPARE(opts[it.key()], it.value());
      }
      // The factory accepts the completed defaults: a CLIP method's `make`, a text method's
      // `makeText`, at least one of them.
      const auto& entry = pd::methods::methodEntry(m.name);
      QVERIFY2(entry.make || entry.makeText, m.name.c_str());
      const json defaults = json::parse(pd::resolveMethod(m.name).optionsJson);
      if (entry.make) QVERIFY2(entry.make(defaults), m.name.c_str());
      if (entry.makeText) QVERIFY2(entry.makeText(defaults), m.name.c_str());
    }
    const auto choices = pd::methodChoices();
    for (const char* v : {"zeroshot", "ensemble", "linear-probe", "coop", "coop-csc", "coop-middle",
                          "coop-front", "coop-init", "cocoop"})
      QVERIFY2(std::find(choices.begin(), choices.end(), v) != choices.end(), v);
  }

  void cocoopDefaultsComeFromItsDeclaration() {
    const json o = json::parse(pd::resolveMethod("cocoop").optionsJson);
    QCOMPARE(o["n_ctx"].get<int>(), 4);
    QCOMPARE(o["ctx_init"].get<std::string>(), std::string("a photo of a"));
    QCOMPARE(o["epochs"].get<int>(), 10);
    QCOMPARE(o["batch_size"].get<int>(), 1);
    const json c = json::parse(pd::resolveMethod("coop").optionsJson);
    QCOMPARE(c["n_ctx"].get<int>(), 16);
    QCOMPARE(c["batch_size"].get<int>(), 32);
    QCOMPARE(c["lr"].get<double>(), 0.002);
  }

  void overridesAreCheckedAgainstTheMethod() {
    QVERIFY(errorOf([] { pd::resolveMethod("coop", R"({"n_ctx":0})"); }).find("n_ctx") !=
            std::string::npos);
    QVERIFY(errorOf([] { pd::resolveMethod("coop", R"({"n_ctx":65})", "x"); }).find("x.n_ctx") !=
            std::string::npos);
    QVERIFY(errorOf([] { pd::resolveMethod("linear-probe", R"({"n_ctx":4})"); }).find("unknown option") !=
            std::string::npos);
    QVERIFY(errorOf([] { pd::resolveMethod("coop", R"({"position":"left"})"); }).find("middle") !=
            std::string::npos);
    QVERIFY(errorOf([] { pd::resolveMethod("nope"); }).find("known: zeroshot") != std::string::npos);
    // User overrides win over the preset's.
    const json o = json::parse(pd::resolveMethod("coop-csc", R"({"csc":false,"n_ctx":8})").optionsJson);
    QCOMPARE(o["csc"].get<bool>(), false);
    QCOMPARE(o["n_ctx"].get<int>(), 8);
  }

  void jobSchemaOffersEveryMethodOption() {
    // CLIP kinds offer every CLIP method's options; text kinds every text method's.
    const std::pair<const char*, bool> kinds[] = {{"clip-fewshot", true},
                                                  {"clip-fewshot-experiment", true},
                                                  {"text-fewshot", false},
                                                  {"text-fewshot-experiment", false}};
    int checked = 0;
    for (const auto& [kind, clip] : kinds) {
      auto info = pd::jobKindInfo(kind);
      QVERIFY2(info, kind);
      for (const auto& m : pd::registeredMethods()) {
        const bool isClip = std::find(m.families.begin(), m.families.end(), "clip") != m.families.end();
        if (isClip != clip) continue;
        ++checked;
        for (const auto& o : m.options) {
          const pd::OptionSpec* s = pd::options::find(info->options, o.name);
          QVERIFY2(s, (std::string(kind) + " lacks " + o.name).c_str());
          QVERIFY2(s->type == o.type, (std::string(kind) + " " + m.name + "." + o.name + ": " + s->type + " vs " + o.type).c_str());
          // The method's own default (the text kinds' `head` is the kind's own option).
          if (clip || o.name != "head") QCOMPARE(s->defaultJson, std::string("null"));
        }
      }
    }
    QVERIFY(checked >= 8);
    // Each kind's `method` choices are exactly the methods and presets of its side.
    for (const auto& [kind, clip] : {std::pair<const char*, bool>{"clip-fewshot", true},
                                     std::pair<const char*, bool>{"text-fewshot", false}}) {
      std::vector<std::string> want;
      for (const auto& m : pd::registeredMethods()) {
        const bool isClip = std::find(m.families.begin(), m.families.end(), "clip") != m.families.end();
        if (isClip != clip) continue;
        want.push_back(m.name);
        for (const auto& p : m.presets) want.push_back(p.name);
      }
      const auto info = pd::jobKindInfo(kind);
      QVERIFY2(info, kind);
      const auto* method = pd::options::find(info->options, "method");
      std::string got, exp;
      if (method) for (const auto& c : method->choices) got += c + ",";
      for (const auto& c : want) exp += c + ",";
      QVERIFY2(method && got == exp, (std::string(kind) + ": " + got + " vs " + exp).c_str());
    }
  }

  void fewShotSpecsValidatePerMethod() {
    json s = baseSpec("coop");
    s["n_ctx"] = 8;
    s["batch_size"] = 4;
    const json n = json::parse(pd::normalizeJobSpec(s.dump()));
    QCOMPARE(n["n_ctx"].get<int>(), 8);
    QVERIFY(n["csc"].is_null());
    const auto run = pd::fewShotRunSpecFromJob(s.dump());
    QCOMPARE(run.method, std::string("coop"));
    QCOMPARE(json::parse(run.optionsJson), json({{"n_ctx", 8}, {"batch_size", 4}}));
    // Another method's option (a form shows them all) is cleared, not part of the run.
    json other = baseSpec("linear-probe");
    other["n_ctx"] = 8;
    QVERIFY(json::parse(pd::normalizeJobSpec(other.dump()))["n_ctx"].is_null());
    QCOMPARE(pd::normalizeJobSpec(other.dump()), pd::normalizeJobSpec(baseSpec("linear-probe").dump()));
    json wrongType = baseSpec("coop");
    wrongType["csc"] = "yes";
    QVERIFY(errorOf([&] { pd::normalizeJobSpec(wrongType.dump()); }).find("clip-fewshot.csc") !=
            std::string::npos);
    json range = baseSpec("coop");
    range["n_ctx"] = 99;
    QVERIFY(errorOf([&] { pd::normalizeJobSpec(range.dump()); }).find("n_ctx") != std::string::npos);
    json z = baseSpec("zeroshot");
    z["templates"] = "a {class}.";
    QCOMPARE(json::parse(pd::fewShotRunSpecFromJob(z.dump()).optionsJson)["templates"],
             json("a {class}."));
  }

  void legacySpecsUpgrade() {
    // As the previous version normalized a coop-csc cell of an experiment.
    json old = baseSpec("coop-csc");
    old.update({{"batch", 0}, {"n_ctx", 0}, {"lr", 0.0}, {"position", "variant"}, {"csc", false},
                {"ctx_init", ""}, {"epochs", 0}, {"epochs_scale", 0.25}, {"views", 0},
                {"reference_mode", false}, {"templates", ""}, {"shots", 2}, {"seed", 3}});
    json now = baseSpec("coop-csc");
    now.update({{"epochs_scale", 0.25}, {"shots", 2}, {"seed", 3}});
    QCOMPARE(pd::normalizeJobSpec(old.dump()), pd::normalizeJobSpec(now.dump()));
    const auto run = pd::fewShotRunSpecFromJob(old.dump());
    const json opts = json::parse(pd::resolveMethod(run.method, run.optionsJson).optionsJson);
    QCOMPARE(opts["csc"].get<bool>(), true);  // the preset's, not the legacy false
    // A legacy linear-probe cell carried the experiment's knobs it does not have.
    json lp = old;
    lp["method"] = "linear-probe";
    lp["batch"] = 8;
    const json n = json::parse(pd::normalizeJobSpec(lp.dump()));
    QVERIFY(n["epochs_scale"].is_null() && n["batch_size"].is_null());
  }

  void gridsExpandInOnePlace() {
    auto cells = pd::fewShotGrid("zeroshot,coop", "1,2", "1,2,3", "g");
    QCOMPARE(cells.size(), size_t(1 + 2 * 3));
    QCOMPARE(cells[0].method, std::string("zeroshot"));
    QCOMPARE(cells[0].shots, 0);
    QCOMPARE(cells[0].seed, std::uint64_t(1));
    QCOMPARE(cells.back().shots, 2);
    QVERIFY(errorOf([] { pd::fewShotGrid("coop", "1,x", "1", "g"); }).find("g.shots") !=
            std::string::npos);
    QVERIFY(errorOf([] { pd::fewShotGrid("coop,nope", "1", "1", "g"); }).find("g.methods") !=
            std::string::npos);
    json e{{"kind", "clip-fewshot-experiment"}, {"model", "/m.safetensors"}, {"dataset", "/d"},
           {"methods", "ensemble,linear-probe,cocoop"}, {"shots", "4"}, {"seeds", "5"},
           {"n_ctx", 2}, {"epochs_scale", 0.5}, {"ensemble_templates", "a {class}.|b {class}."}};
    const auto specs = pd::expandJobSpec(e.dump());
    QCOMPARE(specs.size(), size_t(3));
    const json ens = json::parse(specs[0]), lp = json::parse(specs[1]), co = json::parse(specs[2]);
    QCOMPARE(ens["templates"], json("a {class}.|b {class}."));
    QCOMPARE(ens["shots"].get<int>(), 0);
    QVERIFY(lp["n_ctx"].is_null() && lp["epochs_scale"].is_null());  // not linear-probe options
    QCOMPARE(co["n_ctx"].get<int>(), 2);
    QCOMPARE(co["epochs_scale"].get<double>(), 0.5);
    QCOMPARE(co["seed"].get<int>(), 5);
  }

  void textValuesBecomeTypedOptions() {
    const auto& o = pd::registeredMethods()[2].options;  // coop
    const json j = json::parse(pd::optionValuesToJson(
        o, {{"n_ctx", "8"}, {"csc", "true"}, {"lr", "0.01"}, {"ctx_init", ""}}, "coop"));
    QCOMPARE(j, json({{"n_ctx", 8}, {"csc", true}, {"lr", 0.01}}));
    QVERIFY(errorOf([&] { pd::optionValuesToJson(o, {{"n_ctx", "8x"}}, "coop"); }).find("coop.n_ctx") !=
            std::string::npos);
  }

  // What a form hands the core: text values -> a spec with the kind first and the options in
  // their declared order; the core names the field at fault; defaults as text; job-list names.
  void formTextBecomesASpec() {
    const auto kind = pd::jobKindInfo("clip-fewshot");
    QVERIFY(kind.has_value());
    const std::string spec = pd::jobSpecFromText(
        "clip-fewshot", kind->options,
        {{"method", "coop"}, {"shots", "4"}, {"lr", ""}, {"model", "m.safetensors"},
         {"dataset", "d"}, {"csc", "true"}},
        "run");
    const json j = json::parse(spec);
    QCOMPARE(spec.rfind("{\"kind\":\"clip-fewshot\"", 0), size_t(0));
    QCOMPARE(j.at("shots"), json(4));
    QVERIFY(!j.contains("lr"));  // empty: the method's default
    QCOMPARE(j.at("csc"), json(true));
    QVERIFY(errorOf([&] {
              pd::jobSpecFromText("clip-fewshot", kind->options, {{"shots", "four"}}, "run");
            }).find("run.shots") != std::string::npos);
    QVERIFY(errorOf([&] {
              pd::jobSpecFromText("clip-fewshot", kind->options, {{"no_such", "1"}}, "run");
            }).find("run.no_such") != std::string::npos);
    pd::OptionSpec o;
    o.defaultJson = "\"end\"";
    QCOMPARE(pd::optionDefaultText(o), std::string("end"));
    o.defaultJson = "null";
    QCOMPARE(pd::optionDefaultText(o), std::string());
    o.defaultJson = "0.002";
    QCOMPARE(pd::optionDefaultText(o), std::string("0.002"));
    QCOMPARE(pd::describeJobSpec(
                 R"({"kind":"clip-fewshot","method":"coop","shots":4,"seed":2,"label":""})"),
             std::string("clip-fewshot: coop, 4 shots, seed 2"));
    QCOMPARE(pd::describeJobSpec(R"({"kind":"clip-fewshot","label":"plain","shots":0,"seed":1})"),
             std::string("clip-fewshot: plain, 0 shots"));
    QCOMPARE(pd::describeJobSpec("not json"), std::string());
  }

  void epochsScheduleScales() {
    pd::methods::TrainOptions t;
    QCOMPARE(pd::methods::scheduledEpochs(t, 1), 50);
    QCOMPARE(pd::methods::scheduledEpochs(t, 16), 200);
    t.epochsScale = 0.25;
    QCOMPARE(pd::methods::scheduledEpochs(t, 2), 25);
    t.epochs = 10;  // CoCoOp's 10 x 0.25 = 2.5 -> 3 (as the demo has always run it)
    QCOMPARE(pd::methods::scheduledEpochs(t, 16), 3);
  }
};

QTEST_GUILESS_MAIN(TestMethods)
#include "test_methods.moc"
