#pragma once
// Rendering a template into token ids for a text model (torch-free): the right special tokens
// ([CLS]/[SEP], <s>/</s>, none for GPT-2), the mask token as one id, and the spacing of
// byte-level BPE (a word after a space is "Ġword"). Each part of the rendered template is
// tokenized on its own, as OpenPrompt does, so the mask and the label word land on exact
// positions. An over-long input is cut inside its {text} parts (the template itself is never
// cut); a template that alone does not fit is a TemplateError.
//
// Soft parts (OpenPrompt's MixedTemplate): {soft:N} becomes N slots, {soft:"words"} one slot per
// token of the words (tokenized where the template puts them: after a space when one precedes
// the part). A slot is one placeholder id in `ids` (placeholderId()) and its index k in
// `softSlots`; a method with learned vectors (prompt tuning, P-tuning's template placement)
// puts its k-th vector there. Whitespace before a soft part is dropped (a slot has no spacing);
// whitespace after it goes to the next word, as after the mask.
#include <string>
#include <vector>

#include "promptdesk/template.h"
#include "promptdesk/text_tokenizer.h"
#include "promptdesk/verbalizer.h"

namespace pd::prompts {

struct EncodedPrompt {
  std::vector<int> ids;      // with the model's special tokens
  std::vector<int> typeIds;  // all 0 (one segment)
  int maskPos = -1;          // masked LM: the position of the mask token
  bool spaceBeforeLabel = false;  // the label (mask or continuation) follows a space
  bool truncated = false;         // input text was cut to fit
  std::vector<char> fromInput;    // per id: 1 when it came from {text}/{text_a}/{text_b}
  // Per id: -1 for an ordinary token, k >= 0 at the template's k-th soft slot (slots counted
  // in template order over all soft parts). Empty when the template has no soft part.
  std::vector<int> softSlots;
  // Per soft slot k: the token id of the words that initialise it ({soft:"words"}), -1 for the
  // slots of {soft:N} (random init).
  std::vector<int> softInit;
};

class TextPromptEncoder {
 public:
  // `maxLength`: the model's longest input (tokens, special tokens included).
  TextPromptEncoder(const TextTokenizer& tokenizer, Family family, int maxLength);

  // Masked LM: the template (with one {mask}) filled from `input`.
  // Causal LM: the context before the label (the template up to {label}, or all of it); the
  // trailing space before the label is taken off (it belongs to the label's first token).
  EncodedPrompt encode(const Template& tmpl, const RenderInput& input) const;

  // Token ids of a label word where the model sees it: after a space or not (byte-level BPE:
  // "Ġgreat" vs "great"; WordPiece ignores it). Throws pd::Error naming the word when it is empty
  // or becomes [UNK].
  std::vector<int> labelWordIds(const std::string& word, bool afterSpace) const;

  // Per soft slot of `tmpl` (template order): the initialising token id ({soft:"words"}) or
  // -1 ({soft:N}); what encode() gives as softInit (it does not depend on the input).
  std::vector<int> softSlotInit(const Template& tmpl) const;

  const TextTokenizer& tokenizer() const { return tok_; }
  Family family() const { return family_; }
  int maxLength() const { return maxLength_; }
  // The id written at soft slots: the tokenizer's unknown token (never the padding id, which
  // RoBERTa's positions skip), else its end / start / [CLS] token, else 0.
  int placeholderId() const { return placeholder_; }

 private:
  const TextTokenizer& tok_;
  Family family_;
  int maxLength_;
  int specials_;  // special tokens the frame adds to one sequence
  int placeholder_ = 0;
};

// One label word as a tokenizer sees it, for the verbalizer check.
struct LabelWordCheck {
  std::string className, word;
  std::vector<int> ids;                 // where the model sees it (after a space when it is)
  std::vector<std::string> pieces;      // their token strings ("Ġgreat")
  std::vector<std::string> bareTokens;  // the word without a leading space (BPE only)
  bool singleToken = false;
  std::string note;  // "" or what the user should know (split into 2 pieces, ...)
};
// Every label word of `verbalizer` for `classNames`; throws pd::Error naming class and word for
// a word outside the vocabulary.
std::vector<LabelWordCheck> checkLabelWords(const TextPromptEncoder& enc, const Verbalizer& v,
                                            const std::vector<std::string>& classNames,
                                            bool afterSpace);

}  // namespace pd::prompts
