// Classification metrics from per-item scores (accuracy, top-k, macro-F1, confusion, ECE).
#include "promptdesk/metrics.h"

#include <algorithm>
#include <cmath>

#include "promptdesk/error.h"

namespace pd {

namespace {

std::string itemContext(const ScoredItem& item, std::size_t index) {
  return item.id.empty() ? "item #" + std::to_string(index) : "item '" + item.id + "'";
}

// Max softmax probability (or the max score itself for probabilities).
double confidenceOf(const std::vector<float>& s, bool probabilities) {
  const double m = *std::max_element(s.begin(), s.end());
  if (probabilities) return m;
  double z = 0;
  for (float v : s) z += std::exp(static_cast<double>(v) - m);
  return 1.0 / z;
}

}  // namespace

int argmax(const std::vector<float>& scores) {
  if (scores.empty()) throw Error("no scores", "argmax");
  return static_cast<int>(std::max_element(scores.begin(), scores.end()) - scores.begin());
}

double macroF1(const std::vector<std::vector<std::int64_t>>& confusion) {
  const std::size_t k = confusion.size();
  double sum = 0;
  int classes = 0;
  for (std::size_t c = 0; c < k; ++c) {
    std::int64_t tp = confusion[c][c], support = 0, predicted = 0;
    for (std::size_t j = 0; j < k; ++j) support += confusion[c][j], predicted += confusion[j][c];
    if (support == 0 && predicted == 0) continue;
    ++classes;
    if (tp > 0) sum += 2.0 * tp / static_cast<double>(support + predicted);
  }
  return classes ? sum / classes : 0.0;
}

double expectedCalibrationError(const std::vector<double>& confidence,
                                const std::vector<bool>& correct, int bins,
                                std::vector<ReliabilityBin>* reliability) {
  if (confidence.size() != correct.size())
    throw Error("confidence and correctness have different lengths", "ece");
  if (bins < 1) throw Error("need at least one bin", "ece");
  std::vector<ReliabilityBin> b(bins);
  std::vector<double> sumConf(bins, 0), sumCorrect(bins, 0);
  for (int i = 0; i < bins; ++i) b[i].lower = double(i) / bins, b[i].upper = double(i + 1) / bins;
  for (std::size_t i = 0; i < confidence.size(); ++i) {
    double p = std::clamp(confidence[i], 0.0, 1.0);
    int k = std::clamp(static_cast<int>(std::ceil(p * bins)) - 1, 0, bins - 1);
    ++b[k].count;
    sumConf[k] += p;
    sumCorrect[k] += correct[i] ? 1 : 0;
  }
  double ece = 0;
  const double n = static_cast<double>(confidence.size());
  for (int k = 0; k < bins; ++k) {
    if (b[k].count == 0) continue;
    b[k].meanConfidence = sumConf[k] / b[k].count;
    b[k].accuracy = sumCorrect[k] / b[k].count;
    ece += b[k].count / n * std::abs(b[k].accuracy - b[k].meanConfidence);
  }
  if (reliability) *reliability = std::move(b);
  return ece;
}

Metrics computeMetrics(const std::vector<ScoredItem>& items, int numClasses,
                       const MetricsOptions& opt) {
  if (items.empty()) throw Error("no items to score", "metrics");
  if (numClasses < 1) throw Error("need at least one class", "metrics");
  Metrics m;
  m.n = static_cast<std::int64_t>(items.size());
  m.numClasses = numClasses;
  m.confusion.assign(numClasses, std::vector<std::int64_t>(numClasses, 0));
  const int k = std::min(std::max(opt.topK, 1), numClasses);
  std::vector<double> conf;
  std::vector<bool> correct;
  std::int64_t hits = 0, topHits = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const ScoredItem& it = items[i];
    if (it.label < 0 || it.label >= numClasses)
      throw Error(
          "label " + std::to_string(it.label) + " outside 0.." + std::to_string(numClasses - 1),
          itemContext(it, i));
    if (static_cast<int>(it.scores.size()) != numClasses)
      throw Error(std::to_string(it.scores.size()) + " scores for " + std::to_string(numClasses) +
                      " classes",
                  itemContext(it, i));
    for (std::size_t j = 0; j < it.scores.size(); ++j)
      if (!std::isfinite(it.scores[j]))
        throw Error("score " + std::to_string(j) + " is not a finite number", itemContext(it, i));
    const int pred = argmax(it.scores);
    m.predictions.push_back(pred);
    ++m.confusion[it.label][pred];
    hits += pred == it.label;
    correct.push_back(pred == it.label);
    // rank of the true class, ties broken by index as argmax does
    const float t = it.scores[it.label];
    int rank = 0;
    for (int j = 0; j < numClasses; ++j)
      rank += it.scores[j] > t || (it.scores[j] == t && j < it.label);
    topHits += rank < k;
    conf.push_back(confidenceOf(it.scores, opt.scoresAreProbabilities));
  }
  m.accuracy = double(hits) / m.n;
  m.top5 = double(topHits) / m.n;
  m.perClass.resize(numClasses);
  for (int c = 0; c < numClasses; ++c) {
    ClassMetrics& pc = m.perClass[c];
    for (int j = 0; j < numClasses; ++j)
      pc.support += m.confusion[c][j], pc.predicted += m.confusion[j][c];
    pc.correct = m.confusion[c][c];
    pc.accuracy = pc.support ? double(pc.correct) / pc.support : 0.0;
    pc.precision = pc.predicted ? double(pc.correct) / pc.predicted : 0.0;
    pc.f1 = pc.correct ? 2.0 * pc.correct / double(pc.support + pc.predicted) : 0.0;
  }
  m.macroF1 = macroF1(m.confusion);
  m.ece = expectedCalibrationError(conf, correct, opt.eceBins, &m.reliability);
  if (opt.bootstrapResamples > 0) {
    auto ci = bootstrapAccuracyCI(correct, opt.bootstrapResamples, opt.confidence, opt.seed);
    m.ciLow = ci.first;
    m.ciHigh = ci.second;
  } else {
    m.ciLow = m.ciHigh = m.accuracy;
  }
  return m;
}

}  // namespace pd
