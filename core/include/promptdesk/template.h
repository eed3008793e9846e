#pragma once
// The prompt template language shared by every model family.
//
//   a photo of a {class}.                    CLIP class prompt
//   {text} It was {mask}.                    cloze prompt for a masked LM
//   {text_a} ? {mask}, {text_b}              sentence pair
//   Review: {text}\nSentiment:               prefix prompt for a causal LM (the label word follows,
//                                            or sits where {label} is written)
//   {soft:16} {class}.                       16 learnable vectors
//   {soft:"a photo of a"} {class}.           learnable vectors initialised from these words
//   {trigger:3} {text} {mask}                3 discrete trigger tokens (AutoPrompt)
//   {{ and }}                                literal braces
//
// Whitespace inside braces is ignored ({ class } == {class}). Backslashes are plain text; a new
// line is a real line break. Errors carry a 1-based line and column counted in characters
// (Unicode code points), pointing at the offending brace or placeholder.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "promptdesk/error.h"

namespace pd {

enum class Family { Clip, MaskedLM, CausalLM };

// "clip", "mlm", "clm" (also accepts "masked", "causal"); throws pd::Error otherwise.
Family parseFamily(const std::string& name);
const char* familyName(Family family);  // "clip", "mlm", "clm"

enum class PartKind { Text, Class, Input, InputA, InputB, Mask, Label, Soft, Trigger };
const char* partKindName(PartKind kind);  // "text", "class", "text_a", "mask", "soft", ...

// Hard limits for learnable parts: {soft:0} or {soft:1000} are errors.
constexpr int kMaxSoftTokens = 64;
constexpr int kMaxTriggerTokens = 32;

struct TemplatePart {
  PartKind kind = PartKind::Text;
  std::string text;  // Text: the literal text (braces unescaped); Soft: the initialising words
  int count = 0;     // Soft/Trigger: number of tokens (0 for {soft:"words"}: set by the tokenizer)
  int line = 1;      // where the part starts in the template source (1-based, characters)
  int column = 1;
};

// A parse or validation error. line()/column() are 0 when the error concerns the whole template
// (e.g. "{class} is missing").
class TemplateError : public Error {
 public:
  TemplateError(const std::string& message, int line, int column);
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& reason() const { return reason_; }

 private:
  int line_, column_;
  std::string reason_;
};

class Template {
 public:
  Template() = default;
  // Parses `source`; throws TemplateError with line:column.
  static Template parse(const std::string& source);

  const std::string& source() const { return source_; }
  const std::vector<TemplatePart>& parts() const { return parts_; }
  int count(PartKind kind) const;  // number of parts of this kind
  bool has(PartKind kind) const { return count(kind) > 0; }
  // Learnable vectors requested by {soft:N} parts (not counting {soft:"words"}).
  int softTokenCount() const;

  // Throws TemplateError for the first problem for this model family: a CLIP template without
  // {class}, a masked-LM template without (or with two) {mask}, a causal-LM template with {mask},
  // placeholders that make no sense for the family, ...
  void validate(Family family) const;
  // All problems, as messages "line:col: message" (or just "message" for whole-template ones).
  std::vector<std::string> problems(Family family) const;

  // Source text again, with braces escaped and placeholders in canonical spelling.
  std::string toString() const;

 private:
  std::string source_;
  std::vector<TemplatePart> parts_;
};

// Throws pd::Error naming the class (index and name) for empty, blank or duplicate class names.
void validateClassNames(const std::vector<std::string>& classNames);

// What fills a template for one example.
struct RenderInput {
  std::string className;  // {class}
  std::string text;       // {text}
  std::string textA;      // {text_a}
  std::string textB;      // {text_b}
  std::string labelWord;  // {label}; for a template without {label} or {mask} it is appended
  static RenderInput ofClass(std::string name) {
    RenderInput in;
    in.className = std::move(name);
    return in;
  }
};

struct RenderOptions {
  std::string maskToken = "<mask>";  // "[MASK]" for BERT
  std::string softToken = "X";       // one per learnable vector, joined by spaces (as CoOp does)
  std::string triggerToken = "X";    // one per trigger token
  // Added to token spans, e.g. 1 when the model input starts with a start-of-text token that the
  // tokenizer callback does not return.
  int tokenOffset = 0;
};

// Token ids for a piece of text, without start/end markers.
using TokenizeFn = std::function<std::vector<int>(const std::string&)>;

struct RenderedSpan {
  PartKind kind = PartKind::Text;
  int part = 0;   // index into Template::parts(); -1 for an appended label word
  int begin = 0;  // [begin, end) in characters (code points) of Rendered::text
  int end = 0;
  int byteBegin = 0;  // the same span in bytes of the UTF-8 text
  int byteEnd = 0;
  int tokenBegin = -1;  // [tokenBegin, tokenEnd) in Rendered::tokens (+ tokenOffset); -1 when
  int tokenEnd = -1;    // rendered without a tokenizer
};

struct Rendered {
  std::string text;
  std::vector<RenderedSpan> spans;  // one per part (in order), plus an appended label word
  std::vector<int> tokens;          // tokenizer(text) when a tokenizer was given
  // The spans of one kind (e.g. all {class} spans).
  std::vector<RenderedSpan> spansOf(PartKind kind) const;
};

// Fills the template. Throws pd::Error when a placeholder's value is missing (e.g. {class} with
// an empty class name, {text} with no text). Token spans, when `tokenize` is given, are found by
// tokenizing growing prefixes of the text, so a part owns the tokens its characters add.
Rendered render(const Template& tmpl, const RenderInput& input, const RenderOptions& options = {},
                const TokenizeFn& tokenize = nullptr);

// Shorthand for CLIP: render(tmpl, {className}).text.
std::string renderClass(const Template& tmpl, const std::string& className);

}  // namespace pd
