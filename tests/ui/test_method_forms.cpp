// The run dialog's form for few-shot runs comes from the method registry: a field for every
// declared option, options left empty keep the method's (or preset's) default, and the spec the
// form writes is validated by the core.
#include <QtTest>

#include "project/project_adapters.h"
#include "promptdesk/coop.h"
#include "promptdesk/job_registry.h"
#include "promptdesk/methods.h"

class TestMethodForms : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void formHasEveryMethodOption() {
    // The CLIP kinds' forms hold every option of the CLIP methods, the text kinds' forms every
    // option of the text methods (BERT, RoBERTa, GPT-2).
    const std::pair<const char*, bool> kinds[] = {{"clip-fewshot", true},
                                                  {"clip-fewshot-experiment", true},
                                                  {"text-fewshot", false},
                                                  {"text-fewshot-experiment", false}};
    int checked = 0;
    for (const auto& [kind, clip] : kinds) {
      QVERIFY2(pd::jobKindInfo(kind), kind);
      const auto schema = pd::ui::schemaFromRegistry(pd::jobKindInfo(kind)->options);
      for (const auto& m : pd::registeredMethods()) {
        const bool isClip = std::find(m.families.begin(), m.families.end(), "clip") != m.families.end();
        if (isClip != clip) continue;
        ++checked;
        for (const auto& o : m.options) {
          auto it = std::find_if(schema.begin(), schema.end(),
                                 [&](const pd::ui::OptionSpec& s) { return s.name == o.name; });
          QVERIFY2(it != schema.end(), (std::string(kind) + ": " + o.name).c_str());
          QVERIFY2(it->defaultValue.empty() || o.type == "bool" || o.type == "choice" ||
                       (!clip && o.name == "head"),
                   (std::string(kind) + ": " + o.name).c_str());
        }
      }
    }
    QVERIFY(checked >= 8);
  }
  void emptyFieldsKeepThePresetsDefaults() {
    const auto schema = pd::ui::schemaFromRegistry(pd::jobKindInfo("clip-fewshot")->options);
    auto csc = std::find_if(schema.begin(), schema.end(),
                            [](const pd::ui::OptionSpec& s) { return s.name == "csc"; });
    QVERIFY(csc->type == pd::ui::OptionType::Choice);
    QCOMPARE(csc->choices, (std::vector<std::string>{"", "true", "false"}));
    pd::ui::OptionValues v;
    for (const auto& s : schema) v[s.name] = s.defaultValue;
    v["model"] = "/m.safetensors";
    v["dataset"] = "/d";
    v["method"] = "coop-csc";
    v["n_ctx"] = "8";
    const std::string spec = pd::normalizeJobSpec(pd::ui::specJsonFrom("clip-fewshot", schema, v));
    const pd::FewShotRunSpec run = pd::fewShotRunSpecFromJob(spec);
    const auto r = pd::resolveMethod(run.method, run.optionsJson);
    QVERIFY(r.optionsJson.find("\"csc\":true") != std::string::npos);
    QVERIFY(r.optionsJson.find("\"n_ctx\":8") != std::string::npos);
    v["csc"] = "false";
    const pd::FewShotRunSpec off =
        pd::fewShotRunSpecFromJob(pd::ui::specJsonFrom("clip-fewshot", schema, v));
    QVERIFY(pd::resolveMethod(off.method, off.optionsJson).optionsJson.find("\"csc\":false") !=
            std::string::npos);
  }
};

QTEST_MAIN(TestMethodForms)
#include "test_method_forms.moc"
