#pragma once
// Verbalizers: label words per class for language models, and class-name aliases for CLIP.
//
// JSON form (all keys optional except that a class must appear somewhere):
//   {
//     "classes": ["negative", "positive"],              // label order (default: order of keys)
//     "label_words": {"negative": ["bad", "terrible"],  // a string or a list of words/phrases
//                     "positive": "great"},
//     "aliases": {"T-shirt/top": "t-shirt"},            // the name CLIP prompts use for a class
//     "multi_token": "first",                           // first | mean | max (as OpenPrompt)
//     "aggregation": "mean",                            // over a class's words: mean | max
//     "normalize": true                                 // log-softmax over all label words first
//   }
#include <map>
#include <string>
#include <vector>

#include "promptdesk/template.h"

namespace pd {

// How a label word made of several tokens gets one score from its tokens' logits.
enum class MultiTokenMode { First, Mean, Max };
// How a class with several label words gets one score from its words' scores.
enum class WordAggregation { Mean, Max };

MultiTokenMode parseMultiTokenMode(const std::string& name);  // throws pd::Error
const char* multiTokenModeName(MultiTokenMode mode);
WordAggregation parseWordAggregation(const std::string& name);
const char* wordAggregationName(WordAggregation agg);

// One score from the logits of a word's tokens (throws on an empty vector).
float multiTokenScore(const std::vector<float>& tokenLogits, MultiTokenMode mode);

// Class scores from the vocabulary logits at the mask (or next-token) position.
// wordTokens[c][w] = token ids of label word w of class c. Each word gets multiTokenScore() of
// vocabLogits[its ids]; with `normalize` these word scores go through a log-softmax over all
// words of all classes (OpenPrompt's ManualVerbalizer); then `agg` over each class's words.
// Throws pd::Error naming class/word for an empty class, empty word or out-of-range token id.
std::vector<float> classScores(const std::vector<float>& vocabLogits,
                               const std::vector<std::vector<std::vector<int>>>& wordTokens,
                               MultiTokenMode mode = MultiTokenMode::First,
                               WordAggregation agg = WordAggregation::Mean, bool normalize = true);

class Verbalizer {
 public:
  MultiTokenMode multiToken = MultiTokenMode::First;
  WordAggregation aggregation = WordAggregation::Mean;
  bool normalize = true;

  // `origin` (a file name) prefixes error contexts: "<origin>: label_words.positive[1]".
  static Verbalizer fromJson(const std::string& jsonText, const std::string& origin = "verbalizer");
  static Verbalizer load(const std::string& path);
  std::string toJson() const;  // pretty-printed, loads back to an equal verbalizer
  void save(const std::string& path) const;

  // Classes in label order.
  const std::vector<std::string>& classes() const { return classes_; }
  // Adds the class if new; replaces its words.
  void setLabelWords(const std::string& cls, const std::vector<std::string>& words);
  void setAlias(const std::string& cls, const std::string& alias);
  // Throws pd::Error naming the class when it has no label words.
  const std::vector<std::string>& labelWords(const std::string& cls) const;
  bool hasLabelWords(const std::string& cls) const;
  // The alias, else the class name itself (for CLIP prompts).
  std::string promptName(const std::string& cls) const;
  std::vector<std::string> promptNames(const std::vector<std::string>& classNames) const;
  const std::map<std::string, std::string>& aliases() const { return aliases_; }

  // Checks this verbalizer against a dataset's classes: every class needs label words for a
  // language model (Family::MaskedLM/CausalLM); every class the verbalizer mentions (words or
  // aliases) must be a dataset class. Throws pd::Error naming the class.
  void checkCovers(const std::vector<std::string>& classNames, Family family) const;

  // Token ids per class per word, in the order of `classNames`, for classScores(). Throws
  // pd::Error naming the class and word when a word tokenizes to nothing.
  std::vector<std::vector<std::vector<int>>> wordTokenIds(
      const std::vector<std::string>& classNames, const TokenizeFn& tokenize) const;

 private:
  std::vector<std::string> classes_;
  std::map<std::string, std::vector<std::string>> words_;
  std::map<std::string, std::string> aliases_;
  void addClass(const std::string& cls);
};

}  // namespace pd
