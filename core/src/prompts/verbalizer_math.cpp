// Verbalizer math over plain vectors: multi-token handling, normalisation, word aggregation.
#include <algorithm>
#include <cmath>
#include <limits>

#include "promptdesk/verbalizer.h"

namespace pd {

MultiTokenMode parseMultiTokenMode(const std::string& name) {
  if (name == "first") return MultiTokenMode::First;
  if (name == "mean") return MultiTokenMode::Mean;
  if (name == "max") return MultiTokenMode::Max;
  throw Error("unknown multi-token mode '" + name + "' (expected first, mean or max)",
              "multi_token");
}

const char* multiTokenModeName(MultiTokenMode mode) {
  switch (mode) {
    case MultiTokenMode::First:
      return "first";
    case MultiTokenMode::Mean:
      return "mean";
    case MultiTokenMode::Max:
      return "max";
  }
  return "?";
}

WordAggregation parseWordAggregation(const std::string& name) {
  if (name == "mean") return WordAggregation::Mean;
  if (name == "max") return WordAggregation::Max;
  throw Error("unknown aggregation '" + name + "' (expected mean or max)", "aggregation");
}

const char* wordAggregationName(WordAggregation agg) {
  return agg == WordAggregation::Mean ? "mean" : "max";
}

float multiTokenScore(const std::vector<float>& tokenLogits, MultiTokenMode mode) {
  if (tokenLogits.empty()) throw Error("a label word with no tokens", "multi_token");
  switch (mode) {
    case MultiTokenMode::First:
      return tokenLogits.front();
    case MultiTokenMode::Max:
      return *std::max_element(tokenLogits.begin(), tokenLogits.end());
    case MultiTokenMode::Mean: {
      double s = 0;
      for (float v : tokenLogits) s += v;
      return static_cast<float>(s / tokenLogits.size());
    }
  }
  return tokenLogits.front();
}

std::vector<float> classScores(const std::vector<float>& vocabLogits,
                               const std::vector<std::vector<std::vector<int>>>& wordTokens,
                               MultiTokenMode mode, WordAggregation agg, bool normalize) {
  // Word scores, flattened.
  std::vector<double> word;
  for (std::size_t c = 0; c < wordTokens.size(); ++c) {
    if (wordTokens[c].empty())
      throw Error("class has no label words", "class " + std::to_string(c));
    for (std::size_t w = 0; w < wordTokens[c].size(); ++w) {
      const std::string ctx = "class " + std::to_string(c) + ", word " + std::to_string(w);
      std::vector<float> logits;
      for (int id : wordTokens[c][w]) {
        if (id < 0 || static_cast<std::size_t>(id) >= vocabLogits.size())
          throw Error("token id " + std::to_string(id) + " outside the vocabulary of " +
                          std::to_string(vocabLogits.size()),
                      ctx);
        logits.push_back(vocabLogits[id]);
      }
      if (logits.empty()) throw Error("label word has no tokens", ctx);
      word.push_back(multiTokenScore(logits, mode));
    }
  }
  if (normalize && !word.empty()) {  // log-softmax over every label word of every class
    double m = *std::max_element(word.begin(), word.end());
    double z = 0;
    for (double v : word) z += std::exp(v - m);
    double lse = m + std::log(z);
    for (double& v : word) v -= lse;
  }
  std::vector<float> out;
  std::size_t k = 0;
  for (const auto& cls : wordTokens) {
    double acc = agg == WordAggregation::Max ? -std::numeric_limits<double>::infinity() : 0.0;
    for (std::size_t w = 0; w < cls.size(); ++w, ++k)
      acc = agg == WordAggregation::Max ? std::max(acc, word[k]) : acc + word[k];
    if (agg == WordAggregation::Mean) acc /= static_cast<double>(cls.size());
    out.push_back(static_cast<float>(acc));
  }
  return out;
}

}  // namespace pd
