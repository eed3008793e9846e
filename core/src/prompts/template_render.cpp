// Rendering a template for one example: the text, and where every part landed (characters,
// bytes and, with a tokenizer, tokens).
#include <algorithm>
#include <cctype>

#include "promptdesk/template.h"
#include "prompts/utf8_util.h"

namespace pd {

namespace {

std::string repeated(const std::string& token, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? " " : "") + token;
  return out;
}

const std::string& required(const std::string& value, const TemplatePart& p, const char* what) {
  if (prompts::isBlank(value))
    throw Error(std::string("{") + partKindName(p.kind) + "} needs " + what + ", got an empty one",
                std::to_string(p.line) + ":" + std::to_string(p.column));
  return value;
}

}  // namespace

std::vector<RenderedSpan> Rendered::spansOf(PartKind kind) const {
  std::vector<RenderedSpan> out;
  for (const RenderedSpan& s : spans)
    if (s.kind == kind) out.push_back(s);
  return out;
}

Rendered render(const Template& tmpl, const RenderInput& in, const RenderOptions& opt,
                const TokenizeFn& tokenize) {
  Rendered r;
  auto emit = [&](PartKind kind, int part, const std::string& piece) {
    RenderedSpan s;
    s.kind = kind;
    s.part = part;
    s.byteBegin = static_cast<int>(r.text.size());
    s.begin = prompts::codePoints(r.text);
    r.text += piece;
    s.byteEnd = static_cast<int>(r.text.size());
    s.end = s.begin + prompts::codePoints(piece);
    r.spans.push_back(s);
  };
  const auto& parts = tmpl.parts();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const TemplatePart& p = parts[i];
    const int idx = static_cast<int>(i);
    switch (p.kind) {
      case PartKind::Text:
        emit(p.kind, idx, p.text);
        break;
      case PartKind::Class:
        emit(p.kind, idx, prompts::trimmed(required(in.className, p, "a class name")));
        break;
      case PartKind::Input:
        emit(p.kind, idx, required(in.text, p, "the example's text"));
        break;
      case PartKind::InputA:
        emit(p.kind, idx, required(in.textA, p, "the first sentence"));
        break;
      case PartKind::InputB:
        emit(p.kind, idx, required(in.textB, p, "the second sentence"));
        break;
      case PartKind::Mask:
        emit(p.kind, idx, opt.maskToken);
        break;
      case PartKind::Label:
        emit(p.kind, idx, required(in.labelWord, p, "a label word"));
        break;
      case PartKind::Soft:
        emit(p.kind, idx, p.count > 0 ? repeated(opt.softToken, p.count) : p.text);
        break;
      case PartKind::Trigger:
        emit(p.kind, idx, repeated(opt.triggerToken, p.count));
        break;
    }
  }
  // A prefix prompt for a causal LM: the label word follows the template.
  if (!prompts::isBlank(in.labelWord) && !tmpl.has(PartKind::Label) && !tmpl.has(PartKind::Mask) &&
      !tmpl.has(PartKind::Class)) {
    if (!r.text.empty() && !std::isspace(static_cast<unsigned char>(r.text.back()))) r.text += ' ';
    emit(PartKind::Label, -1, in.labelWord);
  }

  if (tokenize) {
    r.tokens = tokenize(r.text);
    const int total = static_cast<int>(r.tokens.size());
    int prev = 0;
    for (RenderedSpan& s : r.spans) {
      int upto = s.byteEnd >= static_cast<int>(r.text.size())
                     ? total
                     : static_cast<int>(tokenize(r.text.substr(0, s.byteEnd)).size());
      upto = std::clamp(upto, prev, total);  // merges across a boundary never move backwards
      s.tokenBegin = prev + opt.tokenOffset;
      s.tokenEnd = upto + opt.tokenOffset;
      prev = upto;
    }
  }
  return r;
}

std::string renderClass(const Template& tmpl, const std::string& className) {
  return render(tmpl, RenderInput::ofClass(className)).text;
}

}  // namespace pd
