#pragma once
// Pieces shared by the byte-level BPE tokenizers (CLIP, GPT-2/RoBERTa): the byte <-> code point
// table of bytes_to_unicode(), merges files, the merge table on token ids with the rank-ordered
// merge loop and its per-word cache, and a PCRE2 splitter for the pre-tokenisation patterns.
// Internal to the core.
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

struct pcre2_real_code_8;

namespace pd {

// bytes_to_unicode() of the references: the code point that stands for byte b.
char32_t byteToUnicode(int b);

namespace tok {

using Vocab = std::unordered_map<std::string, int>;
using MergeList = std::vector<std::pair<std::string, std::string>>;

// vocab.json: {token: id}; pd::Error naming the file and the key.
Vocab parseVocabJson(const std::string& text, const std::string& path);

// The bytes each token id stands for: its symbols mapped back through bytes_to_unicode() (a code
// point that is no byte symbol is kept as its UTF-8). Ids without a token are empty. `size` >= max
// id + 1.
std::vector<std::string> tokenBytes(const Vocab& vocab, int size);

// How a merges file is read. Lines are "A B" (fields separated by spaces/tabs, exactly two);
// a final "\r" is dropped.
struct MergesFormat {
  bool headerAlways = false;  // line 1 is a header whatever it holds (CLIP); else only "#version"
  size_t maxMerges = size_t(-1);
  bool requireMax = false;    // fewer than maxMerges lines is an error
  bool allowBlankLines = false;  // blank lines are skipped (else: an error naming the line)
};
// pd::Error naming path:line for a malformed line.
MergeList parseMergesText(const std::string& data, const std::string& path,
                          const MergesFormat& format);

// Merge ranks on token ids and the BPE loop of the references (lowest-ranked adjacent pair first,
// every non-overlapping occurrence left to right), with a bounded per-word cache.
class BpeMerges {
 public:
  // Merges whose parts are not in `vocab` can never apply and are dropped; a merge whose result
  // is missing from `vocab` is a pd::Error naming `source` and the rank.
  void build(const Vocab& vocab, const MergeList& merges, const std::string& source);
  // Appends the merged symbols of `word` (initial symbols `sym`) to `out`, cached by `word`.
  void apply(const std::string& word, std::vector<int> sym, std::vector<int>& out) const;
  // True (and the ids appended to `out`) when `word` is in the cache.
  bool cached(const std::string& word, std::vector<int>& out) const;
  size_t size() const { return merges_.size(); }

 private:
  std::unordered_map<uint64_t, std::pair<int, int>> merges_;  // (a,b) -> (rank, merged id)
  mutable std::mutex cacheMutex_;
  mutable std::unordered_map<std::string, std::vector<int>> cache_;
};

// A compiled PCRE2 pattern (UTF + UCP, JIT when available) that cuts valid UTF-8 into its
// successive matches (what re.findall returns).
class RegexSplitter {
 public:
  RegexSplitter(const char* pattern, bool caseless, const char* who);
  ~RegexSplitter();
  RegexSplitter(const RegexSplitter&) = delete;
  RegexSplitter& operator=(const RegexSplitter&) = delete;
  void forEach(std::string_view text, const std::function<void(std::string_view)>& fn) const;

 private:
  pcre2_real_code_8* re_ = nullptr;
  std::string who_;
};

}  // namespace tok
}  // namespace pd
