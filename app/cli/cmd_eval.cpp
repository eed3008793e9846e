// promptdesk-cli eval: zero-shot evaluation with hand-crafted prompts (a table on stdout, results
// JSON with --out): CLIP with {class} templates, or a text model (BERT, RoBERTa, GPT-2) with
// cloze/prefix templates and a verbalizer; or --compare A.json B.json: McNemar's test.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>

#include "command_registry.h"
#include "project_runs.h"
#include "dataset_options.h"
#include "promptdesk/error.h"
#include "promptdesk/jobs.h"
#include "promptdesk/text_models.h"
#include "promptdesk/version.h"
#include "promptdesk/zero_shot.h"

namespace {

void printTable(const pd::ZeroShotResult& r) {
  const pd::Metrics& m = r.metrics;
  std::printf("zero-shot %s [%s], %lld items, %d classes, %zu template%s%s%s\n",
              r.datasetName.c_str(), r.split.c_str(), static_cast<long long>(m.n), m.numClasses,
              r.templates.size(), r.templates.size() == 1 ? "" : "s",
              r.templateSet.empty() ? "" : " from ", r.templateSet.c_str());
  std::printf("  accuracy  %6.2f%%  (95%% CI %.2f-%.2f%%)\n", 100 * m.accuracy, 100 * m.ciLow,
              100 * m.ciHigh);
  std::printf("  top-%d     %6.2f%%\n", std::min(5, m.numClasses), 100 * m.top5);
  std::printf("  macro-F1  %6.2f%%\n", 100 * m.macroF1);
  std::printf("  ECE       %6.4f\n", m.ece);
  std::printf(
      "  time      %.3f s (%.1f items/s; model %.3f s, prompts %.3f s, images %.3f s; "
      "cache %lld hits, %lld computed)\n",
      r.seconds, r.itemsPerSecond, r.modelSeconds, r.textSeconds, r.imageSeconds,
      static_cast<long long>(r.cacheHits), static_cast<long long>(r.cacheMisses));
  std::printf("\n  %-4s %-28s %8s %9s %10s %7s\n", "#", "class", "support", "accuracy", "precision",
              "F1");
  for (std::size_t c = 0; c < m.perClass.size(); ++c) {
    const auto& pc = m.perClass[c];
    std::string name = c < r.classNames.size() ? r.classNames[c] : std::to_string(c);
    if (name.size() > 28) name = name.substr(0, 25) + "...";
    std::printf("  %-4zu %-28s %8lld %8.2f%% %9.2f%% %6.2f%%\n", c, name.c_str(),
                static_cast<long long>(pc.support), 100 * pc.accuracy, 100 * pc.precision,
                100 * pc.f1);
  }
}

void printComparison(const pd::ZeroShotComparison& c, const std::string& a, const std::string& b) {
  std::printf("McNemar on %lld shared items\n", static_cast<long long>(c.n));
  std::printf("  A %s: accuracy %.2f%%\n  B %s: accuracy %.2f%%\n", a.c_str(), 100 * c.accuracyA,
              b.c_str(), 100 * c.accuracyB);
  std::printf("  both right %lld, both wrong %lld, A right/B wrong %lld, A wrong/B right %lld\n",
              static_cast<long long>(c.bothRight), static_cast<long long>(c.bothWrong),
              static_cast<long long>(c.mcnemar.b), static_cast<long long>(c.mcnemar.c));
  std::printf("  %s test: statistic %.4g, p = %.4g -> %s\n",
              c.mcnemar.exact ? "exact binomial" : "chi-square (continuity-corrected)",
              c.mcnemar.statistic, c.mcnemar.pValue,
              c.mcnemar.significant ? "significant difference" : "no significant difference");
}

void printLabelWords(const pd::TextZeroShotResult& t) {
  std::fprintf(stderr, "label words (%s, scoring %s):\n", t.tokenizer.c_str(), t.scoring.c_str());
  for (const auto& w : t.labelWords) {
    std::string pieces, bare;
    for (const auto& p : w.pieces) pieces += " " + p;
    for (const auto& p : w.bareTokens) bare += " " + p;
    std::fprintf(stderr, "  %-12s %-14s ->%s", w.className.c_str(), w.word.c_str(), pieces.c_str());
    if (!bare.empty() && bare != pieces) std::fprintf(stderr, "   (without the space:%s)", bare.c_str());
    std::fprintf(stderr, "\n");
    if (!w.note.empty()) std::fprintf(stderr, "    note: %s\n", w.note.c_str());
  }
  if (t.truncatedItems > 0)
    std::fprintf(stderr, "%lld item(s) were cut to fit the model's positions\n",
                 static_cast<long long>(t.truncatedItems));
}

// Runs a job with progress on stderr; throws on failure.
void runWithProgress(const std::shared_ptr<pd::Job>& job, bool quiet) {
  pd::JobRunnerOptions ro;
  ro.workers = 1;
  ro.threadsPerWorker = pd::hardwareCores();
  pd::JobRunner runner(ro);
  std::mutex mu;
  int lastPct = -1;
  std::string lastMsg;
  runner.setListener([&](const pd::JobEvent& e) {
    if (quiet || e.state != pd::JobState::Running) return;
    std::lock_guard<std::mutex> lock(mu);
    const int pct = e.fraction >= 0 ? static_cast<int>(e.fraction * 100) : 0;
    if (pct == lastPct && e.message == lastMsg) return;
    lastPct = pct;
    lastMsg = e.message;
    if (e.totalSteps > 0)
      std::fprintf(stderr, "\reval: %3d%% %s %lld/%lld   ", pct, e.message.c_str(),
                   static_cast<long long>(e.step), static_cast<long long>(e.totalSteps));
    else
      std::fprintf(stderr, "\reval: %3d%% %s            ", pct, e.message.c_str());
    if (e.fraction >= 1.0) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  });
  const pd::JobId id = runner.submit(job);
  runner.wait(id);
  if (runner.state(id) != pd::JobState::Succeeded)
    throw pd::Error(runner.error(id).empty() ? pd::toString(runner.state(id)) : runner.error(id));
}

pd::cli::Registrar reg("eval", [](CLI::App& root, pd::cli::Outcome& out) {
  auto* cmd = root.add_subcommand(
      "eval",
      "Zero-shot evaluation with hand-crafted prompts: CLIP ({class} templates) or a text model "
      "(cloze/prefix templates and label words); or --compare two results");
  static pd::cli::DatasetArgs args;
  static pd::ZeroShotSpec spec;
  static pd::TextZeroShotSpec text;
  static std::vector<std::string> labelWords;
  static std::vector<std::string> compare;
  static std::string outPath, project, experiment, method;
  static double alpha = 0.05;
  static bool json = false, quiet = false, noItems = false;
  cmd->add_option("--model", spec.modelPath,
                  "CLIP checkpoint (.pt, .safetensors or HF folder), or a text model's HF folder "
                  "(BERT, RoBERTa, GPT-2)");
  args.add(cmd);
  cmd->get_option("--dataset")->required(false);
  cmd->add_option("--split", spec.split, "split to evaluate (default test)");
  cmd->add_option("--template", spec.templates,
                  "prompt template with {class} (repeat to ensemble several)");
  cmd->add_option("--template-set", spec.templateSet,
                  "template set of the library: DATASET, DATASET/SET or SET (of this dataset)");
  cmd->add_option("--library", spec.templateLibrary, "user template library JSON");
  cmd->add_option("--aliases", spec.aliasesFile, "verbalizer JSON with class-name aliases");
  cmd->add_option("--verbalizer", text.verbalizerFile,
                  "text models: verbalizer JSON with label words per class");
  cmd->add_option("--label-words", labelWords,
                  "text models: label words of a class, 'class=word|word' (repeat per class); "
                  "default: the class names");
  cmd->add_option("--tokenizer", text.tokenizer,
                  "text models: tokenizer folder, gpt2 or bert-base-uncased (default: the model "
                  "folder's files, else the family's installed vocabulary)");
  cmd->add_option("--scoring", text.scoring,
                  "text models: auto, cloze (masked LM), sum, mean or next-token (causal LM)")
      ->check(CLI::IsMember({"auto", "cloze", "sum", "mean", "next-token"}));
  cmd->add_flag("--calibrate", text.calibrate,
                "text models: contextual calibration on a content-free input");
  cmd->add_option("--content-free", text.contentFree,
                  "text models: the content-free input for --calibrate (default N/A)");
  cmd->add_option("--limit", spec.limit, "only the first N items of the split (0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--batch", spec.batchSize, "images per batch")->check(CLI::Range(1, 4096));
  cmd->add_option("--cache", spec.cacheDir, "feature cache folder (default <data>/feature-cache)");
  cmd->add_option("--out", outPath, "write the results JSON here");
  cmd->add_flag("--no-items", noItems, "leave per-item scores out of --json output");
  cmd->add_option("--compare", compare, "compare two results JSON files (McNemar)")->expected(2);
  cmd->add_option("--alpha", alpha, "significance level for --compare")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--json", json, "print JSON on stdout instead of the table");
  cmd->add_flag("--quiet", quiet, "no progress on stderr");
  cmd->add_option("--project", project,
                  "record the evaluation as a run in this project (*.pdesk): metrics and every "
                  "prediction");
  cmd->add_option("--experiment", experiment, "with --project: experiment name of the run");
  cmd->add_option("--method", method, "with --project: method name recorded (default zeroshot)");
  cmd->callback([&out] {
    if (!compare.empty()) {
      const auto c = pd::compareZeroShot(pd::readPredictions(compare[0]),
                                         pd::readPredictions(compare[1]), alpha);
      if (json)
        std::cout << pd::comparisonToJson(c) << "\n";
      else
        printComparison(c, compare[0], compare[1]);
      out.code = 0;
      return;
    }
    if (spec.modelPath.empty()) throw CLI::RequiredError("--model");
    if (args.spec.empty()) throw CLI::RequiredError("--dataset");
    spec.datasetSpec = args.spec;
    spec.datasetOptions = args.resolved();
    if (pd::isTextModel(spec.modelPath)) {
      if (!spec.templateSet.empty() || !spec.aliasesFile.empty())
        throw CLI::ValidationError("eval", "--template-set and --aliases are for CLIP models");
      text.modelPath = spec.modelPath;
      text.datasetSpec = spec.datasetSpec;
      text.datasetOptions = spec.datasetOptions;
      text.split = spec.split;
      text.templates = spec.templates;
      text.labelWords = labelWords;
      text.limit = spec.limit;
      text.batchSize = std::min(spec.batchSize, 256);
      if (!project.empty()) {
        nlohmann::json j{{"dataset", args.spec},
                         {"class_names", args.options.classNamesFile},
                         {"label_names", args.labelNames},
                         {"text_column", args.options.textColumn},
                         {"text2_column", args.options.text2Column},
                         {"label_column", args.options.labelColumn}};
        j["kind"] = "text-zero-shot";
        j["model"] = text.modelPath;
        j["split"] = text.split;
        std::string templates, words;
        for (const auto& t : text.templates) templates += (templates.empty() ? "" : "\n") + t;
        for (const auto& w : labelWords) words += (words.empty() ? "" : ";") + w;
        j["templates"] = templates;
        j["tokenizer"] = text.tokenizer;
        j["verbalizer"] = text.verbalizerFile;
        j["label_words"] = words;
        j["scoring"] = text.scoring;
        j["calibrate"] = text.calibrate;
        j["content_free"] = text.contentFree;
        j["batch_size"] = text.batchSize;
        j["test_limit"] = text.limit;
        j["experiment"] = experiment;
        if (!method.empty()) j["method"] = method;
        pd::cli::runSpecInProject(project, j, quiet, true);
        out.code = 0;
        return;
      }
      auto job = std::make_shared<pd::TextZeroShotJob>(text);
      runWithProgress(job, quiet);
      const pd::TextZeroShotResult& t = job->result();
      if (!quiet) printLabelWords(t);
      if (!outPath.empty()) {
        std::ofstream f(outPath, std::ios::binary | std::ios::trunc);
        if (!(f << t.toJson() << "\n")) throw pd::Error("cannot write the results file", outPath);
      }
      if (json)
        std::cout << t.toJson(!noItems) << "\n";
      else
        printTable(t.result);
      out.code = 0;
      return;
    }
    if (!project.empty()) {
      nlohmann::json j = pd::cli::datasetSpecJson(args);
      j["kind"] = "clip-zero-shot";
      j["model"] = spec.modelPath;
      j["split"] = spec.split;
      std::string templates;
      for (const auto& t : spec.templates) templates += (templates.empty() ? "" : "\n") + t;
      j["templates"] = templates;
      j["template_set"] = spec.templateSet;
      j["library"] = spec.templateLibrary;
      j["aliases"] = spec.aliasesFile;
      j["batch_size"] = spec.batchSize;
      j["cache"] = spec.cacheDir;
      j["test_limit"] = spec.limit;
      j["experiment"] = experiment;
      if (!method.empty()) j["method"] = method;
      pd::cli::runSpecInProject(project, j, quiet, true);
      out.code = 0;
      return;
    }

    auto job = std::make_shared<pd::ZeroShotJob>(spec);
    runWithProgress(job, quiet);
    const pd::ZeroShotResult& r = job->result();
    if (!outPath.empty()) r.writeJson(outPath);
    if (json)
      std::cout << r.toJson(!noItems) << "\n";
    else
      printTable(r);
    if (!outPath.empty() && !quiet)
      std::fprintf(stderr, "results written to %s\n", outPath.c_str());
    out.code = 0;
  });
});

}  // namespace
