#include "methods/linear_probe/linear_probe.h"

#include <torch/optim/lbfgs.h>

#include <cmath>

#include "promptdesk/error.h"

namespace pd::methods {
namespace {
at::Tensor prep(const at::Tensor& x, bool normalize) {
  return normalize ? x / x.norm(2, -1, true).clamp_min(1e-12) : x;
}
}  // namespace

at::Tensor LinearProbe::logits(const at::Tensor& features) const {
  return at::linear(prep(features, normalize), weight, bias);
}

double accuracy(const at::Tensor& logits, const at::Tensor& labels) {
  return logits.argmax(-1).eq(labels).to(at::kDouble).mean().item<double>();
}

LinearProbe fitLogisticRegression(const at::Tensor& x, const at::Tensor& y, int64_t classes,
                                  double c, int maxIter, const LinearProbe* init) {
  if (x.dim() != 2 || y.dim() != 1 || x.size(0) != y.size(0) || x.size(0) == 0)
    throw pd::Error("features (N, E) and labels (N) must match", "linear probe");
  if (y.min().item<int64_t>() < 0 || y.max().item<int64_t>() >= classes)
    throw pd::Error("label out of range [0, " + std::to_string(classes) + ")", "linear probe");
  const int64_t e = x.size(1);
  at::Tensor w = init ? init->weight.clone() : at::zeros({classes, e}, at::kFloat);
  at::Tensor b = init ? init->bias.clone() : at::zeros({classes}, at::kFloat);
  w.set_requires_grad(true);
  b.set_requires_grad(true);
  // Mean-scaled objective: mean CE + ||W||^2 / (2 C N) (same minimiser as sklearn's).
  const double lambda = 1.0 / (2.0 * c * static_cast<double>(x.size(0)));
  torch::optim::LBFGS opt({w, b}, torch::optim::LBFGSOptions(1.0)
                                      .max_iter(maxIter)
                                      .tolerance_grad(1e-6)
                                      .tolerance_change(1e-9)
                                      .history_size(20)
                                      .line_search_fn("strong_wolfe"));
  at::AutoGradMode grad(true);
  auto closure = [&] {
    opt.zero_grad();
    auto loss = at::cross_entropy_loss(at::linear(x, w, b), y) + lambda * w.pow(2).sum();
    loss.backward();
    return loss;
  };
  opt.step(closure);
  LinearProbe p;
  p.weight = w.detach();
  p.bias = b.detach();
  p.c = c;
  return p;
}

LinearProbe trainLinearProbe(const at::Tensor& trainX, const at::Tensor& trainY,
                             const at::Tensor& valX, const at::Tensor& valY, int64_t classes,
                             const LinearProbeOptions& options) {
  if (options.grid.empty()) throw pd::Error("empty C grid", "linear probe");
  auto xt = prep(trainX, options.normalize), xv = prep(valX, options.normalize);
  std::vector<std::pair<double, double>> search;
  LinearProbe best;
  double bestAcc = -1;
  auto tryC = [&](double c) {
    LinearProbe p = fitLogisticRegression(xt, trainY, classes, c, options.maxIter,
                                          best.weight.defined() ? &best : nullptr);
    const double acc = accuracy(at::linear(xv, p.weight, p.bias), valY);
    search.emplace_back(c, acc);
    if (acc > bestAcc) {
      bestAcc = acc;
      best = p;
    }
    return acc;
  };
  for (double c : options.grid) tryC(c);
  // Log-bisection around the best grid value: try the two mid-points, keep the better side.
  double step = std::log10(options.grid.size() > 1 ? options.grid[1] / options.grid[0] : 10.0);
  for (int r = 0; r < options.refineRounds; ++r) {
    step /= 2;
    const double centre = std::log10(best.c);
    tryC(std::pow(10.0, centre - step));
    tryC(std::pow(10.0, centre + step));
  }
  best.normalize = options.normalize;
  best.valAccuracy = bestAcc;
  best.search = search;
  return best;
}

}  // namespace pd::methods
