// pd::ClipTokenizer: OpenAI's simple_tokenizer.py BPE on token ids, with a per-word cache.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "promptdesk/error.h"
#include "promptdesk/tokenizer.h"
#include "tokenizers/clip_bpe.h"
#include "tokenizers/text_clean.h"

namespace pd {

namespace {
constexpr const char* kPattern =
    R"(<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+)";
constexpr size_t kMaxCacheEntries = 200000;

uint64_t pairKey(int a, int b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }
}  // namespace

char32_t byteToUnicode(int b) {
  if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))
    return char32_t(b);
  // Bytes that are not printable Latin-1 get 256, 257, ... in byte order.
  int n = 0;
  for (int x = 0; x < b; ++x)
    if (!((x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF))) ++n;
  return char32_t(256 + n);
}

ClipTokenizer::Impl::Impl() {
  int err = 0;
  PCRE2_SIZE offset = 0;
  re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kPattern), PCRE2_ZERO_TERMINATED,
                     PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &err, &offset, nullptr);
  if (!re) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof(msg));
    throw Error(std::string("cannot compile the pre-tokenisation pattern: ") +
                    reinterpret_cast<const char*>(msg),
                "ClipTokenizer");
  }
  pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if unavailable
}

ClipTokenizer::Impl::~Impl() { pcre2_code_free(re); }

void ClipTokenizer::Impl::build(std::unordered_map<std::string, int> encoder,
                                const std::vector<std::pair<std::string, std::string>>& mergeList,
                                const std::string& source) {
  vocab = 0;
  for (const auto& [tok, id] : encoder) {
    if (id < 0) throw Error("negative token id for '" + tok + "'", source);
    vocab = std::max(vocab, id + 1);
  }
  // Byte decoder: code point -> byte.
  std::unordered_map<char32_t, int> byteOf;
  for (int b = 0; b < 256; ++b) byteOf[byteToUnicode(b)] = b;
  idToBytes.assign(size_t(vocab), std::string());
  for (const auto& [tok, id] : encoder) {
    std::string bytes;
    for (char32_t cp : tok::utf8ToUtf32(tok)) {
      auto it = byteOf.find(cp);
      if (it != byteOf.end()) {
        bytes.push_back(char(it->second));
      } else {
        tok::appendUtf8(bytes, cp);  // not a byte symbol (only in unusual vocabularies)
      }
    }
    idToBytes[size_t(id)] = std::move(bytes);
  }
  for (int b = 0; b < 256; ++b) {
    std::string ch;
    tok::appendUtf8(ch, byteToUnicode(b));
    auto a = encoder.find(ch), e = encoder.find(ch + "</w>");
    if (a == encoder.end() || e == encoder.end())
      throw Error("vocabulary lacks the byte symbol for byte " + std::to_string(b), source);
    byteId[b] = a->second;
    byteEndId[b] = e->second;
  }
  merges.clear();
  merges.reserve(mergeList.size() * 2);
  for (size_t r = 0; r < mergeList.size(); ++r) {
    const auto& [first, second] = mergeList[r];
    auto a = encoder.find(first), b = encoder.find(second), m = encoder.find(first + second);
    if (a == encoder.end() || b == encoder.end()) continue;  // can never apply
    if (m == encoder.end())
      throw Error("merge '" + first + " " + second + "' (rank " + std::to_string(r) +
                      ") makes a token missing from the vocabulary",
                  source);
    merges.emplace(pairKey(a->second, b->second), std::make_pair(int(r), m->second));
  }
  for (const char* s : {"<|startoftext|>", "<|endoftext|>"}) {
    auto it = encoder.find(s);
    if (it == encoder.end()) throw Error(std::string("vocabulary lacks ") + s, source);
    specials[s] = it->second;
  }
  sot = specials["<|startoftext|>"];
  eot = specials["<|endoftext|>"];
}

void ClipTokenizer::Impl::bpeWord(const std::string& word, std::vector<int>& out) const {
  {
    std::lock_guard<std::mutex> lock(cacheMutex);
    auto it = cache.find(word);
    if (it != cache.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int> sym;
  sym.reserve(word.size());
  for (size_t i = 0; i < word.size(); ++i) {
    auto b = static_cast<unsigned char>(word[i]);
    sym.push_back(i + 1 == word.size() ? byteEndId[b] : byteId[b]);
  }
  std::vector<int> next;
  while (sym.size() > 1) {
    // The adjacent pair with the lowest merge rank.
    int bestRank = -1, merged = -1, first = -1, second = -1;
    for (size_t i = 0; i + 1 < sym.size(); ++i) {
      auto it = merges.find(pairKey(sym[i], sym[i + 1]));
      if (it != merges.end() && (bestRank < 0 || it->second.first < bestRank)) {
        bestRank = it->second.first;
        merged = it->second.second;
        first = sym[i];
        second = sym[i + 1];
      }
    }
    if (bestRank < 0) break;
    // Merge every occurrence, left to right, without overlap.
    next.clear();
    for (size_t i = 0; i < sym.size();) {
      if (sym[i] == first && i + 1 < sym.size() && sym[i + 1] == second) {
        next.push_back(merged);
        i += 2;
      } else {
        next.push_back(sym[i++]);
      }
    }
    sym.swap(next);
  }
  out.insert(out.end(), sym.begin(), sym.end());
  std::lock_guard<std::mutex> lock(cacheMutex);
  if (cache.size() >= kMaxCacheEntries) cache.clear();
  cache.emplace(word, std::move(sym));
}

void ClipTokenizer::Impl::encodeInto(const std::string& text, std::vector<int>& out) const {
  const std::string clean = tok::clipClean(text);
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(re, nullptr);
  if (!md) throw Error("out of memory for the regex match data", "ClipTokenizer");
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(clean.data());
  PCRE2_SIZE pos = 0;
  while (pos < clean.size()) {
    int rc = pcre2_match(re, subject, clean.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      pcre2_match_data_free(md);
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(rc, msg, sizeof(msg));
      throw Error(std::string("regex match failed: ") + reinterpret_cast<const char*>(msg),
                  "ClipTokenizer");
    }
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    std::string token(clean, ov[0], ov[1] - ov[0]);
    pos = ov[1] > ov[0] ? ov[1] : ov[1] + 1;  // the pattern has no empty match; stay safe
    auto sp = specials.find(token);
    if (sp != specials.end()) {
      out.push_back(sp->second);
    } else if (!token.empty()) {
      bpeWord(token, out);
    }
  }
  pcre2_match_data_free(md);
}

ClipTokenizer::ClipTokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

std::vector<int> ClipTokenizer::encode(const std::string& text) const {
  std::vector<int> out;
  impl_->encodeInto(text, out);
  return out;
}

std::vector<int> ClipTokenizer::tokenizeUnpadded(const std::string& text, int contextLength,
                                                 bool truncate) const {
  if (contextLength < 2)
    throw Error("context length must be at least 2, got " + std::to_string(contextLength),
                "ClipTokenizer");
  std::vector<int> ids;
  ids.reserve(size_t(contextLength));
  ids.push_back(impl_->sot);
  impl_->encodeInto(text, ids);
  ids.push_back(impl_->eot);
  if (ids.size() > size_t(contextLength)) {
    if (!truncate)
      throw Error("text is too long for context length " + std::to_string(contextLength) + " (" +
                      std::to_string(ids.size()) + " tokens)",
                  "ClipTokenizer");
    ids.resize(size_t(contextLength));
    ids.back() = impl_->eot;
  }
  return ids;
}

std::vector<int> ClipTokenizer::tokenize(const std::string& text, int contextLength,
                                         bool truncate) const {
  std::vector<int> ids = tokenizeUnpadded(text, contextLength, truncate);
  ids.resize(size_t(contextLength), 0);
  return ids;
}

std::string ClipTokenizer::decode(const std::vector<int>& ids) const {
  std::string bytes;
  for (size_t i = 0; i < ids.size(); ++i) {
    int id = ids[i];
    if (id < 0 || id >= impl_->vocab)
      throw Error("token id " + std::to_string(id) + " is outside the vocabulary (size " +
                      std::to_string(impl_->vocab) + ")",
                  "decode: position " + std::to_string(i));
    bytes += impl_->idToBytes[size_t(id)];
  }
  std::string text = tok::sanitizeUtf8(bytes);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 4, "</w>") == 0) {
      out.push_back(' ');
      i += 4;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

int ClipTokenizer::vocabSize() const { return impl_->vocab; }
int ClipTokenizer::startOfTextId() const { return impl_->sot; }
int ClipTokenizer::endOfTextId() const { return impl_->eot; }

}  // namespace pd
