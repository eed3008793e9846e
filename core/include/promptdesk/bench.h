#pragma once
// Micro-benchmarks run through the core (used by `promptdesk-cli bench ...`).

#include <cstdint>
#include <string>
#include <vector>

namespace pd {

struct MatmulBench {
  int size = 0;
  int threads = 0;
  int reps = 0;
  double seconds = 0;
  double gflops = 0;
};

// Multiplies two size x size float32 matrices `reps` times inside a JobRunner worker that has
// `threads` intra-op threads (0: all cores), after one warm-up product.
MatmulBench benchMatmulInWorker(int size, int reps, int threads);

// CLIP encoder throughput with random weights at released shapes ("vit-b32": ViT-B/32,
// "rn50": RN50), in one JobRunner worker with `threads` intra-op threads (0: all cores).
// Text prompts are random ids of realistic length (SOT, 6..14 ids, EOT, zero padding to 77).
struct ClipEncodeBench {
  std::string backbone;  // "vit-b32" or "rn50"
  int batch = 0;
  int threads = 0;
  int reps = 0;
  double imagesPerSecond = 0;       // encode_image at `batch`
  double promptsPerSecond = 0;      // encode_text at `batch`, run up to the longest EOT (default)
  double promptsPerSecondFull = 0;  // encode_text at `batch`, all 77 positions (as OpenAI does)
};
std::vector<ClipEncodeBench> benchClipEncode(const std::string& backbone, int batch, int reps,
                                             int threads);

// `bench text-encode`: cloze scoring of real sentences with a masked LM at BERT-base shapes
// (random weights, HF initialisation), ours (TextScorer: sorted by length, padded per batch, LM
// head only at the mask over the label words) against the usual reference loop (every input
// padded to `referenceLength`, the MLM head over the whole vocabulary at every position), run by
// bench/text_encode_reference.py with the same weights in the same bench run. Also the plain
// forward: our hiddenStates on the reference's padded batches against its encoder alone.
struct TextEncodeBenchOptions {
  int sentences = 256;  // from sentiment-amazon, -imdb and -yelp in turn (fixed picks)
  int layers = 12;      // BERT-base: 12 layers, width 768, 12 heads, vocab 30522
  int batch = 32;
  int reps = 1;               // timed passes over all sentences (after a warm-up), per side
  int threads = 0;            // intra-op threads for both sides (0: all cores)
  int referenceLength = 128;  // the reference pads to this (inputs are cut to fit it)
  bool skipReference = false;
  std::string python = "/usr/bin/python3";
  std::string referenceScript;  // empty: <source>/bench/text_encode_reference.py
  std::string workDir;          // empty: a temporary folder, removed afterwards
};

struct TextEncodeBenchResult {
  int sentences = 0, layers = 0, hidden = 0, heads = 0, vocab = 0, batch = 0, reps = 0;
  int threads = 0, referenceLength = 0, labelWords = 0;
  int minLength = 0, maxLength = 0;  // tokens, [CLS] ... [SEP]
  double meanLength = 0;
  int batchesPadded = 0;          // our batches (per length bucket)
  double paddedTokens = 0;        // positions our scorer runs (sum of batch x bucket length)
  double oursSeconds = 0;         // cloze scoring of all sentences (per pass)
  double oursForwardSeconds = 0;  // hiddenStates on the padded-to-referenceLength batches
  // Reference (negative when skipped).
  double referenceSeconds = -1, referenceForwardSeconds = -1;
  double maxScoreDiff = -1;   // max |ours - reference| over sentences x label words
  double maxHiddenDiff = -1;  // max |ours - reference| of the hidden state at the mask
  std::string referenceTorch;
  int referenceThreads = 0;
  std::string workDir;  // kept only when given
};
TextEncodeBenchResult benchTextEncode(const TextEncodeBenchOptions& options);

// `bench prompt-tuning`, `bench prefix-tuning`, `bench p-tuning-v2`: training steps of a text
// method at BERT-base shapes (random weights, HF initialisation) on a real 16-shot sample
// (sentiment-amazon, LM-BFF's sampling, seed 13: 16 sentences per class x 2 classes), batch 8,
// through the method's own encode / loss and the training loop's AdamW, schedule and clipping
// (ours: length-bucketed batches, the head at the mask over the label words, gradients only for
// the method's tensors, evaluation under inference mode) against a plain PyTorch loop of the
// PEFT-style reference (bench/text_train_reference.py, same weights, same initial tensors, same
// batches, torch.optim.AdamW, dropout off on both sides): every input padded to
// `referenceLength`, the MLM head over the whole vocabulary at every position of the batch,
// normal autograd, run in the same bench run.
struct TextTrainBenchOptions {
  std::string method;   // "prompt-tuning", "prefix-tuning" or "p-tuning-v2"
  int layers = 12;      // BERT-base: 12 layers, width 768, 12 heads, vocab 30522
  int steps = 20;       // timed optimiser steps per side (after one untimed forward + backward)
  int batch = 8;
  int shots = 16;       // per class
  std::uint64_t seed = 13;  // the few-shot sample (LM-BFF's first seed) and the batch order
  int threads = 0;            // intra-op threads for both sides (0: all cores)
  int referenceLength = 128;  // the reference pads every input to this (inputs are cut to fit)
  bool skipReference = false;
  std::string python = "/usr/bin/python3";
  std::string referenceScript;  // empty: <source>/bench/text_train_reference.py
  std::string workDir;          // empty: a temporary folder, removed afterwards
};

struct TextTrainBenchResult {
  std::string method, dataset;
  int layers = 0, hidden = 0, heads = 0, vocab = 0, steps = 0, batch = 0, shots = 0;
  int items = 0, threads = 0, referenceLength = 0, virtualTokens = 0;
  std::int64_t trained = 0;  // trainable numbers (the method's tensors)
  double lr = 0;
  int minLength = 0, maxLength = 0;  // tokens of the text ([CLS] ... [SEP])
  double meanLength = 0;
  double oursPositions = 0, referencePositions = 0;  // mean positions the encoder runs per step
  std::vector<double> oursLosses, referenceLosses;
  std::vector<double> oursStepSeconds, referenceStepSeconds;
  double oursStepMean = 0, referenceStepMean = -1;  // seconds per training step
  double oursEvalSeconds = 0, referenceEvalSeconds = -1;  // scoring all items after training
  double maxLossDiff = -1;   // max |ours - reference| over the steps' losses
  double maxScoreDiff = -1;  // max |ours - reference| of the class scores after training
  std::string referenceTorch;
  int referenceThreads = 0;
  std::string workDir;  // kept only when given
};
TextTrainBenchResult benchTextTrain(const TextTrainBenchOptions& options);

}  // namespace pd
