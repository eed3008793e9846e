// Linear probe: recovers a separable problem, picks C on validation, rejects bad labels.
#include <ATen/ATen.h>

#include "methods/linear_probe/linear_probe.h"
#include "promptdesk/error.h"

#include <QtTest/QtTest>

using namespace pd::methods;

class TestLinearProbe : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void separableProblem() {
    at::manual_seed(1);
    const int64_t c = 4, e = 16;
    auto centres = at::randn({c, e});
    auto mk = [&](int64_t per, at::Tensor& x, at::Tensor& y) {
      y = at::arange(c, at::kLong).repeat_interleave(per);
      x = centres.index_select(0, y) + 0.3 * at::randn({c * per, e});
    };
    at::Tensor xt, yt, xv, yv;
    mk(8, xt, yt);
    mk(20, xv, yv);
    LinearProbeOptions o;
    o.maxIter = 100;
    LinearProbe p = trainLinearProbe(xt, yt, xv, yv, c, o);
    QVERIFY2(p.valAccuracy > 0.95, qPrintable(QString::number(p.valAccuracy)));
    QCOMPARE(int(p.search.size()), int(o.grid.size()) + 2 * o.refineRounds);
    QVERIFY(p.c > 0);
    QVERIFY(accuracy(p.logits(xv), yv) == p.valAccuracy);
  }
  void strongerPenaltyShrinksWeights() {
    at::manual_seed(2);
    auto x = at::randn({40, 8});
    auto y = at::arange(40, at::kLong).remainder(2);
    auto a = fitLogisticRegression(x, y, 2, 1e-3, 100);
    auto b = fitLogisticRegression(x, y, 2, 1e3, 100);
    QVERIFY(a.weight.norm().item<double>() < b.weight.norm().item<double>());
    // Gradient at the optimum is ~0: mean CE + ||W||^2/(2CN).
    auto w = b.weight.clone().set_requires_grad(true);
    auto loss = at::cross_entropy_loss(at::linear(x, w, b.bias), y) + w.pow(2).sum() / (2e3 * 40);
    loss.backward();
    QVERIFY2(w.grad().abs().max().item<double>() < 1e-3, "not converged");
  }
  void badLabelsThrow() {
    QVERIFY_EXCEPTION_THROWN(
        fitLogisticRegression(at::randn({4, 3}), at::tensor(std::vector<int64_t>{0, 1, 5, 0}), 2, 1,
                              10),
        pd::Error);
  }
};

QTEST_GUILESS_MAIN(TestLinearProbe)
#include "test_linear_probe.moc"
