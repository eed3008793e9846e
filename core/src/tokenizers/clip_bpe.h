#pragma once
// The state behind pd::ClipTokenizer: vocabulary, merge ranks on token ids, the pre-tokenisation
// regex (PCRE2, UTF + UCP + caseless, JIT) and the per-word BPE cache. Internal to the core.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "promptdesk/tokenizer.h"
#include "tokenizers/bpe_merge.h"

namespace pd {

struct ClipTokenizer::Impl {
  Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // Builds the tables from the vocabulary (token string -> id, last duplicate wins as in the
  // reference's dict) and the merges (in rank order). `source` names the files in errors.
  void build(std::unordered_map<std::string, int> encoder,
             const std::vector<std::pair<std::string, std::string>>& merges,
             const std::string& source);

  void encodeInto(const std::string& text, std::vector<int>& out) const;
  void bpeWord(const std::string& word, std::vector<int>& out) const;

  std::vector<std::string> idToBytes;  // decoded bytes of each token ("</w>" kept literally)
  int byteId[256] = {};
  int byteEndId[256] = {};
  tok::BpeMerges merges;
  std::unordered_map<std::string, int> specials;  // "<|startoftext|>" -> id
  int sot = -1, eot = -1, vocab = 0;
  tok::RegexSplitter re;
};

}  // namespace pd
