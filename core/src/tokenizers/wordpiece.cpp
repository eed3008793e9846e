// BERT WordPiece: google-research/bert tokenization.py BasicTokenizer + WordpieceTokenizer.
#include <utf8proc.h>

#include <cstdlib>

#include "promptdesk/error.h"
#include "tokenizers/text_clean.h"
#include "tokenizers/text_tokenizer_impl.h"

namespace pd::tok {

namespace {
utf8proc_category_t category(char32_t c) { return utf8proc_category(int32_t(c)); }

// _is_control: Cc/Cf except \t \n \r.
bool isControl(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  auto cat = category(c);
  return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF;
}
// _is_whitespace: space, \t, \n, \r or Zs.
bool isBertSpace(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || category(c) == UTF8PROC_CATEGORY_ZS;
}
// _is_punctuation: ASCII non-alphanumerics and Unicode P*.
bool isPunct(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
      (c >= 123 && c <= 126))
    return true;
  switch (category(c)) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return true;
    default:
      return false;
  }
}
// _is_chinese_char: the CJK Unified Ideographs blocks google lists.
bool isCjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// NFD, then every Mn code point dropped (_run_strip_accents).
std::u32string stripAccents(const std::u32string& word) {
  bool ascii = true;
  for (char32_t c : word) ascii &= c < 0x80;
  if (ascii) return word;
  std::string utf8 = utf32ToUtf8(word);
  utf8proc_uint8_t* nfd = nullptr;
  utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(utf8.data()),
                   utf8proc_ssize_t(utf8.size()), &nfd,
                   utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE));
  std::u32string decomposed =
      n >= 0 ? utf8ToUtf32(std::string_view(reinterpret_cast<const char*>(nfd), size_t(n))) : word;
  std::free(nfd);
  std::u32string out;
  out.reserve(decomposed.size());
  for (char32_t c : decomposed)
    if (category(c) != UTF8PROC_CATEGORY_MN) out.push_back(c);
  return out;
}
}  // namespace

void WordPiece::build(const Vocab& vocab, const WordPieceConfig& config,
                      const std::string& source) {
  config_ = config;
  vocab_ = &vocab;
  auto it = vocab.find(config.unk);
  if (it == vocab.end())
    throw Error("vocabulary lacks the unknown token " + config.unk, source);
  unkId_ = it->second;
  if (config.maxInputChars < 1)
    throw Error("max_input_chars_per_word must be positive", source);
}

void WordPiece::wordPieces(const std::u32string& word, std::vector<int>& out) const {
  if (word.size() > size_t(config_.maxInputChars)) {
    out.push_back(unkId_);
    return;
  }
  // Byte offset of each code point in the word's UTF-8.
  std::string utf8;
  std::vector<size_t> off;
  off.reserve(word.size() + 1);
  for (char32_t c : word) {
    off.push_back(utf8.size());
    appendUtf8(utf8, c);
  }
  off.push_back(utf8.size());
  const size_t before = out.size();
  std::string piece;
  for (size_t start = 0; start < word.size();) {
    int found = -1;
    size_t end = word.size();
    for (; end > start; --end) {
      piece.assign(start > 0 ? config_.prefix : std::string());
      piece.append(utf8, off[start], off[end] - off[start]);
      auto it = vocab_->find(piece);
      if (it != vocab_->end()) {
        found = it->second;
        break;
      }
    }
    if (found < 0) {  // no segmentation: the whole word is unknown
      out.resize(before);
      out.push_back(unkId_);
      return;
    }
    out.push_back(found);
    start = end;
  }
}

void WordPiece::encode(std::string_view text, std::vector<int>& out) const {
  const std::u32string in = utf8ToUtf32(sanitizeUtf8(text));
  std::u32string t;
  t.reserve(in.size());
  for (char32_t c : in) {
    if (config_.cleanText) {
      if (c == 0 || c == 0xFFFD || isControl(c)) continue;
      if (isBertSpace(c)) c = ' ';
    }
    if (config_.chineseChars && isCjk(c)) {
      t.push_back(' ');
      t.push_back(c);
      t.push_back(' ');
    } else {
      t.push_back(c);
    }
  }
  // whitespace_tokenize (str.split()), then per word: lower + strip accents, punctuation split.
  std::u32string piece;
  for (size_t i = 0; i < t.size();) {
    while (i < t.size() && isPySpace(t[i])) ++i;
    size_t start = i;
    while (i < t.size() && !isPySpace(t[i])) ++i;
    if (i == start) break;
    std::u32string word = t.substr(start, i - start);
    if (config_.lowercase) word = pyLower(word);
    if (config_.stripAccents) word = stripAccents(word);
    piece.clear();
    for (char32_t c : word) {
      if (isPunct(c)) {
        if (!piece.empty()) wordPieces(piece, out);
        piece.assign(1, c);
        wordPieces(piece, out);
        piece.clear();
      } else {
        piece.push_back(c);
      }
    }
    if (!piece.empty()) wordPieces(piece, out);
  }
}

Vocab parseVocabTxt(const std::string& data, const std::string& path, int* lines) {
  const std::string text = sanitizeUtf8(data);
  Vocab vocab;
  int index = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find_first_of("\r\n", pos);
    size_t next;
    if (nl == std::string::npos) {
      nl = next = text.size();
    } else {
      next = nl + ((text[nl] == '\r' && nl + 1 < text.size() && text[nl + 1] == '\n') ? 2 : 1);
    }
    std::u32string token = utf8ToUtf32(std::string_view(text).substr(pos, nl - pos));
    size_t b = 0, e = token.size();
    while (b < e && isPySpace(token[b])) ++b;
    while (e > b && isPySpace(token[e - 1])) --e;
    vocab[utf32ToUtf8(token.substr(b, e - b))] = index++;
    if (index > 10000000) throw Error("more than 10,000,000 lines", path);
    pos = next;
  }
  if (lines) *lines = index;
  return vocab;
}

}  // namespace pd::tok
