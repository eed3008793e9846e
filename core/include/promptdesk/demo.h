#pragma once
// The embedded demo: PromptDesk pretrains its own small CLIP on Fashion-MNIST with generated
// web-style captions (no CLIP weights can be shipped), saves it as an ordinary OpenAI-layout
// safetensors checkpoint, and then runs the real pipeline on it. Plain C++ (no torch, no Qt).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "promptdesk/jobs.h"

namespace pd {

struct DemoPretrainOptions {
  std::string fashionDir = "/usr/share/datasets/fashion-mnist";
  std::string outDir;  // empty: dataDir()/models
  int epochs = 1;
  int batchSize = 128;
  std::int64_t trainItems = 60000;  // first N items of the train split (all by default)
  double learningRate = 1e-3;
  std::uint64_t seed = 1;
  bool force = false;  // retrain even when a checkpoint for this recipe exists
  // Architecture: a ViT for 28x28 grey images (patch 7 -> 4x4 grid) and a text tower on the
  // real CLIP BPE vocabulary (49408 tokens, context 77). Widths are multiples of 64 so that
  // OpenAI's shape rules (heads = width / 64) infer the architecture without a config file.
  int visionWidth = 128;
  int visionLayers = 3;
  int textWidth = 64;
  int textLayers = 2;
  int embedDim = 64;

  // JSON of every field that changes the trained weights (not outDir/force).
  std::string recipeJson() const;
  // 16 hex digits of FNV-1a over recipeJson(): names the cached checkpoint.
  std::string recipeHash() const;
};

struct DemoPretrainResult {
  std::string modelPath;  // <outDir>/demo-clip-<recipeHash>.safetensors
  bool reused = false;    // an existing checkpoint for this recipe was found
  double seconds = 0;     // training wall time (0 when reused)
  double finalLoss = 0;   // mean loss of the last epoch
  std::int64_t steps = 0;
};

// Trains (or reuses) the demo CLIP. Progress and cancel through `ctx` when given.
DemoPretrainResult pretrainDemoClip(const DemoPretrainOptions& options, JobContext* ctx = nullptr);

// The same as a pool job; `result()` is valid after the job succeeded.
class DemoPretrainJob : public Job {
 public:
  explicit DemoPretrainJob(DemoPretrainOptions options) : options_(std::move(options)) {}
  std::string name() const override { return "demo-pretrain"; }
  void run(JobContext& ctx) override { result_ = pretrainDemoClip(options_, &ctx); }
  const DemoPretrainResult& result() const { return result_; }

 private:
  DemoPretrainOptions options_;
  DemoPretrainResult result_;
};

// The demo project: Fashion-MNIST, the demo CLIP, hand-crafted templates (plain, tuned, ensemble)
// and CoOp's few-shot experiment (zero-shot, CoOp, a CoOp variant, CoCoOp, linear probe at
// 1/2/4/8/16 shots x seeds 1-3) as job specs recorded in a project.
struct DemoOptions {
  DemoPretrainOptions pretrain;
  std::string fashionDir = "/usr/share/datasets/fashion-mnist";
  std::string projectPath;  // empty: dataDir()/demo.pdesk
  std::string experiment = "Fashion-MNIST (demo CLIP)";
  std::string shots = "1,2,4,8,16";
  std::string seeds = "1,2,3";
  std::string methods = "linear-probe,coop,coop-csc,cocoop";
  double epochsScale = 0.25;  // of CoOp's schedule (50/100/200 epochs) and CoCoOp's 10
  int views = 0;  // cached augmented views per training image (CoOp / CoCoOp); 4 measured lower
  std::int64_t testLimit = 0;
  // Reduced demo (tests): smaller pretraining, fewer shots/seeds/epochs, 2000 test items.
  static DemoOptions reduced();
};

// The hand-crafted prompts of the demo: (name, templates) in the order they are shown.
const std::vector<std::pair<std::string, std::vector<std::string>>>& demoTemplates();

struct DemoPlan {
  std::string projectPath, modelPath;
  std::vector<std::string> specs;  // job specs (JSON), each run with ProjectJob::newRuns
};

// Creates the demo project when missing (or opens it), records the demo templates in it and
// returns the specs to run for the model at `modelPath`. Throws pd::Error naming the file.
DemoPlan planDemo(const DemoOptions& options, const std::string& modelPath);

}  // namespace pd
