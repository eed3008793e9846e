// promptdesk-cli bench text-encode: cloze scoring at BERT-base shapes, ours vs the usual
// reference loop (bench/text_encode_reference.py, same weights, same run).
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/bench.h"

namespace {
nlohmann::json orNull(double v) { return v >= 0 ? nlohmann::json(v) : nlohmann::json(); }

pd::cli::Registrar reg("bench", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& bench = pd::cli::group(root, "bench", "Benchmarks (figures for the closing notes)");
  auto* cmd = bench.add_subcommand(
      "text-encode",
      "Cloze scoring of real sentences at BERT-base shapes (random weights): ours (length "
      "buckets, head at the mask over the label words) vs the reference loop (padded to 128, "
      "full MLM head), in one run");
  static pd::TextEncodeBenchOptions o;
  static bool json = false;
  cmd->add_option("--sentences", o.sentences, "sentences (sentiment-amazon/-imdb/-yelp in turn)")
      ->check(CLI::Range(1, 3000));
  cmd->add_option("--layers", o.layers, "encoder layers (12: BERT-base; fewer for a quick run)")
      ->check(CLI::Range(1, 24));
  cmd->add_option("--batch", o.batch, "batch size (both sides)")->check(CLI::Range(1, 1024));
  cmd->add_option("--reps", o.reps, "timed passes per side (after a warm-up)")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--threads", o.threads, "intra-op threads for both sides (0: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--reference-length", o.referenceLength,
                  "the reference pads every input to this length (inputs are cut to fit)")
      ->check(CLI::Range(8, 512));
  cmd->add_option("--python", o.python, "python with torch for the reference loop");
  cmd->add_option(
      "--reference-script", o.referenceScript,
      "the reference loop (default: bench/text_encode_reference.py of the source tree)");
  cmd->add_option("--work-dir", o.workDir,
                  "keep the checkpoint, inputs and reference scores here (default: a temporary "
                  "folder, removed)");
  cmd->add_flag("--skip-reference", o.skipReference, "time ours only");
  cmd->add_flag("--json", json, "print one JSON object as the last line");
  cmd->callback([&out] {
    pd::TextEncodeBenchResult r = pd::benchTextEncode(o);
    const bool ref = r.referenceSeconds >= 0;
    const double speedup = ref ? r.referenceSeconds / r.oursSeconds : -1;
    const double fwd = ref ? r.referenceForwardSeconds / r.oursForwardSeconds : -1;
    std::cout << "text-encode: " << r.sentences << " sentences (" << r.minLength << ".."
              << r.maxLength << " tokens, mean " << std::fixed << std::setprecision(1)
              << r.meanLength << "), BERT " << r.layers << "x" << r.hidden << ", " << r.heads
              << " heads, vocab " << r.vocab << ", batch " << r.batch << ", " << r.threads
              << " thread(s)\n"
              << std::setprecision(2);
    std::cout << "  cloze scoring: ours " << r.oursSeconds << " s (" << r.batchesPadded
              << " length buckets, " << static_cast<long long>(r.paddedTokens)
              << " positions, head at the mask over " << r.labelWords << " label words)";
    if (ref)
      std::cout << ", reference " << r.referenceSeconds << " s (padded to " << r.referenceLength
                << ", full head at every position), speed-up " << speedup << "x, max |score diff| "
                << std::scientific << std::setprecision(2) << r.maxScoreDiff << std::fixed;
    std::cout << "\n  plain forward (padded to " << r.referenceLength << "): ours "
              << r.oursForwardSeconds << " s";
    if (ref)
      std::cout << ", reference encoder " << r.referenceForwardSeconds << " s, ratio " << fwd
                << "x, max |hidden diff| at the mask " << std::scientific << r.maxHiddenDiff
                << std::fixed;
    std::cout << "\n";
    if (ref && !r.referenceTorch.empty())
      std::cout << "  reference: PyTorch " << r.referenceTorch << ", " << r.referenceThreads
                << " thread(s)\n";
    if (json) {
      nlohmann::json j{{"bench", "text-encode"},
                       {"sentences", r.sentences},
                       {"layers", r.layers},
                       {"hidden", r.hidden},
                       {"heads", r.heads},
                       {"vocab", r.vocab},
                       {"batch", r.batch},
                       {"reps", r.reps},
                       {"threads", r.threads},
                       {"reference_length", r.referenceLength},
                       {"label_words", r.labelWords},
                       {"min_length", r.minLength},
                       {"max_length", r.maxLength},
                       {"mean_length", r.meanLength},
                       {"length_buckets", r.batchesPadded},
                       {"padded_positions", r.paddedTokens},
                       {"ours_s", r.oursSeconds},
                       {"ours_forward_s", r.oursForwardSeconds},
                       {"reference_s", orNull(r.referenceSeconds)},
                       {"reference_forward_s", orNull(r.referenceForwardSeconds)},
                       {"speedup", orNull(speedup)},
                       {"forward_speedup", orNull(fwd)},
                       {"max_score_diff", orNull(r.maxScoreDiff)},
                       {"max_hidden_diff", orNull(r.maxHiddenDiff)}};
      j["reference_torch"] = ref ? nlohmann::json(r.referenceTorch) : nlohmann::json();
      std::cout << j.dump() << "\n";
    }
    // The speed-up counts only at equal scores.
    out.code = ref && r.maxScoreDiff > 1e-4 ? 1 : 0;
    if (out.code != 0)
      std::cerr << "bench text-encode: ours and the reference differ by " << r.maxScoreDiff
                << " (> 1e-4)\n";
  });
});
}  // namespace
