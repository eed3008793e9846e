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

// One few-shot run of a registered method on a dataset (`promptdesk-cli train <method>`). Image features of the few-shot train / val and the test
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
  // A registered method or preset (promptdesk/methods.h): zeroshot, ensemble, linear-probe,
  // coop, coop-csc, coop-middle, coop-front, coop-init, cocoop, ...
  std::string method = "coop";
  // The method's options that differ from its (or its preset's) defaults, as a JSON object;
  // checked against the method's declaration (errors name the option).
  std::string optionsJson = "{}";
  std::string modelPath, datasetSpec;
  DatasetOptions datasetOptions;
  int shots = 16;
  std::uint64_t seed = 1;
  // The few-shot protocol (FewShotOptions::protocol): "coop", or "lmbff" (K train + K dev per
  // class from the train split; evaluation on the dataset's test split).
  std::string protocol = "coop";
  std::string cacheDir;        // empty: dataPath("feature-cache")
  std::string outDir;          // prompt.safetensors, checkpoint.safetensors, result.json
  bool resume = false;         // continue from outDir/checkpoint.safetensors when present
  std::int64_t testLimit = 0;  // evaluate on the first N test items only (0: all)
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

// The run a clip-fewshot job spec describes (validated first; outDir left empty).
FewShotRunSpec fewShotRunSpecFromJob(const std::string& specJson);

// Runs inside a pd::Job (ctx may be null: no progress, no cancel). Throws pd::Error.
FewShotRunResult runFewShot(const FewShotRunSpec& spec, JobContext* ctx);

}  // namespace pd
