// promptdesk-cli train <text method> and experiment text: few-shot runs of the text methods
// (Prompt Tuning, P-Tuning, Prefix-Tuning, P-Tuning v2, adapters, BitFit, partial-k, linear,
// full, LM-BFF) under LM-BFF's protocol, with flags generated from each method's declared
// options; --project records the runs (the text-fewshot / text-fewshot-experiment job kinds),
// else the run's files (result.json, learned.safetensors, peft/) go to --out.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "dataset_options.h"
#include "option_flags.h"
#include "project_runs.h"
#include "promptdesk/error.h"
#include "promptdesk/job_registry.h"
#include "promptdesk/jobs.h"
#include "promptdesk/methods.h"
#include "promptdesk/text_methods.h"

namespace {

struct TextArgs {
  pd::TextFewShotSpec spec;
  pd::cli::DatasetArgs ds;
  pd::cli::OptionFlags flags;
  std::string labelWords, project, experiment;
  bool quiet = false;
};

void addTextInputs(CLI::App* cmd, TextArgs* a, bool headFlag = true) {
  cmd->add_option("--model", a->spec.modelPath, "text model: Hugging Face folder (BERT, RoBERTa, GPT-2)")
      ->required();
  a->ds.add(cmd);
  cmd->add_option("--tokenizer", a->spec.tokenizer,
                  "tokenizer folder, gpt2 or bert-base-uncased (default: the model folder's)");
  cmd->add_option("--template", a->spec.templateText,
                  "template: {text} ... {mask} (masked LM) or a prefix (causal LM); {soft:N} "
                  "places soft tokens (default '{text} It was {mask}.' / '{text} It was')");
  cmd->add_option("--verbalizer", a->spec.verbalizerFile, "verbalizer JSON (label words per class)");
  cmd->add_option("--label-words", a->labelWords,
                  "label words, 'class=word|word' separated by ';' (default: the class names)");
  if (headFlag)  // methods that declare their own "head" option get it from their flags
    cmd->add_option("--head", a->spec.head,
                    "verbalizer, classifier, soft-verbalizer, knowledgeable, mlp (default: the "
                    "method's)");
  cmd->add_option("--test-limit", a->spec.testLimit, "evaluate on the first N test items");
  cmd->add_option("--project", a->project, "record the run(s) in this project (*.pdesk)");
  cmd->add_option("--experiment", a->experiment, "with --project: the experiment's name");
  cmd->add_flag("--quiet", a->quiet, "no progress on stderr");
}

std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ';' || c == '\n') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

nlohmann::json textSpecJson(TextArgs* a) {
  nlohmann::json j{{"model", a->spec.modelPath},
                   {"dataset", a->ds.spec},
                   {"class_names", a->ds.options.classNamesFile},
                   {"label_names", a->ds.labelNames},
                   {"text_column", a->ds.options.textColumn},
                   {"text2_column", a->ds.options.text2Column},
                   {"label_column", a->ds.options.labelColumn},
                   {"tokenizer", a->spec.tokenizer},
                   {"template", a->spec.templateText},
                   {"verbalizer", a->spec.verbalizerFile},
                   {"label_words", a->labelWords},
                   {"head", a->spec.head},
                   {"test_limit", a->spec.testLimit},
                   {"experiment", a->experiment}};
  return j;
}

pd::TextFewShotResult runQuiet(const pd::TextFewShotSpec& spec, bool quiet) {
  pd::JobRunner runner({1, 0});
  std::mutex m;
  runner.setListener([&](const pd::JobEvent& e) {
    if (quiet || e.state != pd::JobState::Running) return;
    std::lock_guard<std::mutex> lock(m);
    std::fprintf(stderr, "\r[%s] %s   ", spec.method.c_str(), e.message.c_str());
    std::fflush(stderr);
  });
  pd::TextFewShotResult result;
  auto id = runner.submit(std::make_shared<pd::FunctionJob>(
      "train " + spec.method, [&](pd::JobContext& ctx) { result = pd::runTextFewShot(spec, &ctx); }));
  runner.wait(id);
  if (!quiet) std::fprintf(stderr, "\n");
  if (runner.state(id) != pd::JobState::Succeeded)
    throw pd::Error(runner.error(id).empty() ? pd::toString(runner.state(id)) : runner.error(id),
                    "train " + spec.method);
  return result;
}

void addTrainText(CLI::App& train, pd::cli::Outcome& out, const pd::MethodInfo& m,
                  const pd::MethodPreset* preset) {
  const std::string name = preset ? preset->name : m.name;
  auto* cmd = train.add_subcommand(
      name, preset ? preset->description + " (preset of " + m.name + ")"
                   : m.title + ": " + m.description);
  auto* a = new TextArgs();
  a->spec.method = name;
  bool ownHead = false;
  for (const auto& o : m.options) ownHead = ownHead || o.name == "head";
  addTextInputs(cmd, a, !ownHead);
  cmd->add_option("--shots", a->spec.shots, "K: training and dev items per class")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--seed", a->spec.seed, "few-shot sample / training seed (LM-BFF: 13, 21, 42, 87, 100)");
  cmd->add_option("--out", a->spec.outDir, "output folder (not needed with --project)");
  cmd->add_flag("--resume", a->spec.resume, "continue from --out/checkpoint.safetensors");
  std::vector<pd::OptionSpec> options = m.options;
  if (preset) {
    const nlohmann::json over = nlohmann::json::parse(preset->overridesJson);
    for (pd::OptionSpec& o : options)
      if (over.contains(o.name)) o.defaultJson = over.at(o.name).dump();
  }
  a->flags.add(cmd, options, m.name + " options");
  cmd->callback([&out, a, name] {
    a->spec.datasetSpec = a->ds.spec;
    a->spec.datasetOptions = a->ds.resolved();
    a->spec.labelWords = splitList(a->labelWords);
    a->spec.optionsJson = pd::optionValuesToJson(a->flags.specs(), a->flags.given(), name);
    pd::resolveMethod(name, a->spec.optionsJson, name);
    if (!a->project.empty()) {
      nlohmann::json j = textSpecJson(a);
      j["kind"] = "text-fewshot";
      j["method"] = name;
      j["shots"] = a->spec.shots;
      j["seed"] = a->spec.seed;
      const auto o = nlohmann::json::parse(a->spec.optionsJson);
      for (auto it = o.begin(); it != o.end(); ++it) j[it.key()] = it.value();
      pd::cli::runSpecInProject(a->project, j, a->quiet, true);
      out.code = 0;
      return;
    }
    if (a->spec.outDir.empty()) throw CLI::RequiredError("--out (or --project)");
    auto r = runQuiet(a->spec, a->quiet);
    std::cout << r.resultJson << "\n";
    out.code = 0;
  });
}

pd::cli::Registrar reg("train-text", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& train = pd::cli::group(
      root, "train", "Few-shot training runs of a registered method or preset (see `methods`)");
  for (const pd::MethodInfo& m : pd::registeredMethods()) {
    if (!pd::isTextMethod(m.name)) continue;
    addTrainText(train, out, m, nullptr);
    for (const auto& p : m.presets) addTrainText(train, out, m, &p);
  }

  CLI::App& exp = pd::cli::group(root, "experiment", "Experiment grids");
  auto* cmd = exp.add_subcommand(
      "text", "LM-BFF's few-shot grid on a text model: methods x K x seeds (+ hand-crafted zero-shot)");
  auto* a = new TextArgs();
  static std::string methods = "prompt-tuning,p-tuning,prefix-tuning,adapter,bitfit,lm-bff";
  static std::string shots = "4,8,16,32", seeds = "13,21,42,87,100";
  static bool noZeroShot = false;
  addTextInputs(cmd, a);
  cmd->add_option("--methods", methods, "comma list of text methods and presets");
  cmd->add_option("--shots", shots, "comma list of K");
  cmd->add_option("--seeds", seeds, "comma list of seeds");
  cmd->add_flag("--no-zero-shot", noZeroShot, "leave out the hand-crafted zero-shot reference");
  cmd->add_option("--out", a->spec.outDir,
                  "output folder (not needed with --project): <method>/k<K>/seed<s>/ and "
                  "results.jsonl; runs done before are skipped");
  std::vector<pd::OptionSpec> knobs;
  const auto kind = pd::jobKindInfo("text-fewshot-experiment");
  for (const auto& o : kind->options) {
    bool methodOption = false;
    for (const pd::MethodInfo& m : pd::registeredMethods())
      if (pd::isTextMethod(m.name))
        for (const auto& x : m.options) methodOption = methodOption || x.name == o.name;
    if (methodOption && !o.required && o.name != "head") knobs.push_back(o);
  }
  a->flags.add(cmd, knobs, "method options (applied to every method that declares them)");
  cmd->callback([&out, a] {
    nlohmann::json j = textSpecJson(a);
    j["kind"] = "text-fewshot-experiment";
    j["methods"] = methods;
    j["shots"] = shots;
    j["seeds"] = seeds;
    j["zero_shot"] = !noZeroShot;
    if (a->experiment.empty()) j["experiment"] = "fewshot-text";
    const auto o = nlohmann::json::parse(
        pd::optionValuesToJson(a->flags.specs(), a->flags.given(), "experiment text"));
    for (auto it = o.begin(); it != o.end(); ++it) j[it.key()] = it.value();
    if (!a->project.empty()) {
      pd::cli::runSpecInProject(a->project, j, a->quiet, true);
      out.code = 0;
      return;
    }
    if (a->spec.outDir.empty()) throw CLI::RequiredError("--out (or --project)");
    std::filesystem::create_directories(a->spec.outDir);
    const auto cells = pd::expandJobSpec(j.dump());
    int done = 0;
    for (const auto& cellJson : cells) {
      const auto cell = nlohmann::json::parse(cellJson);
      ++done;
      if (cell["kind"] != "text-fewshot") {
        std::cerr << "[" << done << "/" << cells.size() << "] " << cell["kind"]
                  << ": run it with --project (or promptdesk-cli eval)\n";
        continue;
      }
      pd::TextFewShotSpec s = a->spec;
      s.method = cell["method"];
      s.shots = cell["shots"];
      s.seed = cell["seed"];
      s.datasetSpec = a->ds.spec;
      s.datasetOptions = a->ds.resolved();
      s.labelWords = splitList(a->labelWords);
      const pd::ResolvedMethod rm = pd::resolveMethod(s.method, "{}", "methods");
      nlohmann::json ov = nlohmann::json::object();
      for (const auto& opt : rm.method->options)
        if (cell.contains(opt.name) && !cell[opt.name].is_null()) ov[opt.name] = cell[opt.name];
      s.optionsJson = ov.dump();
      s.outDir = a->spec.outDir + "/" + s.method + "/k" + std::to_string(s.shots) + "/seed" +
                 std::to_string(s.seed);
      s.resume = true;
      std::cerr << "[" << done << "/" << cells.size() << "] " << s.method << " K=" << s.shots
                << " seed " << s.seed << "\n";
      if (std::filesystem::exists(s.outDir + "/result.json")) {
        std::cerr << "  done before, skipped\n";
        continue;
      }
      auto r = runQuiet(s, a->quiet);
      std::ofstream(a->spec.outDir + "/results.jsonl", std::ios::app) << r.resultJson << "\n";
      std::cout << r.resultJson << "\n";
    }
    out.code = 0;
  });
});

}  // namespace
