// The zero-shot method in the few-shot pipeline: hand-crafted templates rendered by the template
// language, CLIP's text tower, the templates' normalised mean per class (one template: that
// embedding), logit_scale x cosine. The same code path as clip-zero-shot (classEmbeddings).
#include <ATen/core/grad_mode.h>

#include "common/text_split.h"
#include "methods/common/config.h"
#include "methods/common/method.h"
#include "methods/zero_shot/zero_shot.h"
#include "promptdesk/error.h"

namespace pd::methods {
namespace {

struct ZeroShotConfig {
  std::string templates;
  int batchSize = 64;
};

const ConfigDecl<ZeroShotConfig>& zeroShotConfig() {
  static const ConfigDecl<ZeroShotConfig> d = [] {
    ConfigDecl<ZeroShotConfig> c;
    c.text(&ZeroShotConfig::templates, "templates", "a photo of a {class}.",
           "hand-crafted templates with {class}, one per line (or separated by |); several: "
           "their normalised mean per class (CLIP's ensemble)");
    c.integer(&ZeroShotConfig::batchSize, "text_batch", 64, 1, 4096, "prompts per text pass");
    return c;
  }();
  return d;
}


class ZeroShotMethod : public Method {
 public:
  explicit ZeroShotMethod(ZeroShotConfig cfg) : cfg_(std::move(cfg)) {
    templates_ = splitTrimmed(cfg_.templates, "\n|", " \t\r");
    if (templates_.empty()) throw pd::Error("no templates", "zeroshot.templates");
  }
  void setup(const ClipBackbone& b, const FewShotTask& task) override {
    if (!b.model || !b.tokenizer) throw pd::Error("zero-shot needs a CLIP model", "zeroshot");
    model_ = b.model;
    at::NoGradGuard ng;
    text_ = classEmbeddings(*b.model, *b.tokenizer, templates_, task.classNames, cfg_.batchSize);
  }
  void fit(const FewShotTask&, FitContext&) override {}
  at::Tensor logits(const at::Tensor& f) const override {
    at::NoGradGuard ng;
    return zeroShotLogits(*model_, f, text_);
  }
  nlohmann::json record() const override { return {{"templates", templates_}}; }

 private:
  ZeroShotConfig cfg_;
  std::vector<std::string> templates_;
  models::ClipModel* model_ = nullptr;
  at::Tensor text_;
};

}  // namespace

MethodEntry zeroShotMethod() {
  MethodEntry e;
  e.info.name = "zeroshot";
  e.info.title = "Zero-shot CLIP (hand-crafted prompts)";
  e.info.description =
      "hand-crafted templates, no training: CLIP's text tower on each class's prompts";
  e.info.families = {"clip"};
  e.info.usesTrainingData = false;
  e.info.options = zeroShotConfig().schema();
  // CLIP's 7-template ensemble for ImageNet (Radford et al., the notebook's selection).
  const nlohmann::json ensemble{
      {"templates",
       "itap of a {class}.\na bad photo of the {class}.\na origami {class}.\na photo of the "
       "large {class}.\na {class} in a video game.\nart of the {class}.\na photo of the small "
       "{class}."}};
  e.info.presets = {{"ensemble", "CLIP's 7-template prompt ensemble", ensemble.dump()}};
  e.make = [](const nlohmann::json& options) -> std::unique_ptr<Method> {
    return std::make_unique<ZeroShotMethod>(zeroShotConfig().parse(options, "zeroshot"));
  };
  return e;
}

}  // namespace pd::methods
