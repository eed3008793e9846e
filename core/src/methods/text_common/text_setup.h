#pragma once
// What the zero-shot scorer and the trained text methods share when they set up on a model and
// a dataset: the tokenizer for a model (its folder's files, else the family's installed
// vocabulary) and the verbalizer from a file and/or "class=word|word" label words.
#include <string>
#include <vector>

#include "models/text_lm.h"
#include "promptdesk/text_tokenizer.h"
#include "promptdesk/verbalizer.h"

namespace pd::methods {

// `tokenizer`: a folder, "gpt2" or "bert-base-uncased"; empty: the model folder's tokenizer
// files, else the family's installed vocabulary. `name` receives what was used.
TextTokenizer textTokenizerFor(const std::string& modelPath, const std::string& tokenizer,
                               const models::TextModelConfig& config, std::string& name);
// Label words from `verbalizerFile` and/or `labelWords` ("class=word|word"); with neither, each
// class's own name. Errors name the file or "label words".
Verbalizer verbalizerFor(const std::string& verbalizerFile,
                         const std::vector<std::string>& labelWords,
                         const std::vector<std::string>& classes);

}  // namespace pd::methods
