// promptdesk-cli bench prompt-tuning | prefix-tuning | p-tuning-v2: training steps at BERT-base
// shapes on a real 16-shot sample, ours vs a plain PyTorch loop of the PEFT-style reference
// (bench/text_train_reference.py, same weights, init, batches and optimiser, same run).
#include <algorithm>
#include <array>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/bench.h"

namespace {
nlohmann::json orNull(double v) { return v >= 0 ? nlohmann::json(v) : nlohmann::json(); }

double median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

struct Settings {
  pd::TextTrainBenchOptions o;
  bool json = false;
};

void addTrainBench(CLI::App& bench, pd::cli::Outcome& out, const std::string& method,
                   const std::string& what, Settings& s) {
  auto* cmd = bench.add_subcommand(
      method, "Training steps of " + what +
                  " at BERT-base shapes (random weights) on a real 16-shot sample, batch 8: ours "
                  "(length buckets, head at the mask over the label words, gradients only for the "
                  "method's tensors) vs a plain PyTorch loop of the PEFT-style reference (padded "
                  "to 128, full MLM head at every position), same init, batches and AdamW, in "
                  "one run");
  s.o.method = method;
  cmd->add_option("--layers", s.o.layers, "encoder layers (12: BERT-base; fewer for a quick run)")
      ->check(CLI::Range(1, 24));
  cmd->add_option("--steps", s.o.steps, "timed training steps per side (default 20)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--batch", s.o.batch, "batch size (both sides)")->check(CLI::Range(1, 256));
  cmd->add_option("--shots", s.o.shots, "training items per class (sentiment-amazon, LM-BFF)")
      ->check(CLI::Range(1, 400));
  cmd->add_option("--seed", s.o.seed, "few-shot sample and batch order (LM-BFF's 13)");
  cmd->add_option("--threads", s.o.threads, "intra-op threads for both sides (0: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--reference-length", s.o.referenceLength,
                  "the reference pads every input to this length (inputs are cut to fit)")
      ->check(CLI::Range(8, 512));
  cmd->add_option("--python", s.o.python, "python with torch for the reference loop");
  cmd->add_option(
      "--reference-script", s.o.referenceScript,
      "the reference loop (default: bench/text_train_reference.py of the source tree)");
  cmd->add_option("--work-dir", s.o.workDir,
                  "keep the checkpoint, inputs and the reference's losses here (default: a "
                  "temporary folder, removed)");
  cmd->add_flag("--skip-reference", s.o.skipReference, "time ours only");
  cmd->add_flag("--json", s.json, "print one JSON object as the last line");
  cmd->callback([&out, &s] {
    const pd::TextTrainBenchResult r = pd::benchTextTrain(s.o);
    const bool ref = r.referenceStepMean >= 0;
    const double speedup = ref ? r.referenceStepMean / r.oursStepMean : -1;
    const double evalSpeedup = ref ? r.referenceEvalSeconds / r.oursEvalSeconds : -1;
    std::cout << r.method << ": " << r.steps << " training steps, batch " << r.batch << ", "
              << r.items << " items (" << r.dataset << ", " << r.shots << " per class; "
              << r.minLength << ".." << r.maxLength << " tokens, mean " << std::fixed
              << std::setprecision(1) << r.meanLength << "), BERT " << r.layers << "x" << r.hidden
              << ", " << r.heads << " heads, vocab " << r.vocab << ", P " << r.virtualTokens
              << ", lr " << std::setprecision(3) << r.lr << ", " << r.trained
              << " trained numbers, " << r.threads << " thread(s)\n"
              << std::setprecision(3);
    std::cout << "  per step: ours " << r.oursStepMean << " s (median "
              << median(r.oursStepSeconds) << " s, " << std::setprecision(0) << r.oursPositions
              << " positions)" << std::setprecision(3);
    if (ref)
      std::cout << ", reference " << r.referenceStepMean << " s (median "
                << median(r.referenceStepSeconds) << " s, " << std::setprecision(0)
                << r.referencePositions << " positions, padded to " << r.referenceLength
                << ", full head at every position)" << std::setprecision(2) << ", speed-up "
                << speedup << "x, max |loss diff| " << std::scientific << r.maxLossDiff
                << std::fixed;
    std::cout << "\n" << std::setprecision(3) << "  scoring the " << r.items
              << " items after training: ours " << r.oursEvalSeconds << " s (inference mode)";
    if (ref)
      std::cout << ", reference " << r.referenceEvalSeconds << " s (no_grad), speed-up "
                << std::setprecision(2) << evalSpeedup << "x, max |score diff| "
                << std::scientific << r.maxScoreDiff << std::fixed;
    std::cout << "\n  losses, ours:";
    std::cout << std::setprecision(6);
    for (double l : r.oursLosses) std::cout << " " << l;
    std::cout << "\n";
    if (ref && !r.referenceTorch.empty())
      std::cout << "  reference: PyTorch " << r.referenceTorch << ", " << r.referenceThreads
                << " thread(s)\n";
    if (s.json) {
      nlohmann::json j{{"bench", r.method},
                       {"dataset", r.dataset},
                       {"items", r.items},
                       {"shots", r.shots},
                       {"layers", r.layers},
                       {"hidden", r.hidden},
                       {"heads", r.heads},
                       {"vocab", r.vocab},
                       {"steps", r.steps},
                       {"batch", r.batch},
                       {"threads", r.threads},
                       {"reference_length", r.referenceLength},
                       {"virtual_tokens", r.virtualTokens},
                       {"trained", r.trained},
                       {"lr", r.lr},
                       {"min_length", r.minLength},
                       {"max_length", r.maxLength},
                       {"mean_length", r.meanLength},
                       {"ours_positions", r.oursPositions},
                       {"reference_positions", r.referencePositions},
                       {"ours_step_s", r.oursStepMean},
                       {"ours_step_median_s", median(r.oursStepSeconds)},
                       {"reference_step_s", orNull(r.referenceStepMean)},
                       {"reference_step_median_s",
                        ref ? nlohmann::json(median(r.referenceStepSeconds)) : nlohmann::json()},
                       {"speedup", orNull(speedup)},
                       {"ours_eval_s", r.oursEvalSeconds},
                       {"reference_eval_s", orNull(r.referenceEvalSeconds)},
                       {"eval_speedup", orNull(evalSpeedup)},
                       {"max_loss_diff", orNull(r.maxLossDiff)},
                       {"max_score_diff", orNull(r.maxScoreDiff)},
                       {"ours_losses", r.oursLosses},
                       {"reference_losses", r.referenceLosses}};
      j["reference_torch"] = ref ? nlohmann::json(r.referenceTorch) : nlohmann::json();
      std::cout << j.dump() << "\n";
    }
    // The speed-up counts only at an equal loss curve.
    out.code = ref && !(r.maxLossDiff <= 1e-4) ? 1 : 0;
    if (out.code != 0)
      std::cerr << "bench " << r.method << ": the loss curves differ by " << r.maxLossDiff
                << " (> 1e-4)\n";
  });
}

pd::cli::Registrar reg("bench", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& bench = pd::cli::group(root, "bench", "Benchmarks (figures for the closing notes)");
  static std::array<Settings, 3> settings;
  addTrainBench(bench, out, "prompt-tuning", "Prompt Tuning (20 virtual tokens)", settings[0]);
  addTrainBench(bench, out, "prefix-tuning", "Prefix-Tuning (a 20-token prefix in every layer)",
                settings[1]);
  addTrainBench(bench, out, "p-tuning-v2", "P-Tuning v2 (a 4-token prefix, cloze head)",
                settings[2]);
});
}  // namespace
