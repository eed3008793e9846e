// The linear probe in the few-shot pipeline: logistic regression on the cached plain-view image
// features, C chosen on the few-shot validation split (linear_probe.h).
#include "methods/common/config.h"
#include "methods/common/method.h"
#include "methods/linear_probe/linear_probe.h"
#include "promptdesk/error.h"

namespace pd::methods {
namespace {

struct LinearProbeConfig {
  int maxIter = 300;
  int refineRounds = 2;
  bool normalize = true;
};

const ConfigDecl<LinearProbeConfig>& linearProbeConfig() {
  static const ConfigDecl<LinearProbeConfig> d = [] {
    ConfigDecl<LinearProbeConfig> c;
    c.integer(&LinearProbeConfig::maxIter, "max_iter", 300, 1, 100000,
              "L-BFGS iterations per fit");
    c.integer(&LinearProbeConfig::refineRounds, "refine_rounds", 2, 0, 10,
              "rounds of log-bisection of C after the 1e-6..1e6 grid");
    c.flag(&LinearProbeConfig::normalize, "normalize", true, "L2-normalise the features first");
    return c;
  }();
  return d;
}

class LinearProbeMethod : public Method {
 public:
  explicit LinearProbeMethod(LinearProbeConfig cfg) : cfg_(cfg) {}
  void setup(const ClipBackbone&, const FewShotTask& task) override {
    classes_ = static_cast<int64_t>(task.classNames.size());
  }
  void fit(const FewShotTask& task, FitContext&) override {
    LinearProbeOptions o;
    o.maxIter = cfg_.maxIter;
    o.refineRounds = cfg_.refineRounds;
    o.normalize = cfg_.normalize;
    auto x = task.train.features.dim() == 3 ? task.train.features.select(1, 0)
                                            : task.train.features;
    probe_ = trainLinearProbe(x, task.train.labels, task.val.features, task.val.labels, classes_,
                              o);
    fitted_ = true;
  }
  at::Tensor logits(const at::Tensor& f) const override {
    if (!fitted_) throw pd::Error("the linear probe is not fitted", "linear-probe");
    return probe_.logits(f);
  }
  std::map<std::string, at::Tensor> learned() const override {
    if (!fitted_) return {};
    return {{"weight", probe_.weight}, {"bias", probe_.bias}};
  }
  nlohmann::json record() const override { return {{"c", probe_.c}}; }
  double valAccuracy() const { return probe_.valAccuracy; }

 private:
  LinearProbeConfig cfg_;
  int64_t classes_ = 0;
  LinearProbe probe_;
  bool fitted_ = false;
};

}  // namespace

MethodEntry linearProbeMethod() {
  MethodEntry e;
  e.info.name = "linear-probe";
  e.info.title = "Linear probe";
  e.info.description =
      "logistic regression on frozen CLIP image features, C chosen on the validation split";
  e.info.families = {"clip"};
  e.info.options = linearProbeConfig().schema();
  e.make = [](const nlohmann::json& options) -> std::unique_ptr<Method> {
    return std::make_unique<LinearProbeMethod>(linearProbeConfig().parse(options, "linear-probe"));
  };
  return e;
}

}  // namespace pd::methods
