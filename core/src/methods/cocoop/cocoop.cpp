#include "methods/cocoop/cocoop.h"

#include <cmath>

#include "models/clip/clip_model.h"
#include "promptdesk/error.h"

namespace pd::methods {
namespace {
at::Tensor uniformInit(std::vector<int64_t> shape, int64_t fanIn, at::Generator& gen) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fanIn));
  return at::empty(shape, at::kFloat).uniform_(-bound, bound, gen);
}
}  // namespace

const ConfigDecl<CocoopConfig>& cocoopConfig() {
  static const ConfigDecl<CocoopConfig> d = [] {
    ConfigDecl<CocoopConfig> c;
    c.integer(&CocoopConfig::nCtx, "n_ctx", 4, 1, 64,
              "context vectors M (ignored with ctx_init: its token count is used)");
    c.text(&CocoopConfig::ctxInit, "ctx_init", "a photo of a",
           "initialise the context from these words (empty: N(0, 0.02))");
    c.choice(&CocoopConfig::position, "position", "end", {"end", "middle", "front"},
             "class token position in the prompt");
    TrainOptions t;  // CoCoOp's reference config: 10 epochs, batch 1, lr 0.002
    t.epochs = 10;
    t.batchSize = 1;
    declareTrainOptions(c, &CocoopConfig::train, t);
    return c;
  }();
  return d;
}

CocoopPrompt::CocoopPrompt(models::ClipModel& model, const ClassPrompts& prompts,
                           ClassTokenPosition position, const at::Tensor& init,
                           std::uint64_t seed)
    : model_(model), layout_(model, prompts, position) {
  const int64_t d = model.textWidth(), n = prompts.nCtx;
  auto gen = at::detail::createCPUGenerator(seed);
  at::Tensor ctx;
  if (init.defined()) {
    if (init.dim() != 2 || init.size(0) != n || init.size(1) != d)
      throw pd::Error("ctx init must be (n_ctx, width)", "ctx_init");
    ctx = init.clone();
  } else {
    ctx = at::empty({n, d}, at::kFloat);
    ctx.normal_(0.0, 0.02, gen);
  }
  ctx_ = register_parameter("ctx", ctx.detach().contiguous());
  const int64_t e = model.embedDim(), h = std::max<int64_t>(1, e / 16);
  // Stable names of the learned-prompt file: meta.0.* and meta.2.* (Sequential's indices).
  auto meta = std::make_shared<torch::nn::Module>();
  linear1_ = std::make_shared<Affine>();
  linear2_ = std::make_shared<Affine>();
  linear1_->weight = linear1_->register_parameter("weight", uniformInit({h, e}, e, gen));
  linear1_->bias = linear1_->register_parameter("bias", uniformInit({h}, e, gen));
  linear2_->weight = linear2_->register_parameter("weight", uniformInit({d, h}, h, gen));
  linear2_->bias = linear2_->register_parameter("bias", uniformInit({d}, h, gen));
  meta->register_module("0", linear1_);
  meta->register_module("2", linear2_);
  register_module("meta", meta);
}

at::Tensor CocoopPrompt::metaBias(const at::Tensor& imageFeatures) const {
  auto im = imageFeatures / imageFeatures.norm(2, -1, true);
  return at::linear(at::relu(at::linear(im, linear1_->weight, linear1_->bias)), linear2_->weight,
                    linear2_->bias);
}

at::Tensor CocoopPrompt::logits(const at::Tensor& imageFeatures, bool fast) const {
  auto ctxB = ctx_.unsqueeze(0) + metaBias(imageFeatures).unsqueeze(1);  // (B, n_ctx, D)
  return clipLogits(model_.logitScale(), imageFeatures, layout_.textFeaturesPerImage(ctxB, fast));
}

MethodEntry cocoopMethod() {
  MethodEntry e;
  e.info.name = "cocoop";
  e.info.title = "CoCoOp (conditional context optimisation)";
  e.info.description =
      "CoOp's context plus a per-image bias from a small meta-net (Zhou et al. 2022b)";
  e.info.families = {"clip"};
  e.info.options = cocoopConfig().schema();
  e.make = [](const nlohmann::json& options) -> std::unique_ptr<Method> {
    const CocoopConfig cfg = cocoopConfig().parse(options, "cocoop");
    const ClassTokenPosition pos = parseClassTokenPosition(cfg.position);
    return std::make_unique<ClipPromptMethod>(
        "cocoop", cfg.train, cocoopConfig().toJson(cfg),
        [cfg, pos](const ClipBackbone& b, const FewShotTask& t) -> std::shared_ptr<PromptLearner> {
          auto setup = makeClassPrompts(*b.model, *b.tokenizer, t.classNames, cfg.nCtx,
                                        cfg.ctxInit);
          return std::make_shared<CocoopPrompt>(*b.model, setup.prompts, pos, setup.init,
                                                t.seed);
        });
  };
  return e;
}

}  // namespace pd::methods
