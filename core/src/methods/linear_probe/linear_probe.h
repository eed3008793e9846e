#pragma once
// Linear-probe baseline on cached image features: multinomial logistic regression (sklearn's
// objective: 0.5 ||W||^2 + C * sum CE; bias unpenalised), full-batch L-BFGS in LibTorch, with C
// chosen on the validation split by a log grid 1e-6..1e6 then two rounds of log-bisection (as in
// CLIP's paper / CoOp's comparison).
#include <ATen/ATen.h>

#include <utility>
#include <vector>

namespace pd::methods {

struct LinearProbeOptions {
  bool normalize = true;  // L2-normalise features first
  int maxIter = 300;      // L-BFGS iterations per fit
  std::vector<double> grid{1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 1e2, 1e3, 1e4, 1e5, 1e6};
  int refineRounds = 2;
};

struct LinearProbe {
  at::Tensor weight, bias;  // (C, E), (C)
  bool normalize = true;
  double c = 0;  // chosen inverse L2 strength
  double valAccuracy = 0;
  std::vector<std::pair<double, double>> search;  // (C, validation accuracy) tried
  at::Tensor logits(const at::Tensor& features) const;
};

// Fits one regularisation strength; warm-starts from `init` when given.
LinearProbe fitLogisticRegression(const at::Tensor& x, const at::Tensor& y, int64_t classes,
                                  double c, int maxIter, const LinearProbe* init = nullptr);

LinearProbe trainLinearProbe(const at::Tensor& trainX, const at::Tensor& trainY,
                             const at::Tensor& valX, const at::Tensor& valY, int64_t classes,
                             const LinearProbeOptions& options = {});

double accuracy(const at::Tensor& logits, const at::Tensor& labels);

}  // namespace pd::methods
