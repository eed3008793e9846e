#pragma once
// Continuous prompt learning for CLIP: CoOp, CoCoOp and the linear-probe baseline (public specs).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "promptdesk/dataset.h"
#include "promptdesk/metrics.h"

namespace pd {

enum class ClassTokenPosition { End, Middle, Front };
ClassTokenPosition parseClassTokenPosition(const std::string& s);  // "end" | "middle" | "front"
const char* toString(ClassTokenPosition p);

struct CoopSpec {
  std::string method = "coop";  // "coop" | "cocoop"
  int nCtx = 16;                // ignored when ctxInit is set (its token count is used)
  std::string ctxInit;          // e.g. "a photo of a"; empty: N(0, 0.02)
  bool csc = false;             // class-specific context (CoOp only)
  ClassTokenPosition position = ClassTokenPosition::End;
  double lr = 0.002, momentum = 0.9, weightDecay = 5e-4;
  int warmupEpochs = 1;
  double warmupLr = 1e-5;  // Dassl ConstantWarmupScheduler
  int batchSize = 32;
  int epochs = 0;  // 0: by shots (defaultCoopEpochs)
  int shots = 16;
  bool augment = true;  // reference mode: random-resized-crop + flip; fast: random cached view
  bool referenceMode =
      false;  // plain loop: all 77 positions, no prefix sharing, image tower each step
  std::uint64_t seed = 1;
};

// CoOp's schedule: 50 epochs for 1 shot, 100 for 2/4, 200 for 8/16.
int defaultCoopEpochs(int shots);

struct CoopBenchOptions {
  std::string backbone = "vit-b32";  // "vit-b32" | "rn50"
  int classes = 37, shots = 16, nCtx = 16, batch = 32;
  bool skipReference = false;
  int maxSteps = 0;  // > 0: time this many steps per mode and extrapolate to the epoch
  int threads = 0;
};
struct CoopBenchResult {
  std::string backbone;
  int classes = 0, stepsPerEpoch = 0, stepsTimedReference = 0, stepsTimedFast = 0, threads = 0;
  double referenceSecondsPerEpoch = -1;  // < 0: skipped
  double fastSecondsPerEpoch = 0;
  double cacheSeconds = 0;  // one-off image-feature cache build (fast mode)
  double maxLossDiff = -1;  // |fast - reference| over the timed steps (< 0: skipped)
};
// Times one CoOp epoch at real CLIP shapes with random weights, in reference and fast mode.
CoopBenchResult benchCoop(const CoopBenchOptions& options);

}  // namespace pd

namespace pd {
class JobContext;

// One few-shot training run on a dataset (`promptdesk-cli train
// coop|cocoop|linear-probe|zeroshot`). Image features of the few-shot train / val and the test
// split come from the feature cache (frozen image tower); training uses K cached augmented views
// (views = 0: the plain view).
// What a few-shot run reports while it runs (all optional; called on the job's thread).
struct FewShotStep {
  int epoch = 0, step = 0, globalStep = 0, totalSteps = 0;
  double loss = 0, lr = 0, accuracy = 0;
};
struct FewShotHooks {
  std::function<void(const FewShotStep&)> onStep;  // CoOp / CoCoOp: after each optimiser step
  // After each epoch, once `checkpointFile` (safetensors, resumable) has been written.
  std::function<void(int epoch, int globalStep, const std::string& checkpointFile)> onCheckpoint;
};

struct FewShotRunSpec {
  std::string method = "coop";  // coop | cocoop | linear-probe | zeroshot | ensemble
  std::string modelPath, datasetSpec;
  DatasetOptions datasetOptions;
  int shots = 16;
  std::uint64_t seed = 1;
  CoopSpec coop;               // coop / cocoop knobs (shots and seed are copied in)
  int views = 0;               // cached augmented views per training image (0: plain view only)
  std::string cacheDir;        // empty: dataPath("feature-cache")
  std::string outDir;          // prompt.safetensors, checkpoint.safetensors, result.json
  bool resume = false;         // continue from outDir/checkpoint.safetensors when present
  std::int64_t testLimit = 0;  // evaluate on the first N test items only (0: all)
  // zeroshot / ensemble: the hand-crafted templates ("{class}" or "{}" marks the class name);
  // empty: "a photo of a {class}." for zeroshot, CLIP's 7-template ensemble for ensemble.
  std::vector<std::string> templates;
  FewShotHooks hooks;
};

struct FewShotRunResult {
  std::string method;
  int shots = 0;
  std::uint64_t seed = 0;
  double valAccuracy = -1, testAccuracy = -1, finalLoss = -1, trainSeconds = 0;
  int epochs = 0, steps = 0;
  std::string resultJson;  // the JSON written to outDir/result.json
  // Provenance and per-item results on the test split (empty without a test split).
  std::string modelHash, datasetName, fewShotIdsHash;
  std::vector<std::string> classNames, trainIds, valIds;
  std::vector<ScoredItem> testItems;  // scores = logits
  Metrics testMetrics;                // computeMetrics over testItems (bootstrap CI included)
  std::string promptFile;             // outDir/prompt.safetensors (CoOp / CoCoOp), else empty
};

// The variants the few-shot experiment knows, as CoOp's paper draws them: "zeroshot" (one
// hand-crafted template), "ensemble" (CLIP's template ensemble), "linear-probe", "coop" (n_ctx 16,
// unified, end), "coop-csc", "coop-middle", "coop-front", "coop-init" ("a photo of a"), "cocoop".
const std::vector<std::string>& fewShotVariants();
bool isZeroShotVariant(const std::string& variant);
// `base` with method and CoOp knobs set for `variant` (epochs > 0 overrides the schedule; CoCoOp
// defaults to 10 epochs, batch 1, n_ctx 4 from "a photo of a", as the reference configs).
// Throws pd::Error naming the variant when unknown.
FewShotRunSpec fewShotVariantSpec(const std::string& variant, FewShotRunSpec base, int epochs = 0);

// Runs inside a pd::Job (ctx may be null: no progress, no cancel). Throws pd::Error.
FewShotRunResult runFewShot(const FewShotRunSpec& spec, JobContext* ctx);

}  // namespace pd
