#pragma once
// The optimiser of the shared text training loop, in a header so that the training benches
// (core/src/bench/bench_text_train.cpp) step exactly as text_fewshot.cpp does: AdamW with
// PyTorch's formulas (torch.optim.AdamW, amsgrad off: p -= lr * wd * p, then the bias-corrected
// Adam step), the linear schedule (HF get_linear_schedule_with_warmup's decay; warm-up
// lr * (step + 1) / warmup), and gradient clipping by global norm (HF Trainer: scale by
// max_norm / (norm + 1e-6) when the norm exceeds max_norm).
// text_fewshot.cpp's loop uses these (there is no other copy).
#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "methods/text_common/text_train.h"

namespace pd::methods {

// State per unique leaf, saved by the leaf's first reference name.
struct AdamW {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0;
  std::vector<at::Tensor> params, m, v;
  std::vector<std::string> names;
  std::int64_t t = 0;

  void add(const std::string& name, const at::Tensor& p) {
    params.push_back(p);
    names.push_back(name);
    m.push_back(at::zeros_like(p));
    v.push_back(at::zeros_like(p));
  }
  void step(double lr) {
    ++t;
    at::NoGradGuard ng;
    const double bc1 = 1 - std::pow(beta1, double(t)), bc2 = 1 - std::pow(beta2, double(t));
    for (std::size_t i = 0; i < params.size(); ++i) {
      at::Tensor g = params[i].grad();
      if (!g.defined()) continue;
      if (weightDecay > 0) params[i].mul_(1 - lr * weightDecay);
      m[i].mul_(beta1).add_(g, 1 - beta1);
      v[i].mul_(beta2).addcmul_(g, g, 1 - beta2);
      at::Tensor denom = (v[i] / bc2).sqrt_().add_(eps);
      params[i].addcdiv_(m[i], denom, -lr / bc1);
    }
  }
  void zeroGrad() {
    for (auto& p : params)
      if (p.grad().defined()) p.mutable_grad().zero_();
  }
};

// The learning rate of 0-based `step` (before its update).
inline double scheduledLr(const TextTrainOptions& o, int step) {
  if (o.warmupSteps > 0 && step < o.warmupSteps)
    return o.lr * double(step + 1) / double(o.warmupSteps);
  const double rest = std::max(1, o.maxSteps - o.warmupSteps);
  return o.lr * std::max(0.0, double(o.maxSteps - step) / rest);
}

// Clips the gradients of `params` to global norm `maxNorm`. Returns the norm before clipping
// (NaN / inf when a gradient is not finite; nothing is scaled then); maxNorm <= 0: off, returns 0
// without computing the norm.
inline double clipGradNorm(const std::vector<at::Tensor>& params, double maxNorm) {
  if (maxNorm <= 0) return 0;
  at::NoGradGuard ng;
  double total = 0;
  for (const auto& p : params)
    if (p.grad().defined()) total += p.grad().pow(2).sum().item<double>();
  total = std::sqrt(total);
  if (std::isfinite(total) && total > maxNorm) {
    const double scale = maxNorm / (total + 1e-6);
    for (const auto& p : params)
      if (p.grad().defined()) p.grad().mul_(scale);
  }
  return total;
}

}  // namespace pd::methods
