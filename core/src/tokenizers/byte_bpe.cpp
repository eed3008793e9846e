// GPT-2 / RoBERTa byte-level BPE: OpenAI gpt-2 src/encoder.py on token ids.
#include "io/json_limits.h"
#include "promptdesk/error.h"
#include "tokenizers/text_clean.h"
#include "tokenizers/text_tokenizer_impl.h"

namespace pd::tok {

namespace {
// encoder.py's pattern with Python `regex`'s \s spelled out (Unicode White_Space: U+0085 in,
// U+FEFF and U+180E out; PCRE2's own \s would take U+180E) and \S as its complement.
#define PD_WS "\\t-\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"
constexpr const char* kGpt2Pattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" PD_WS "\\p{L}\\p{N}]+|[" PD_WS
    "]+(?![^" PD_WS "])|[" PD_WS "]+";
#undef PD_WS
}  // namespace

ByteLevelBpe::ByteLevelBpe() : re_(kGpt2Pattern, /*caseless=*/false, "byte-level BPE") {}

void ByteLevelBpe::build(const Vocab& vocab, const MergeList& merges, const std::string& source,
                         bool ignoreMerges) {
  int size = 0;
  for (const auto& [token, id] : vocab) {
    if (id < 0) throw Error("negative token id for '" + token + "'", source);
    size = std::max(size, id + 1);
  }
  for (int b = 0; b < 256; ++b) {
    std::string ch;
    appendUtf8(ch, byteToUnicode(b));
    auto it = vocab.find(ch);
    if (it == vocab.end())
      throw Error("vocabulary lacks the byte symbol '" + ch + "' for byte " + std::to_string(b),
                  source);
    byteId_[b] = it->second;
  }
  idToBytes_ = tokenBytes(vocab, size);
  merges_.build(vocab, merges, source);
  vocab_ = &vocab;
  ignoreMerges_ = ignoreMerges;
}

void ByteLevelBpe::bpeWord(const std::string& word, std::vector<int>& out) const {
  if (merges_.cached(word, out)) return;
  if (ignoreMerges_) {
    // Hugging Face's ignore_merges: a word that is itself a token is taken whole.
    std::string symbols;
    for (unsigned char c : word) appendUtf8(symbols, byteToUnicode(c));
    auto it = vocab_->find(symbols);
    if (it != vocab_->end()) {
      out.push_back(it->second);
      return;
    }
  }
  std::vector<int> sym;
  sym.reserve(word.size());
  for (unsigned char c : word) sym.push_back(byteId_[c]);
  merges_.apply(word, std::move(sym), out);
}

void ByteLevelBpe::encode(std::string_view text, bool addPrefixSpace, std::vector<int>& out) const {
  if (text.empty()) return;
  std::string prefixed;
  if (addPrefixSpace && text.front() != ' ') {
    prefixed.reserve(text.size() + 1);
    prefixed.push_back(' ');
    prefixed.append(text);
    text = prefixed;
  }
  re_.forEach(text, [&](std::string_view piece) { bpeWord(std::string(piece), out); });
}

Vocab parseVocabJson(const std::string& text, const std::string& path) {
  return vocabFromJson(io::parseJsonLimited(text, path), path, "");
}

}  // namespace pd::tok
