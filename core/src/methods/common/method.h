#pragma once
// The method interface. A method is set up on a backbone (a model family's model: CLIP today)
// and a task (class names, few-shot train/val features), exposes its trainable parameters as a
// torch::nn::Module (named: checkpoints and learned-parameter files use those names), gives
// logits for a batch, fits itself (gradient methods through the shared TrainLoop) and saves its
// learned parameters under their own names. Each method lives in core/src/methods/<name>/ and
// is one line in registry.cpp.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "promptdesk/coop.h"
#include "promptdesk/methods.h"
#include "promptdesk/tokenizer.h"

namespace pd {
class JobContext;
namespace models {
class ClipModel;
}
}  // namespace pd

namespace pd::methods {

// What a CLIP method is set up on: the model (its text module runs prompts, with CoOp's
// shared-prefix fast path; its image tower encodes images in reference mode) and the tokenizer
// that renders prompts.
struct ClipBackbone {
  models::ClipModel* model = nullptr;
  const ClipTokenizer* tokenizer = nullptr;
  std::string modelHash;
  int resolution = 224;
};

// Labelled image features of one split: features (N, E) for val/test; for train (N, K, E) with
// view 0 the plain view and K-1 augmented views; images (N, 3, R, R) only in reference mode.
struct LabelledFeatures {
  at::Tensor features, images, labels;
  bool empty() const { return !labels.defined() || labels.numel() == 0; }
};

struct FewShotTask {
  std::vector<std::string> classNames;  // as prompts use them ('_' -> ' ')
  LabelledFeatures train, val;
  int shots = 0;
  std::uint64_t seed = 1;
};

// How fit() reports and where it keeps its resumable checkpoint.
struct FitContext {
  JobContext* job = nullptr;
  std::string checkpointPath;  // empty: no checkpoints
  bool resume = false;         // continue from checkpointPath when it exists
  FewShotHooks hooks;
};

class Method {
 public:
  virtual ~Method() = default;
  // What the feature stage must provide: augmented train views, the images (reference mode).
  virtual int trainViews() const { return 0; }
  virtual bool needsTrainImages() const { return false; }
  virtual void setup(const ClipBackbone& backbone, const FewShotTask& task) = 0;
  // Trainable parameters (null for methods without gradient training).
  virtual std::shared_ptr<torch::nn::Module> trainable() const { return nullptr; }
  virtual void fit(const FewShotTask& task, FitContext& ctx) = 0;
  // Logits (B, C) for image features (B, E) (no grad needed; batched by the caller).
  virtual at::Tensor logits(const at::Tensor& imageFeatures) const = 0;
  // Learned parameters under their stable names, with metadata (empty: nothing learned).
  virtual std::map<std::string, at::Tensor> learned() const { return {}; }
  // What result.json records about the fit (spec, losses, chosen C, templates, ...).
  virtual nlohmann::json record() const = 0;
  // Training facts for the run's result.
  virtual int epochs() const { return 0; }
  virtual const std::vector<double>* losses() const { return nullptr; }
  // Where a method that learned a prompt wants it saved (prompt.safetensors); empty: nothing.
  virtual void saveLearned(const std::string& path, const nlohmann::json& extra) const {
    (void)path;
    (void)extra;
  }
  virtual bool hasLearnedPrompt() const { return false; }
};

// A registered method: its public description and a factory over its completed options.
// CLIP methods give `make`; text methods (BERT, RoBERTa, GPT-2; methods/text_common/) give
// `makeText`; a method that works on both gives both.
class TextMethod;
struct MethodEntry {
  MethodInfo info;
  std::function<std::unique_ptr<Method>(const nlohmann::json& options)> make;
  std::function<std::unique_ptr<TextMethod>(const nlohmann::json& options)> makeText;
};

// The registry's list (registry.cpp) and a lookup by method name (not preset).
const std::vector<MethodEntry>& methodEntries();
const MethodEntry& methodEntry(const std::string& method);

}  // namespace pd::methods
