// The template parser: literal text, {placeholders}, {{ }} escapes, line:column errors.
#include "promptdesk/template.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "prompts/utf8_util.h"

namespace pd {

namespace {

struct KnownName {
  const char* name;
  PartKind kind;
};
const KnownName kNames[] = {{"class", PartKind::Class},   {"text", PartKind::Input},
                            {"text_a", PartKind::InputA}, {"text_b", PartKind::InputB},
                            {"mask", PartKind::Mask},     {"label", PartKind::Label}};

std::string knownList() {
  return "{class} {text} {text_a} {text_b} {mask} {label} {soft:N} {soft:\"words\"} {trigger:N}";
}

// Levenshtein distance, for "did you mean".
int editDistance(const std::string& a, const std::string& b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1,
                         prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string suggestion(const std::string& name) {
  std::string best;
  int bestD = 3;
  const char* all[] = {"class", "text", "text_a", "text_b", "mask", "label", "soft", "trigger"};
  for (const char* k : all) {
    int d = editDistance(name, k);
    if (d < bestD) bestD = d, best = k;
  }
  return best.empty() ? ""
                      : " (did you mean {" + best +
                            (best == "soft" || best == "trigger" ? ":N" : "") + "}?)";
}

// Walks the source keeping the 1-based line and column (in code points) of the current byte.
class Cursor {
 public:
  explicit Cursor(const std::string& s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek(std::size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
  std::size_t index() const { return i_; }
  int line() const { return line_; }
  int column() const { return col_; }
  void advance() {
    unsigned char c = static_cast<unsigned char>(s_[i_]);
    ++i_;
    if (c == '\n') {
      ++line_;
      col_ = 1;
    } else {
      // count a code point when the next byte starts a new one
      if (i_ >= s_.size() || prompts::startsCodePoint(static_cast<unsigned char>(s_[i_]))) ++col_;
    }
  }

 private:
  const std::string& s_;
  std::size_t i_ = 0;
  int line_ = 1, col_ = 1;
};

[[noreturn]] void fail(const std::string& msg, int line, int col) {
  throw TemplateError(msg, line, col);
}

// Parses a token count for {soft:N}/{trigger:N}.
int parseCount(const std::string& arg, const std::string& shown, const char* what, int maximum,
               int line, int col) {
  if (arg.empty() ||
      !std::all_of(arg.begin(), arg.end(), [](char c) { return c >= '0' && c <= '9'; }))
    fail("'" + shown + "': expected a number of " + what + " after ':'", line, col);
  long long v = arg.size() > 9 ? 1000000000LL : std::stoll(arg);
  if (v < 1 || v > maximum)
    fail("'" + shown + "': the number of " + std::string(what) + " must be 1.." +
             std::to_string(maximum) + ", got " + arg,
         line, col);
  return static_cast<int>(v);
}

// Parses the quoted words of {soft:"..."}: backslash escapes \" and \\.
std::string parseQuoted(const std::string& arg, const std::string& shown, int line, int col) {
  std::string out;
  std::size_t i = 1;
  for (; i < arg.size() && arg[i] != '"'; ++i) {
    if (arg[i] == '\\' && i + 1 < arg.size()) ++i;
    out += arg[i];
  }
  if (i >= arg.size()) fail("'" + shown + "': the quoted words are not closed", line, col);
  if (i + 1 != arg.size())
    fail("'" + shown + "': unexpected text after the closing quote", line, col);
  if (prompts::isBlank(out))
    fail("'" + shown + "': the initialising words are empty (use {soft:N} for N random vectors)",
         line, col);
  return prompts::trimmed(out);
}

TemplatePart makePlaceholder(const std::string& body, const std::string& shown, int line, int col) {
  TemplatePart part;
  part.line = line;
  part.column = col;
  std::string inner = prompts::trimmed(body);
  if (inner.empty()) fail("empty placeholder '{}' (write '{{}}' for literal braces)", line, col);
  std::size_t colon = inner.find(':');
  std::string key = prompts::trimmed(inner.substr(0, colon));
  if (colon == std::string::npos) {
    for (const KnownName& k : kNames)
      if (key == k.name) {
        part.kind = k.kind;
        return part;
      }
    fail("unknown placeholder '" + shown + "'" + suggestion(key) + "; known: " + knownList(), line,
         col);
  }
  std::string arg = prompts::trimmed(inner.substr(colon + 1));
  if (key == "soft") {
    part.kind = PartKind::Soft;
    if (!arg.empty() && arg[0] == '"')
      part.text = parseQuoted(arg, shown, line, col);
    else
      part.count = parseCount(arg, shown, "learnable vectors", kMaxSoftTokens, line, col);
    return part;
  }
  if (key == "trigger") {
    part.kind = PartKind::Trigger;
    part.count = parseCount(arg, shown, "trigger tokens", kMaxTriggerTokens, line, col);
    return part;
  }
  fail("unknown placeholder '" + shown + "'" + suggestion(key) + "; known: " + knownList(), line,
       col);
}

}  // namespace

TemplateError::TemplateError(const std::string& message, int line, int column)
    : Error(message, line > 0 ? std::to_string(line) + ":" + std::to_string(column) : ""),
      line_(line),
      column_(column),
      reason_(message) {}

Family parseFamily(const std::string& name) {
  if (name == "clip") return Family::Clip;
  if (name == "mlm" || name == "masked" || name == "masked-lm") return Family::MaskedLM;
  if (name == "clm" || name == "causal" || name == "causal-lm") return Family::CausalLM;
  throw Error("unknown model family '" + name + "' (expected clip, mlm or clm)", "family");
}

const char* familyName(Family family) {
  switch (family) {
    case Family::Clip:
      return "clip";
    case Family::MaskedLM:
      return "mlm";
    case Family::CausalLM:
      return "clm";
  }
  return "?";
}

const char* partKindName(PartKind kind) {
  switch (kind) {
    case PartKind::Text:
      return "text-literal";
    case PartKind::Class:
      return "class";
    case PartKind::Input:
      return "text";
    case PartKind::InputA:
      return "text_a";
    case PartKind::InputB:
      return "text_b";
    case PartKind::Mask:
      return "mask";
    case PartKind::Label:
      return "label";
    case PartKind::Soft:
      return "soft";
    case PartKind::Trigger:
      return "trigger";
  }
  return "?";
}

Template Template::parse(const std::string& source) {
  Template t;
  t.source_ = source;
  Cursor cur(source);
  TemplatePart text;  // literal text being collected
  auto flush = [&] {
    if (!text.text.empty()) t.parts_.push_back(text);
    text = TemplatePart{};
  };
  auto addChar = [&](char c) {
    if (text.text.empty()) text.line = cur.line(), text.column = cur.column();
    text.text += c;
  };
  while (!cur.done()) {
    char c = cur.peek();
    if (c == '{' && cur.peek(1) == '{') {
      addChar('{');
      cur.advance();
      cur.advance();
      continue;
    }
    if (c == '}') {
      if (cur.peek(1) != '}')
        fail("unmatched '}' (write '}}' for a literal brace)", cur.line(), cur.column());
      addChar('}');
      cur.advance();
      cur.advance();
      continue;
    }
    if (c != '{') {
      addChar(c);
      cur.advance();
      continue;
    }
    // A placeholder: scan to its '}' on the same line, skipping over quoted words.
    const int line = cur.line(), col = cur.column();
    const std::size_t start = cur.index();
    cur.advance();
    bool quoted = false;
    int quoteLine = 0, quoteCol = 0;
    while (!cur.done()) {
      char d = cur.peek();
      if (d == '\n') break;
      if (quoted) {
        if (d == '\\')
          cur.advance();
        else if (d == '"')
          quoted = false;
      } else if (d == '"') {
        quoted = true;
        quoteLine = cur.line(), quoteCol = cur.column();
      } else if (d == '}' || d == '{') {
        break;
      }
      if (!cur.done()) cur.advance();
    }
    if (quoted)
      fail("the quote opened here is not closed before the end of the line", quoteLine, quoteCol);
    if (cur.done() || cur.peek() != '}') {
      fail("'{' is not closed (write '{{' for a literal brace)", line, col);
    }
    const std::string body = source.substr(start + 1, cur.index() - start - 1);
    cur.advance();  // the '}'
    flush();
    t.parts_.push_back(makePlaceholder(body, "{" + body + "}", line, col));
  }
  flush();
  return t;
}

int Template::count(PartKind kind) const {
  return static_cast<int>(std::count_if(parts_.begin(), parts_.end(),
                                        [kind](const TemplatePart& p) { return p.kind == kind; }));
}

int Template::softTokenCount() const {
  int n = 0;
  for (const TemplatePart& p : parts_)
    if (p.kind == PartKind::Soft) n += p.count;
  return n;
}

std::string Template::toString() const {
  std::string out;
  for (const TemplatePart& p : parts_) {
    switch (p.kind) {
      case PartKind::Text:
        for (char c : p.text) {
          out += c;
          if (c == '{' || c == '}') out += c;
        }
        break;
      case PartKind::Soft:
        if (p.count > 0) {
          out += "{soft:" + std::to_string(p.count) + "}";
        } else {
          out += "{soft:\"";
          for (char c : p.text) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
          }
          out += "\"}";
        }
        break;
      case PartKind::Trigger:
        out += "{trigger:" + std::to_string(p.count) + "}";
        break;
      default:
        out += std::string("{") + partKindName(p.kind) + "}";
        break;
    }
  }
  return out;
}

}  // namespace pd
