#include "tokenizers/bpe_merge.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "promptdesk/error.h"
#include "tokenizers/text_clean.h"

namespace pd {

namespace {
bool standsForItself(int b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}
constexpr size_t kMaxCacheEntries = 200000;
uint64_t pairKey(int a, int b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }
}  // namespace

char32_t byteToUnicode(int b) {
  if (standsForItself(b)) return char32_t(b);
  // Bytes that are not printable Latin-1 get 256, 257, ... in byte order.
  int n = 0;
  for (int x = 0; x < b; ++x)
    if (!standsForItself(x)) ++n;
  return char32_t(256 + n);
}

namespace tok {

std::vector<std::string> tokenBytes(const Vocab& vocab, int size) {
  std::unordered_map<char32_t, int> byteOf;
  for (int b = 0; b < 256; ++b) byteOf[byteToUnicode(b)] = b;
  std::vector<std::string> out(static_cast<size_t>(size));
  for (const auto& [token, id] : vocab) {
    if (id < 0 || id >= size) continue;
    std::string bytes;
    for (char32_t cp : utf8ToUtf32(token)) {
      auto it = byteOf.find(cp);
      if (it != byteOf.end()) {
        bytes.push_back(char(it->second));
      } else {
        appendUtf8(bytes, cp);  // not a byte symbol (only in unusual vocabularies)
      }
    }
    out[size_t(id)] = std::move(bytes);
  }
  return out;
}

MergeList parseMergesText(const std::string& data, const std::string& path,
                          const MergesFormat& format) {
  MergeList merges;
  size_t pos = 0, lineNo = 0;
  while (pos < data.size() && merges.size() < format.maxMerges) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) nl = data.size();
    std::string line = data.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (lineNo == 1 && (format.headerAlways || line.rfind("#version", 0) == 0)) continue;
    // Python's merge.split(): fields separated by white space; exactly two expected.
    std::vector<std::string> fields;
    size_t i = 0;
    while (i < line.size() && fields.size() < 3) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      if (i > start) fields.emplace_back(line, start, i - start);
    }
    if (fields.empty() && (format.allowBlankLines || nl == data.size())) continue;
    if (fields.size() != 2)
      throw Error("expected a merge line 'A B', got '" + line.substr(0, 80) + "'",
                  path + ":" + std::to_string(lineNo));
    merges.emplace_back(std::move(fields[0]), std::move(fields[1]));
  }
  if (format.requireMax && merges.size() < format.maxMerges)
    throw Error("only " + std::to_string(merges.size()) + " merge lines, expected " +
                    std::to_string(format.maxMerges) + " (truncated or not a CLIP merges file?)",
                path);
  return merges;
}

void BpeMerges::build(const Vocab& vocab, const MergeList& mergeList, const std::string& source) {
  merges_.clear();
  merges_.reserve(mergeList.size() * 2);
  for (size_t r = 0; r < mergeList.size(); ++r) {
    const auto& [first, second] = mergeList[r];
    auto a = vocab.find(first), b = vocab.find(second), m = vocab.find(first + second);
    if (a == vocab.end() || b == vocab.end()) continue;  // can never apply
    if (m == vocab.end())
      throw Error("merge '" + first + " " + second + "' (rank " + std::to_string(r) +
                      ") makes a token missing from the vocabulary",
                  source);
    // A repeated pair takes its last rank, as the references' dict(zip(merges, range(n))).
    merges_[pairKey(a->second, b->second)] = std::make_pair(int(r), m->second);
  }
  std::lock_guard<std::mutex> lock(cacheMutex_);
  cache_.clear();
}

bool BpeMerges::cached(const std::string& word, std::vector<int>& out) const {
  std::lock_guard<std::mutex> lock(cacheMutex_);
  auto it = cache_.find(word);
  if (it == cache_.end()) return false;
  out.insert(out.end(), it->second.begin(), it->second.end());
  return true;
}

void BpeMerges::apply(const std::string& word, std::vector<int> sym, std::vector<int>& out) const {
  std::vector<int> next;
  while (sym.size() > 1) {
    // The adjacent pair with the lowest merge rank.
    int bestRank = -1, merged = -1, first = -1, second = -1;
    for (size_t i = 0; i + 1 < sym.size(); ++i) {
      auto it = merges_.find(pairKey(sym[i], sym[i + 1]));
      if (it != merges_.end() && (bestRank < 0 || it->second.first < bestRank)) {
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
  std::lock_guard<std::mutex> lock(cacheMutex_);
  if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  cache_.emplace(word, std::move(sym));
}

RegexSplitter::RegexSplitter(const char* pattern, bool caseless, const char* who) : who_(who) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  re_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern), PCRE2_ZERO_TERMINATED,
                      PCRE2_UTF | PCRE2_UCP | (caseless ? PCRE2_CASELESS : 0u), &err, &offset,
                      nullptr);
  if (!re_) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof(msg));
    throw Error(std::string("cannot compile the pre-tokenisation pattern: ") +
                    reinterpret_cast<const char*>(msg),
                who_);
  }
  pcre2_jit_compile(re_, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if unavailable
}

RegexSplitter::~RegexSplitter() { pcre2_code_free(re_); }

void RegexSplitter::forEach(std::string_view text,
                            const std::function<void(std::string_view)>& fn) const {
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(re_, nullptr);
  if (!md) throw Error("out of memory for the regex match data", who_);
  struct Free {
    pcre2_match_data* p;
    ~Free() { pcre2_match_data_free(p); }
  } guard{md};
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  PCRE2_SIZE pos = 0;
  while (pos < text.size()) {
    int rc = pcre2_match(re_, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(rc, msg, sizeof(msg));
      throw Error(std::string("regex match failed: ") + reinterpret_cast<const char*>(msg), who_);
    }
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    if (ov[1] > ov[0]) fn(text.substr(ov[0], ov[1] - ov[0]));
    if (ov[1] > ov[0]) {
      pos = ov[1];
    } else {  // an empty match (none of our patterns has one): step one code point
      pos = ov[1] + 1;
      while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
    }
  }
}

}  // namespace tok
}  // namespace pd
