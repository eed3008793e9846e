// Statistics for honest comparisons: seeded PRNG, bootstrap CI on accuracy, McNemar's test.
#include <algorithm>
#include <cmath>

#include "promptdesk/error.h"
#include "promptdesk/metrics.h"

namespace pd {

namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// Linear interpolation between order statistics (the usual "type 7" quantile).
double quantile(const std::vector<double>& sorted, double p) {
  const double h = p * (sorted.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

// P(X <= m) for X ~ Binomial(n, 1/2), summed in log space.
double binomialHalfCdf(std::int64_t m, std::int64_t n) {
  double sum = 0;
  for (std::int64_t k = 0; k <= m; ++k)
    sum += std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0) -
                    n * std::log(2.0));
  return sum;
}

}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::below(std::uint64_t n) {
  if (n == 0) return 0;
  // rejection sampling keeps the draw exactly uniform
  const std::uint64_t limit = ~std::uint64_t(0) - (~std::uint64_t(0) % n);
  std::uint64_t x;
  do x = next();
  while (x >= limit);
  return x % n;
}

double Rng::uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }

std::pair<double, double> bootstrapAccuracyCI(const std::vector<bool>& correct, int resamples,
                                              double confidence, std::uint64_t seed) {
  if (correct.empty()) throw Error("no items", "bootstrap");
  if (resamples < 1) throw Error("need at least one resample", "bootstrap");
  if (!(confidence > 0 && confidence < 1)) throw Error("confidence must be in (0, 1)", "bootstrap");
  Rng rng(seed);
  const std::size_t n = correct.size();
  std::vector<double> acc(resamples);
  for (int r = 0; r < resamples; ++r) {
    std::size_t hits = 0;
    for (std::size_t i = 0; i < n; ++i) hits += correct[rng.below(n)];
    acc[r] = double(hits) / n;
  }
  std::sort(acc.begin(), acc.end());
  const double tail = (1 - confidence) / 2;
  return {quantile(acc, tail), quantile(acc, 1 - tail)};
}

McNemarResult mcnemar(std::int64_t b, std::int64_t c, double alpha, int exactBelow) {
  if (b < 0 || c < 0) throw Error("negative discordant counts", "mcnemar");
  McNemarResult r;
  r.b = b;
  r.c = c;
  const std::int64_t n = b + c;
  r.exact = n < exactBelow;
  if (n == 0) {
    r.statistic = 0;
    r.pValue = 1;
  } else if (r.exact) {
    r.statistic = static_cast<double>(std::min(b, c));
    r.pValue = std::min(1.0, 2.0 * binomialHalfCdf(std::min(b, c), n));
  } else {
    const double d = std::max(0.0, std::abs(double(b - c)) - 1.0);
    r.statistic = d * d / n;
    r.pValue = std::erfc(std::sqrt(r.statistic / 2.0));  // chi-square, 1 degree of freedom
  }
  r.significant = r.pValue < alpha;
  return r;
}

McNemarResult mcnemar(const std::vector<bool>& a, const std::vector<bool>& b, double alpha,
                      int exactBelow) {
  if (a.size() != b.size())
    throw Error("the two prompts were scored on different numbers of items (" +
                    std::to_string(a.size()) + " vs " + std::to_string(b.size()) + ")",
                "mcnemar");
  std::int64_t onlyA = 0, onlyB = 0;
  for (std::size_t i = 0; i < a.size(); ++i) onlyA += a[i] && !b[i], onlyB += !a[i] && b[i];
  return mcnemar(onlyA, onlyB, alpha, exactBelow);
}

std::pair<double, double> bootstrapMacroF1CI(const std::vector<std::pair<int, int>>& lp,
                                             int classes, int resamples) {
  if (lp.empty() || classes <= 0) return {0, 0};
  Rng rng(0x5eed2024);
  std::vector<double> values;
  values.reserve(size_t(resamples));
  std::vector<std::vector<std::int64_t>> conf(static_cast<size_t>(classes),
                                              std::vector<std::int64_t>(static_cast<size_t>(classes)));
  for (int b = 0; b < resamples; ++b) {
    for (auto& row : conf) std::fill(row.begin(), row.end(), 0);
    for (size_t i = 0; i < lp.size(); ++i) {
      const auto& x = lp[size_t(rng.below(lp.size()))];
      conf[size_t(x.first)][size_t(x.second)]++;
    }
    values.push_back(macroF1(conf));
  }
  std::sort(values.begin(), values.end());
  auto at = [&](double f) {
    return values[std::min(values.size() - 1, size_t(f * double(values.size() - 1) + 0.5))];
  };
  return {at(0.025), at(0.975)};
}

}  // namespace pd
