#pragma once
// Prompt learning on CLIP's text tower (CoOp, CoCoOp, ...): a PromptLearner module holds the
// learned vectors and maps image features to logits; ClipPromptMethod trains it with the shared
// TrainLoop and saves it as a learned-prompt file. A new text-tower prompt method is a
// PromptLearner, a config and a registry line.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>

#include "methods/common/method.h"
#include "methods/common/train_loop.h"
#include "methods/coop/coop_prompt.h"

namespace pd::methods {

class PromptLearner : public torch::nn::Module {
 public:
  // Logits (B, C) for image features (B, E); `fast`: shared-prefix / truncated text pass.
  virtual at::Tensor logits(const at::Tensor& imageFeatures, bool fast) const = 0;
  // The context vectors: (n_ctx, D) or class-specific (C, n_ctx, D).
  virtual at::Tensor context() const = 0;
  virtual const PromptLayout& layout() const = 0;
};

// "X X ... X {name}." prompts for n_ctx placeholders, or "<ctx_init> {name}." with the init
// words' embeddings as the initial context (n_ctx is then their token count).
struct ClassPromptSetup {
  ClassPrompts prompts;
  at::Tensor init;  // (n_ctx, D) or undefined
};
ClassPromptSetup makeClassPrompts(const models::ClipModel& model, const ClipTokenizer& tokenizer,
                                  const std::vector<std::string>& classNames, int nCtx,
                                  const std::string& ctxInit);

class ClipPromptMethod : public Method {
 public:
  using MakeLearner =
      std::function<std::shared_ptr<PromptLearner>(const ClipBackbone&, const FewShotTask&)>;
  // `spec`: the method's options as JSON (recorded with the run and the learned prompt).
  ClipPromptMethod(std::string name, const TrainOptions& train, nlohmann::json spec,
                   MakeLearner make);

  int trainViews() const override { return train_.views; }
  bool needsTrainImages() const override { return train_.referenceMode; }
  void setup(const ClipBackbone& backbone, const FewShotTask& task) override;
  std::shared_ptr<torch::nn::Module> trainable() const override { return learner_; }
  void fit(const FewShotTask& task, FitContext& ctx) override;
  at::Tensor logits(const at::Tensor& imageFeatures) const override;
  std::map<std::string, at::Tensor> learned() const override;
  nlohmann::json record() const override;
  int epochs() const override { return loop_ ? loop_->epochs() : 0; }
  const std::vector<double>* losses() const override {
    return loop_ ? &loop_->losses() : nullptr;
  }
  void saveLearned(const std::string& path, const nlohmann::json& extra) const override;
  bool hasLearnedPrompt() const override { return true; }

 private:
  nlohmann::json fullSpec() const;

  std::string name_;
  TrainOptions train_;
  nlohmann::json spec_;
  MakeLearner make_;
  ClipBackbone backbone_;
  std::shared_ptr<PromptLearner> learner_;
  std::unique_ptr<TrainLoop> loop_;
  int shots_ = 0;
  std::uint64_t seed_ = 1;
};

}  // namespace pd::methods
