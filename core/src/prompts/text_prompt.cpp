#include "prompts/text_prompt.h"

#include <algorithm>

#include "promptdesk/error.h"

namespace pd::prompts {

namespace {
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool isInput(PartKind k) {
  return k == PartKind::Input || k == PartKind::InputA || k == PartKind::InputB;
}
bool bytePiece(const TextTokenizer& t) { return t.kind() != TextTokenizerKind::WordPiece; }
// Pieces that are not tokenized from text: the mask token and soft slots.
bool fixedPiece(PartKind k) { return k == PartKind::Mask || k == PartKind::Soft; }
}  // namespace

TextPromptEncoder::TextPromptEncoder(const TextTokenizer& tokenizer, Family family, int maxLength)
    : tok_(tokenizer), family_(family), maxLength_(maxLength) {
  if (family == Family::Clip) throw Error("CLIP templates are not rendered for text models", "family");
  specials_ = tok_.numSpecialTokens(false);
  if (family == Family::MaskedLM && tok_.maskId() < 0)
    throw Error("the tokenizer has no mask token, so it cannot serve a masked LM", tok_.describe());
  const TextSpecialTokens& sp = tok_.specialTokens();
  placeholder_ = 0;
  for (int id : {sp.unk, sp.eos, sp.bos, sp.cls})
    if (id >= 0 && id != sp.pad) {
      placeholder_ = id;
      break;
    }
  if (placeholder_ == sp.pad) placeholder_ = sp.pad == 0 ? 1 : 0;
}

std::vector<int> TextPromptEncoder::softSlotInit(const Template& tmpl) const {
  RenderInput in;
  in.text = in.textA = in.textB = "x";
  return encode(tmpl, in).softInit;
}

EncodedPrompt TextPromptEncoder::encode(const Template& tmpl, const RenderInput& input) const {
  RenderOptions ro;
  if (family_ == Family::MaskedLM) ro.maskToken = tok_.idToToken(tok_.maskId());
  RenderInput in = input;
  in.labelWord = "label";  // rendered only to be cut off: the context stops before the label
  Rendered r = render(tmpl, in, ro);
  // One token list per span, in order, up to the label (a causal LM's context ends there; the
  // appended label word is not part of it).
  struct Piece {
    PartKind kind;
    std::vector<int> ids;
    std::vector<int> init;  // Soft: per slot, the initialising token id or -1
  };
  std::vector<Piece> pieces;
  std::vector<std::string> texts;
  EncodedPrompt out;
  for (const RenderedSpan& s : r.spans) {
    if (s.part < 0 || s.kind == PartKind::Label) break;
    if (s.kind == PartKind::Mask) {
      pieces.push_back({PartKind::Mask, {tok_.maskId()}, {}});
      texts.emplace_back();
      continue;
    }
    if (s.kind == PartKind::Soft) {
      // {soft:N}: N slots; {soft:"words"}: tokenized below, once the spacing before is known.
      const TemplatePart& tp = tmpl.parts()[static_cast<std::size_t>(s.part)];
      Piece p{PartKind::Soft, {}, {}};
      if (tp.count > 0) p.init.assign(static_cast<std::size_t>(tp.count), -1);
      pieces.push_back(std::move(p));
      texts.push_back(tp.count > 0 ? std::string() : tp.text);
      continue;
    }
    pieces.push_back({s.kind, {}, {}});
    texts.push_back(r.text.substr(static_cast<std::size_t>(s.byteBegin),
                                  static_cast<std::size_t>(s.byteEnd - s.byteBegin)));
  }
  // The whitespace just before the mask / the label is taken off the text before it and
  // remembered: it belongs to the label's first token.
  auto stripTrailing = [&](std::size_t upto) {  // pieces [0, upto): strip the last text's spaces
    for (std::size_t j = upto; j-- > 0;) {
      if (fixedPiece(pieces[j].kind)) return false;
      std::string& t = texts[j];
      if (t.empty()) continue;
      const bool had = isSpace(t.back());
      while (!t.empty() && isSpace(t.back())) t.pop_back();
      return had;
    }
    return false;
  };
  if (family_ == Family::MaskedLM) {
    for (std::size_t j = 0; j < pieces.size(); ++j)
      if (pieces[j].kind == PartKind::Mask) out.spaceBeforeLabel = stripTrailing(j);
  } else {
    // The label follows the context after a space, unless {label} is written right after text.
    const bool hadSpace = stripTrailing(pieces.size());
    out.spaceBeforeLabel = hadSpace || !tmpl.has(PartKind::Label) || texts.empty() ||
                           texts.back().empty();
  }
  // Soft parts: the words of {soft:"words"} are tokenized as the template places them (after a
  // space when white space precedes the part); the white space before a slot is dropped.
  for (std::size_t j = 0; j < pieces.size(); ++j) {
    if (pieces[j].kind != PartKind::Soft) continue;
    const bool prevText = j > 0 && !fixedPiece(pieces[j - 1].kind);
    const bool spaceBefore = prevText && !texts[j - 1].empty() && isSpace(texts[j - 1].back());
    if (prevText)
      while (!texts[j - 1].empty() && isSpace(texts[j - 1].back())) texts[j - 1].pop_back();
    if (pieces[j].init.empty()) {
      std::string words = texts[j];
      while (!words.empty() && isSpace(words.front())) words.erase(words.begin());
      pieces[j].init = tok_.encode(spaceBefore && bytePiece(tok_) ? " " + words : words);
      if (pieces[j].init.empty())
        throw Error("the soft words '" + texts[j] + "' tokenize to nothing", "template");
    }
    texts[j].clear();
    pieces[j].ids.assign(pieces[j].init.size(), placeholder_);
  }
  // Whitespace at the end of a piece goes to the start of the next text piece: byte-level BPE
  // attaches a space to the word after it, so the pieces tokenize as the whole string would.
  std::string carry;
  for (std::size_t j = 0; j < pieces.size(); ++j) {
    if (fixedPiece(pieces[j].kind)) {
      carry.clear();
      continue;
    }
    texts[j] = carry + texts[j];
    carry.clear();
    const bool nextIsText = j + 1 < pieces.size() && !fixedPiece(pieces[j + 1].kind);
    if (nextIsText) {
      std::size_t k = texts[j].size();
      while (k > 0 && isSpace(texts[j][k - 1])) --k;
      carry = texts[j].substr(k);
      texts[j].resize(k);
    }
  }
  for (std::size_t j = 0; j < pieces.size(); ++j)
    if (!fixedPiece(pieces[j].kind) && !texts[j].empty()) pieces[j].ids = tok_.encode(texts[j]);

  // Fit: cut the longest input piece from its end until the whole fits.
  auto total = [&] {
    std::size_t n = static_cast<std::size_t>(specials_);
    for (const auto& p : pieces) n += p.ids.size();
    return n;
  };
  std::size_t fixed = static_cast<std::size_t>(specials_);
  for (const auto& p : pieces)
    if (!isInput(p.kind)) fixed += p.ids.size();
  if (fixed > static_cast<std::size_t>(maxLength_))
    throw TemplateError("the template alone is " + std::to_string(fixed) +
                            " tokens (special tokens included), longer than the model's " +
                            std::to_string(maxLength_) + " positions",
                        0, 0);
  while (total() > static_cast<std::size_t>(maxLength_)) {
    Piece* longest = nullptr;
    for (auto& p : pieces)
      if (isInput(p.kind) && (!longest || p.ids.size() > longest->ids.size())) longest = &p;
    if (!longest || longest->ids.empty()) break;
    const std::size_t excess = total() - static_cast<std::size_t>(maxLength_);
    longest->ids.resize(longest->ids.size() - std::min(excess, longest->ids.size()));
    out.truncated = true;
  }
  std::vector<int> body, softBody;
  std::vector<char> inputBody;
  int maskAt = -1;
  bool soft = false;
  for (const auto& p : pieces) {
    if (p.kind == PartKind::Mask) maskAt = static_cast<int>(body.size());
    if (p.kind == PartKind::Soft) {
      soft = true;
      for (int id : p.init) {
        softBody.push_back(static_cast<int>(out.softInit.size()));
        out.softInit.push_back(id);
      }
    } else {
      softBody.insert(softBody.end(), p.ids.size(), -1);
    }
    body.insert(body.end(), p.ids.begin(), p.ids.end());
    inputBody.insert(inputBody.end(), p.ids.size(), isInput(p.kind) ? 1 : 0);
  }
  if (body.empty()) throw Error("the prompt renders to no tokens", "template");
  TextEncodeOptions fo;
  fo.addSpecialTokens = true;
  TextEncoding e = tok_.frame(body, nullptr, fo);
  out.ids = std::move(e.ids);
  out.typeIds.assign(out.ids.size(), 0);
  // The frame only adds tokens around the body: find where the body starts.
  const std::size_t lead =
      out.ids.size() > body.size()
          ? static_cast<std::size_t>(
                std::search(out.ids.begin(), out.ids.end(), body.begin(), body.end()) -
                out.ids.begin())
          : 0;
  if (maskAt >= 0) out.maskPos = static_cast<int>(lead) + maskAt;
  out.fromInput.assign(out.ids.size(), 0);
  for (std::size_t i = 0; i < inputBody.size() && lead + i < out.ids.size(); ++i)
    out.fromInput[lead + i] = inputBody[i];
  if (soft) {
    out.softSlots.assign(out.ids.size(), -1);
    for (std::size_t i = 0; i < softBody.size() && lead + i < out.ids.size(); ++i)
      out.softSlots[lead + i] = softBody[i];
  }
  return out;
}

std::vector<int> TextPromptEncoder::labelWordIds(const std::string& word, bool afterSpace) const {
  std::string w = word;
  while (!w.empty() && isSpace(w.front())) w.erase(w.begin());
  while (!w.empty() && isSpace(w.back())) w.pop_back();
  if (w.empty()) throw Error("a label word is empty", "verbalizer");
  std::vector<int> ids = tok_.encode(afterSpace && bytePiece(tok_) ? " " + w : w);
  if (ids.empty()) throw Error("label word '" + word + "' tokenizes to nothing", "verbalizer");
  if (tok_.unkId() >= 0 && std::find(ids.begin(), ids.end(), tok_.unkId()) != ids.end())
    throw Error("label word '" + word + "' is outside the vocabulary (it becomes " +
                    tok_.idToToken(tok_.unkId()) + ")",
                "verbalizer");
  return ids;
}

std::vector<LabelWordCheck> checkLabelWords(const TextPromptEncoder& enc, const Verbalizer& v,
                                            const std::vector<std::string>& classNames,
                                            bool afterSpace) {
  std::vector<LabelWordCheck> out;
  const TextTokenizer& t = enc.tokenizer();
  for (const auto& c : classNames)
    for (const auto& w : v.labelWords(c)) {
      LabelWordCheck k;
      k.className = c;
      k.word = w;
      try {
        k.ids = enc.labelWordIds(w, afterSpace);
      } catch (const Error& e) {
        throw Error(std::string(e.what()), "verbalizer: class '" + c + "', word '" + w + "'");
      }
      for (int id : k.ids) k.pieces.push_back(t.idToToken(id));
      k.singleToken = k.ids.size() == 1;
      if (bytePiece(t) && afterSpace)
        for (int id : t.encode(w)) k.bareTokens.push_back(t.idToToken(id));
      if (!k.singleToken) {
        k.note = "'" + w + "' is " + std::to_string(k.ids.size()) + " tokens for this tokenizer:";
        for (const auto& p : k.pieces) k.note += " " + p;
        k.note += enc.family() == Family::CausalLM
                      ? std::string(" (every token is scored)")
                      : std::string(" (scored by the ") + multiTokenModeName(v.multiToken) + " rule)";
      }
      out.push_back(std::move(k));
    }
  return out;
}

}  // namespace pd::prompts
