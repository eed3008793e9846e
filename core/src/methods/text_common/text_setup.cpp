#include "methods/text_common/text_setup.h"

#include <filesystem>

#include "common/text_split.h"
#include "promptdesk/error.h"

namespace pd::methods {

namespace fs = std::filesystem;

TextTokenizer textTokenizerFor(const std::string& modelPath, const std::string& tokenizer,
                               const models::TextModelConfig& c, std::string& name) {
  if (!tokenizer.empty()) {
    name = tokenizer;
    return TextTokenizer::load(tokenizer);
  }
  std::error_code ec;
  const fs::path dir = fs::is_directory(modelPath, ec) ? fs::path(modelPath)
                                                            : fs::path(modelPath).parent_path();
  for (const char* f : {"tokenizer.json", "vocab.json", "vocab.txt"})
    if (fs::is_regular_file(dir / f, ec)) {
      name = dir.string();
      return TextTokenizer::fromFolder(dir.string());
    }
  if (c.family == "bert") name = "bert-base-uncased";
  else if (c.family == "gpt2") name = "gpt2";
  else
    throw Error("the model folder has no tokenizer files (tokenizer.json, vocab.json + merges.txt "
                "or vocab.txt): give --tokenizer",
                modelPath);
  return TextTokenizer::fromName(name);
}

Verbalizer verbalizerFor(const std::string& verbalizerFile,
                         const std::vector<std::string>& labelWords,
                         const std::vector<std::string>& classes) {
  Verbalizer v;
  if (!verbalizerFile.empty()) v = Verbalizer::load(verbalizerFile);
  for (const auto& lw : labelWords) {
    const auto eq = lw.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error("label words must read class=word|word, got '" + lw + "'", "label words");
    const std::string cls = lw.substr(0, eq);
    v.setLabelWords(cls, splitTrimmed(lw.substr(eq + 1), "|", " \t"));
  }
  for (const auto& c : classes)
    if (!v.hasLabelWords(c)) {
      if (!verbalizerFile.empty() || !labelWords.empty())
        throw Error("class '" + c + "' has no label words",
                    verbalizerFile.empty() ? "label words" : verbalizerFile);
      v.setLabelWords(c, {c});
    }
  v.checkCovers(classes, Family::MaskedLM);
  return v;
}

}  // namespace pd::methods
