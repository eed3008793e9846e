// The MLP-k baseline head (VPT, Jia et al. 2022: "a multilayer perceptron instead of a linear
// classification head"), as VPT's MLP module builds it for mlp_dims = [D] * k + [C]:
//   projection = k x [Linear(D, D), ReLU, BatchNorm1d(D), Dropout(0.1)], last_layer = Linear(D, C)
// on the sequence feature: the [CLS] / <s> hidden state for BERT and RoBERTa, the last real token
// (the attention mask tells which) for GPT-2. Init as VPT: Linear weights kaiming_normal
// (fan_out, ReLU gain), hidden biases PyTorch's default U(-1/sqrt(D), 1/sqrt(D)), the last bias
// the constant -log(99) (special_bias, prior 0.01), BatchNorm weight 1, bias 0, running mean 0,
// running var 1, momentum 0.1, eps 1e-5. k = TextTaskSpec::mlpLayers (0: a linear head).
// Names are VPT's module keys under its "head": head.projection.{4i}.weight/bias (Linear),
// head.projection.{4i+2}.weight/bias (BatchNorm), head.last_layer.weight/bias. The BatchNorm
// running statistics ride along as head.projection.{4i+2}.running_mean/running_var: no gradient
// (the optimiser leaves them), but checkpoints, the best-step restore and loadLearned carry them.
// A training batch of one row normalises with the running statistics (PyTorch refuses it).
#include <cmath>

#include "methods/text_common/heads/text_heads.h"
#include "promptdesk/error.h"

namespace pd::methods {

namespace {

class MlpHead : public TextHead {
 public:
  MlpHead(const TextBackbone& b, const TextTaskSpec& task) {
    const std::int64_t d = b.model->config().hidden;
    const std::int64_t c = static_cast<std::int64_t>(task.classNames.size());
    if (c < 2) throw Error("the mlp head needs at least 2 classes", "head");
    if (task.mlpLayers < 0 || task.mlpLayers > 32)
      throw Error("mlp_layers " + std::to_string(task.mlpLayers) + " is outside [0, 32]",
                  "mlp_layers");
    causal_ = b.model->config().causal;
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(task.seed + 11);
    auto kaiming = [&](std::int64_t out, std::int64_t in) {
      // kaiming_normal_(a=0, mode='fan_out'): std = sqrt(2 / fan_out).
      return at::normal(0.0, std::sqrt(2.0 / double(out)), {out, in}, gen);
    };
    const double bound = 1.0 / std::sqrt(double(d));
    for (int i = 0; i < task.mlpLayers; ++i) {
      Block blk;
      blk.w = kaiming(d, d).requires_grad_(true);
      blk.b = (at::rand({d}, gen) * (2 * bound) - bound).requires_grad_(true);
      blk.gamma = at::ones({d}).requires_grad_(true);
      blk.beta = at::zeros({d}).requires_grad_(true);
      blk.runningMean = at::zeros({d});
      blk.runningVar = at::ones({d});
      blocks_.push_back(std::move(blk));
    }
    lastW_ = kaiming(c, d).requires_grad_(true);
    lastB_ = at::full({c}, -std::log((1 - 0.01) / 0.01)).requires_grad_(true);
  }
  std::string kind() const override { return "mlp"; }
  std::vector<NamedTensor> trainable() override {
    std::vector<NamedTensor> out;
    for (std::size_t i = 0; i < blocks_.size(); ++i) {
      const std::string lin = "head.projection." + std::to_string(4 * i) + ".";
      const std::string bn = "head.projection." + std::to_string(4 * i + 2) + ".";
      out.push_back({lin + "weight", blocks_[i].w, {}});
      out.push_back({lin + "bias", blocks_[i].b, {}});
      out.push_back({bn + "weight", blocks_[i].gamma, {}});
      out.push_back({bn + "bias", blocks_[i].beta, {}});
      out.push_back({bn + "running_mean", blocks_[i].runningMean, {}});
      out.push_back({bn + "running_var", blocks_[i].runningVar, {}});
    }
    out.push_back({"head.last_layer.weight", lastW_, {}});
    out.push_back({"head.last_layer.bias", lastB_, {}});
    return out;
  }
  void setTraining(bool on) override { training_ = on; }

  // (N, D): [CLS] (the first text token) or, for GPT-2, the last token the mask keeps.
  at::Tensor feature(const TextEncoded& enc, const TextBatch& batch) const {
    const std::int64_t n = enc.hidden.size(0);
    at::Tensor textPos;
    if (causal_) {
      const std::int64_t t = batch.inputIds.defined() ? batch.inputIds.size(1)
                                                      : enc.hidden.size(1) - enc.inserted;
      if (batch.attentionMask.defined()) {
        at::Tensor m = batch.attentionMask.ne(0).to(at::kLong);
        if (!m.sum(1).gt(0).all().item<bool>())
          throw Error("a row of the batch has no real token", "attention_mask");
        textPos = (m * at::arange(t, at::kLong).unsqueeze(0)).amax(1);
      } else {
        textPos = at::full({n}, t - 1, at::kLong);
      }
    } else {
      textPos = at::zeros({n}, at::kLong);
    }
    at::Tensor idx = enc.textIndex.defined()
                         ? enc.textIndex.to(at::kLong).gather(1, textPos.unsqueeze(1)).squeeze(1)
                         : textPos + enc.inserted;
    return enc.hidden.index({at::arange(n, at::kLong), idx});
  }
  at::Tensor classLogits(models::TextLM&, const TextEncoded& enc, const TextBatch& batch) override {
    at::Tensor x = feature(enc, batch);
    const bool batchStats = training_ && x.size(0) > 1;
    for (auto& blk : blocks_) {
      x = at::relu(at::linear(x, blk.w, blk.b));
      x = at::batch_norm(x, blk.gamma, blk.beta, blk.runningMean, blk.runningVar, batchStats,
                         0.1, 1e-5, false);
      if (training_) x = at::dropout(x, 0.1, true);
    }
    return at::linear(x, lastW_, lastB_);
  }

 private:
  struct Block {
    at::Tensor w, b, gamma, beta, runningMean, runningVar;
  };
  std::vector<Block> blocks_;
  at::Tensor lastW_, lastB_;
  bool causal_ = false, training_ = false;
};

}  // namespace

std::unique_ptr<TextHead> makeMlpHead(const TextBackbone& b, const TextTaskSpec& task) {
  return std::make_unique<MlpHead>(b, task);
}

}  // namespace pd::methods
