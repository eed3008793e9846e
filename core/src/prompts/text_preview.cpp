// The template editor's token preview for text models (torch-free).
#include <map>
#include <mutex>

#include "prompts/text_prompt.h"
#include "promptdesk/error.h"
#include "promptdesk/text_models.h"

namespace pd {

namespace {
const TextTokenizer& cachedTokenizer(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<TextTokenizer>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[name];
  if (!slot) slot = std::make_unique<TextTokenizer>(TextTokenizer::load(name));
  return *slot;
}
}  // namespace

TextPromptPreview previewTextPrompt(const std::string& tokenizer, const std::string& source,
                                    const std::string& family, const std::string& sampleText,
                                    const std::vector<std::string>& classNames,
                                    const std::vector<std::vector<std::string>>& labelWords,
                                    int maxLength) {
  const Family fam = parseFamily(family);
  if (fam == Family::Clip) throw Error("the token preview is for text models (mlm, clm)", family);
  const TextTokenizer& tok = cachedTokenizer(tokenizer);
  TextPromptPreview out;
  out.tokenizer = tok.describe();
  out.maxLength = maxLength > 0 ? maxLength : tok.modelMaxLength() > 0 ? tok.modelMaxLength() : 512;
  const Template t = Template::parse(source);
  t.validate(fam);
  const prompts::TextPromptEncoder enc(tok, fam, out.maxLength);
  RenderInput in;
  in.text = in.textA = in.textB = sampleText;
  const prompts::EncodedPrompt e = enc.encode(t, in);
  out.maskPos = e.maskPos;
  out.truncated = e.truncated;
  for (std::size_t i = 0; i < e.ids.size(); ++i) {
    PromptToken p;
    p.id = e.ids[i];
    p.token = tok.idToToken(p.id);
    if (static_cast<int>(i) == e.maskPos) p.role = PromptToken::Role::Mask;
    else if (tok.isSpecialId(p.id)) p.role = PromptToken::Role::Special;
    else if (e.fromInput[i]) p.role = PromptToken::Role::Input;
    out.tokens.push_back(std::move(p));
  }
  for (std::size_t c = 0; c < classNames.size(); ++c) {
    std::vector<std::string> words =
        c < labelWords.size() && !labelWords[c].empty() ? labelWords[c]
                                                        : std::vector<std::string>{classNames[c]};
    for (const auto& w : words) {
      LabelWordIds l;
      l.className = classNames[c];
      l.word = w;
      l.ids = enc.labelWordIds(w, e.spaceBeforeLabel);
      for (int id : l.ids) l.pieces.push_back(tok.idToToken(id));
      out.labelWords.push_back(std::move(l));
    }
  }
  return out;
}

}  // namespace pd
