#include "methods/common/clip_prompt_method.h"

#include <ATen/core/grad_mode.h>

#include <filesystem>

#include "methods/prompt_artifact.h"
#include "models/clip/clip_model.h"
#include "promptdesk/error.h"

namespace pd::methods {

ClassPromptSetup makeClassPrompts(const models::ClipModel& model, const ClipTokenizer& tok,
                                  const std::vector<std::string>& names, int nCtx,
                                  const std::string& ctxInit) {
  ClassPromptSetup out;
  std::string lead;
  if (!ctxInit.empty()) {
    auto ids = tok.encode(ctxInit);
    if (ids.empty()) throw pd::Error("the init words give no tokens", "ctx_init");
    nCtx = static_cast<int>(ids.size());
    out.init = model.tokenEmbedding().index_select(
        0, at::tensor(std::vector<int64_t>(ids.begin(), ids.end()), at::kLong));
    lead = ctxInit;
  } else {
    for (int i = 0; i < nCtx; ++i) lead += i ? " X" : "X";
  }
  std::vector<int64_t> flat;
  for (const auto& n : names) {
    auto ids = tok.tokenize(lead + " " + n + ".", model.contextLength(), true);
    flat.insert(flat.end(), ids.begin(), ids.end());
  }
  out.prompts.tokens =
      at::tensor(flat, at::kLong).view({static_cast<int64_t>(names.size()), -1});
  out.prompts.nCtx = nCtx;
  return out;
}

ClipPromptMethod::ClipPromptMethod(std::string name, const TrainOptions& train,
                                   nlohmann::json spec, MakeLearner make)
    : name_(std::move(name)), train_(train), spec_(std::move(spec)), make_(std::move(make)) {}

void ClipPromptMethod::setup(const ClipBackbone& backbone, const FewShotTask& task) {
  backbone_ = backbone;
  shots_ = task.shots;
  seed_ = task.seed;
  learner_ = make_(backbone, task);
  TrainLoop::Settings s;
  s.lr = train_.lr;
  s.momentum = train_.momentum;
  s.weightDecay = train_.weightDecay;
  s.warmupEpochs = train_.warmupEpochs;
  s.warmupLr = train_.warmupLr;
  s.batchSize = train_.batchSize;
  s.epochs = scheduledEpochs(train_, task.shots);
  // views = 0 means no augmentation in both modes (so the two modes are comparable).
  s.augment = train_.views > 0;
  s.referenceMode = train_.referenceMode;
  s.seed = task.seed;
  models::ClipModel* model = backbone.model;
  TrainLoop::ImageEncoder enc;
  if (model) enc = [model](const at::Tensor& imgs) { return model->encode_image(imgs, 64); };
  auto learner = learner_;
  loop_ = std::make_unique<TrainLoop>(
      learner_, s,
      [learner](const at::Tensor& f, bool fast) { return learner->logits(f, fast); }, enc);
}

void ClipPromptMethod::fit(const FewShotTask& task, FitContext& ctx) {
  if (!loop_) throw pd::Error("fit before setup", name_);
  TrainData data;
  data.labels = task.train.labels;
  data.features = task.train.features;
  data.images = task.train.images;
  if (ctx.resume && !ctx.checkpointPath.empty() && std::filesystem::exists(ctx.checkpointPath))
    loop_->loadCheckpoint(ctx.checkpointPath);
  std::function<void(const StepInfo&)> onStep;
  if (ctx.hooks.onStep)
    onStep = [&](const StepInfo& i) {
      ctx.hooks.onStep({i.epoch, i.step, i.globalStep, i.totalSteps, i.loss, i.lr, i.accuracy});
    };
  const nlohmann::json spec = fullSpec();
  while (loop_->epoch() < loop_->epochs()) {
    loop_->runEpoch(data, ctx.job, onStep);
    if (!ctx.checkpointPath.empty()) {
      loop_->saveCheckpoint(ctx.checkpointPath, spec);
      if (ctx.hooks.onCheckpoint)
        ctx.hooks.onCheckpoint(loop_->epoch(), static_cast<int>(loop_->losses().size()),
                               ctx.checkpointPath);
    }
  }
}

at::Tensor ClipPromptMethod::logits(const at::Tensor& f) const {
  at::NoGradGuard ng;
  std::vector<at::Tensor> parts;
  for (int64_t i = 0; i < f.size(0); i += 64)
    parts.push_back(learner_->logits(f.narrow(0, i, std::min<int64_t>(64, f.size(0) - i)), true));
  return at::cat(parts, 0);
}

std::map<std::string, at::Tensor> ClipPromptMethod::learned() const {
  std::map<std::string, at::Tensor> out;
  for (const auto& p : learner_->named_parameters()) out[p.key()] = p.value().detach().clone();
  return out;
}

nlohmann::json ClipPromptMethod::fullSpec() const {
  nlohmann::json s = spec_;
  s["method"] = name_;
  s["n_ctx"] = learner_ ? learner_->layout().nCtx() : s.value("n_ctx", 0);
  s["epochs"] = loop_ ? loop_->epochs() : 0;
  s["shots"] = shots_;
  s["seed"] = seed_;
  return s;
}

nlohmann::json ClipPromptMethod::record() const {
  return {{"spec", fullSpec()}, {"losses", loop_ ? loop_->losses() : std::vector<double>{}}};
}

void ClipPromptMethod::saveLearned(const std::string& path, const nlohmann::json& extra) const {
  LearnedPrompt p;
  for (const auto& [name, t] : learned()) {
    if (name == "ctx")
      p.ctx = t;
    else
      p.meta[name] = t;
  }
  p.spec = fullSpec();
  for (auto it = extra.begin(); it != extra.end(); ++it) p.spec[it.key()] = it.value();
  saveLearnedPrompt(path, p);
}

}  // namespace pd::methods
