#pragma once
// Zero-shot scoring of text classifiers with a frozen LM, exact and cheap:
//  - cloze (masked LM, OpenPrompt's ManualVerbalizer): the LM head runs only at the mask position
//    and only over the label words' tokens (equal to those columns of the full logits);
//    multi-token words by first/mean/max of their tokens' logits; log-softmax over all label
//    words; optional contextual calibration (divide the label-word probabilities by those on a
//    content-free input, renormalise); mean (or max) over a class's words.
//  - prefix (causal LM): the log-likelihood of each label word as the continuation of the
//    context, summed or per token ("mean"), or the next-token logit of one-token words.
// Inputs are sorted by length and padded per batch (right padding; exact for both kinds).
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "models/text_lm.h"
#include "prompts/text_prompt.h"

namespace pd::methods {

enum class TextScoring { Cloze, PrefixSum, PrefixMean, NextToken };
TextScoring parseTextScoring(const std::string& name, bool causal);  // "auto" picks by the model
const char* textScoringName(TextScoring s);

// Label words of the classes, as token ids where the model sees them.
struct LabelWords {
  std::vector<std::vector<std::vector<int>>> ids;  // [class][word] -> token ids
};

class TextScorer {
 public:
  TextScorer(models::TextLM& model, const Verbalizer& verbalizer, TextScoring scoring,
             std::int64_t batchSize);
  // Word scores [item][flat word] for encoded prompts (one LabelWords per item: the spacing may
  // differ per item). Cloze: logits at the mask after the multi-token rule; prefix: the
  // log-likelihoods. Runs without autograd.
  std::vector<std::vector<float>> wordScores(const std::vector<prompts::EncodedPrompt>& prompts,
                                             const std::vector<const LabelWords*>& words);
  // Class scores from word scores: log-softmax over the words (when the verbalizer normalises or
  // a calibration is given), calibration (`calibration`: word probabilities on a content-free
  // input, or empty), log, then the verbalizer's aggregation per class.
  std::vector<float> classScores(const std::vector<float>& wordScores, const LabelWords& words,
                                 const std::vector<float>& calibration) const;
  // Word probabilities (softmax over the words) of one item's word scores.
  static std::vector<float> wordProbabilities(const std::vector<float>& wordScores);

 private:
  std::vector<std::vector<float>> clozeScores(const std::vector<prompts::EncodedPrompt>& prompts,
                                              const std::vector<const LabelWords*>& words);
  std::vector<std::vector<float>> prefixScores(const std::vector<prompts::EncodedPrompt>& prompts,
                                               const std::vector<const LabelWords*>& words);
  models::TextLM& model_;
  const Verbalizer& verbalizer_;
  TextScoring scoring_;
  std::int64_t batch_;
};

}  // namespace pd::methods
