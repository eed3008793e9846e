#include "methods/coop/coop.h"

#include "models/clip/clip_model.h"
#include "promptdesk/error.h"

namespace pd {

ClassTokenPosition parseClassTokenPosition(const std::string& s) {
  if (s == "end") return ClassTokenPosition::End;
  if (s == "middle") return ClassTokenPosition::Middle;
  if (s == "front") return ClassTokenPosition::Front;
  throw pd::Error("class token position must be end, middle or front, not '" + s + "'",
                  "position");
}

const char* toString(ClassTokenPosition p) {
  switch (p) {
    case ClassTokenPosition::Middle:
      return "middle";
    case ClassTokenPosition::Front:
      return "front";
    default:
      return "end";
  }
}

int defaultCoopEpochs(int shots) { return methods::epochsByShots(shots); }

}  // namespace pd

namespace pd::methods {

const ConfigDecl<CoopConfig>& coopConfig() {
  static const ConfigDecl<CoopConfig> d = [] {
    ConfigDecl<CoopConfig> c;
    c.integer(&CoopConfig::nCtx, "n_ctx", 16, 1, 64,
              "context vectors M (ignored with ctx_init: its token count is used)");
    c.text(&CoopConfig::ctxInit, "ctx_init", "",
           "initialise the context from these words (e.g. 'a photo of a'; empty: N(0, 0.02))");
    c.flag(&CoopConfig::csc, "csc", false, "class-specific context (one context per class)");
    c.choice(&CoopConfig::position, "position", "end", {"end", "middle", "front"},
             "class token position in the prompt");
    TrainOptions t;  // CoOp's reference config: SGD lr 0.002, batch 32, schedule by shots
    declareTrainOptions(c, &CoopConfig::train, t);
    return c;
  }();
  return d;
}

CoopPrompt::CoopPrompt(models::ClipModel& model, const ClassPrompts& prompts,
                       ClassTokenPosition position, bool csc, const at::Tensor& init,
                       std::uint64_t seed)
    : model_(model), layout_(model, prompts, position) {
  const int64_t d = model.textWidth(), n = prompts.nCtx, c = layout_.classes();
  at::Tensor ctx;
  if (init.defined()) {
    if (init.dim() != 2 || init.size(0) != n || init.size(1) != d)
      throw pd::Error("ctx init must be (n_ctx, width)", "ctx_init");
    ctx = csc ? init.unsqueeze(0).repeat({c, 1, 1}) : init.clone();
  } else {
    auto gen = at::detail::createCPUGenerator(seed);
    ctx = csc ? at::empty({c, n, d}, at::kFloat) : at::empty({n, d}, at::kFloat);
    ctx.normal_(0.0, 0.02, gen);
  }
  ctx_ = register_parameter("ctx", ctx.detach().contiguous());
}

at::Tensor CoopPrompt::logits(const at::Tensor& imageFeatures, bool fast) const {
  return clipLogits(model_.logitScale(), imageFeatures, layout_.textFeatures(ctx_, fast));
}

MethodEntry coopMethod() {
  MethodEntry e;
  e.info.name = "coop";
  e.info.title = "CoOp (context optimisation)";
  e.info.description =
      "learned context vectors in CLIP's text prompt (Zhou et al. 2022), unified or "
      "class-specific, class token at the end, middle or front";
  e.info.families = {"clip"};
  e.info.options = coopConfig().schema();
  e.info.presets = {
      {"coop-csc", "CoOp with class-specific context", R"({"csc":true})"},
      {"coop-middle", "CoOp with the class token in the middle", R"({"position":"middle"})"},
      {"coop-front", "CoOp with the class token at the front", R"({"position":"front"})"},
      {"coop-init", "CoOp initialised from 'a photo of a'", R"({"ctx_init":"a photo of a"})"},
  };
  e.make = [](const nlohmann::json& options) -> std::unique_ptr<Method> {
    const CoopConfig cfg = coopConfig().parse(options, "coop");
    const ClassTokenPosition pos = parseClassTokenPosition(cfg.position);
    return std::make_unique<ClipPromptMethod>(
        "coop", cfg.train, coopConfig().toJson(cfg),
        [cfg, pos](const ClipBackbone& b, const FewShotTask& t) -> std::shared_ptr<PromptLearner> {
          auto setup = makeClassPrompts(*b.model, *b.tokenizer, t.classNames, cfg.nCtx,
                                        cfg.ctxInit);
          return std::make_shared<CoopPrompt>(*b.model, setup.prompts, pos, cfg.csc, setup.init,
                                              t.seed);
        });
  };
  return e;
}

}  // namespace pd::methods
