#pragma once
// Evaluation metrics from per-item scores: accuracy, top-5, macro-F1, per-class accuracy,
// confusion matrix, expected calibration error, a bootstrap CI on accuracy, McNemar's test for
// two prompts on the same items, and the results JSON the eval job writes.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pd {

struct ScoredItem {
  std::string id;
  int label = 0;              // true class index
  std::vector<float> scores;  // one per class (logits, or probabilities; see MetricsOptions)
};

struct MetricsOptions {
  int eceBins = 15;                     // equal-width bins on the max softmax probability
  bool scoresAreProbabilities = false;  // else a softmax over the scores gives the confidence
  int topK = 5;                         // "top5" uses min(topK, classes)
  int bootstrapResamples = 1000;        // 0 skips the CI
  double confidence = 0.95;
  std::uint64_t seed = 0x5eed2024;  // own PRNG: the same seed gives the same CI everywhere
};

struct ClassMetrics {
  std::int64_t support = 0;    // items of this class
  std::int64_t predicted = 0;  // items predicted as this class
  std::int64_t correct = 0;
  double accuracy = 0;  // = recall: correct / support (0 without support)
  double precision = 0;
  double f1 = 0;
};

struct ReliabilityBin {
  double lower = 0, upper = 0;  // (lower, upper]; the first bin also holds confidence 0
  std::int64_t count = 0;
  double meanConfidence = 0;
  double accuracy = 0;
};

struct Metrics {
  std::int64_t n = 0;
  int numClasses = 0;
  double accuracy = 0;  // 0..1
  double top5 = 0;
  double macroF1 = 0;  // mean F1 over the classes that occur as labels or predictions
  double ece = 0;
  double ciLow = 0, ciHigh = 0;  // percentile bootstrap interval on accuracy
  std::vector<ClassMetrics> perClass;
  std::vector<std::vector<std::int64_t>> confusion;  // [true class][predicted class]
  std::vector<int> predictions;                      // argmax per item (first index on ties)
  std::vector<ReliabilityBin> reliability;
};

// Index of the largest score (the first one on ties); throws pd::Error on an empty vector.
int argmax(const std::vector<float>& scores);

// Throws pd::Error naming the item (id, or #index) for a label outside [0, numClasses), a score
// vector of the wrong length, or a NaN/infinite score; and for no items at all.
Metrics computeMetrics(const std::vector<ScoredItem>& items, int numClasses,
                       const MetricsOptions& options = {});

// Mean F1 over classes with support or predictions (F1 = 0 where precision or recall is 0/0).
double macroF1(const std::vector<std::vector<std::int64_t>>& confusion);

// Sum over bins of (bin size / N) * |accuracy - mean confidence|, bins (k/B, (k+1)/B].
double expectedCalibrationError(const std::vector<double>& confidence,
                                const std::vector<bool>& correct, int bins = 15,
                                std::vector<ReliabilityBin>* reliability = nullptr);

// Percentile bootstrap interval of the mean of `correct` (resampling items with replacement).
std::pair<double, double> bootstrapAccuracyCI(const std::vector<bool>& correct,
                                              int resamples = 1000, double confidence = 0.95,
                                              std::uint64_t seed = 0x5eed2024);

// A small, seeded, platform-independent PRNG (xoshiro256**, seeded through splitmix64).
// Percentile bootstrap 95% CI of macro-F1 over items given as (label, prediction) pairs, with
// a fixed seed (the comparison view's per-run macro-F1 interval).
std::pair<double, double> bootstrapMacroF1CI(const std::vector<std::pair<int, int>>& labelPred,
                                             int classes, int resamples = 400);

class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next();
  std::uint64_t below(std::uint64_t n);  // uniform in [0, n)
  double uniform();                      // [0, 1)

 private:
  std::uint64_t s_[4];
};

struct McNemarResult {
  std::int64_t b = 0;    // A right, B wrong
  std::int64_t c = 0;    // A wrong, B right
  bool exact = false;    // exact binomial test (b + c < exactBelow), else chi-square
  double statistic = 0;  // exact: min(b, c); chi-square: (|b - c| - 1)^2 / (b + c), floored at 0
  double pValue = 1;     // two-sided
  bool significant = false;  // pValue < alpha
};

McNemarResult mcnemar(std::int64_t b, std::int64_t c, double alpha = 0.05, int exactBelow = 25);
// From per-item correctness of prompt A and prompt B on the same items (throws on length mismatch).
McNemarResult mcnemar(const std::vector<bool>& correctA, const std::vector<bool>& correctB,
                      double alpha = 0.05, int exactBelow = 25);

// The results object: {"accuracy", "top5", "macro_f1", "ece", "accuracy_ci95": [lo, hi],
// "per_class": [{class, index, support, correct, accuracy, precision, f1}], "confusion": [[..]],
// "items": [{id, label, pred, scores}], "n", "num_classes", "classes", "ece_bins", "reliability"}.
// classNames may be empty (then "class" is the index as a string).
std::string metricsToJson(const Metrics& metrics, const std::vector<ScoredItem>& items,
                          const std::vector<std::string>& classNames, bool includeItems = true,
                          int indent = 2);
void writeMetricsJson(const std::string& path, const Metrics& metrics,
                      const std::vector<ScoredItem>& items,
                      const std::vector<std::string>& classNames);

}  // namespace pd
