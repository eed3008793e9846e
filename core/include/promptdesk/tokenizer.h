#pragma once
// CLIP's byte-level BPE tokenizer, with the behaviour of OpenAI's `clip/simple_tokenizer.py` and
// `clip.tokenize` (torch-free public API).
//
// Text cleaning, in the reference's order: HTML entities decoded twice (html.unescape applied twice:
// all numeric references and the HTML 4 / Latin-1 named entities plus common HTML5 ones), strip,
// white space runs collapsed to one space, strip, Unicode lower-casing as Python's str.lower()
// (full mapping of U+0130 and the final-sigma rule included). ftfy.fix_text is NOT applied (no NFC,
// no mojibake, quote or width fixes), so texts that ftfy would change may tokenize differently.
// Invalid UTF-8 in the input is replaced, each maximal invalid subsequence by one U+FFFD, as Python's
// bytes.decode("utf-8", errors="replace") does; encoding never throws on bad input.
#include <memory>
#include <string>
#include <vector>

namespace pd {

class ClipTokenizer {
 public:
  static constexpr int kDefaultContextLength = 77;

  // The merges file installed by installers/install-data.sh:
  // dataPath("vocab/bpe_simple_vocab_16e6.txt") (a .gz next to it is used when the .txt is absent).
  static ClipTokenizer fromDataDir();
  // OpenAI's merges file (plain text or gzip): "#version" header line, then the first 48894 merge
  // lines are used; vocabulary = 256 bytes + 256 bytes+"</w>" + merges + the two special tokens.
  static ClipTokenizer fromMergesFile(const std::string& path);
  // A Hugging Face folder with `vocab.json` (token -> id) and `merges.txt`.
  static ClipTokenizer fromHfFolder(const std::string& dir);

  // Token ids of `text`, without the start/end tokens.
  std::vector<int> encode(const std::string& text) const;
  // clip.tokenize for one text: <|startoftext|> ids <|endoftext|>, zero-padded to `contextLength`.
  // Too long: with `truncate`, cut to contextLength keeping <|endoftext|> last; else pd::Error.
  std::vector<int> tokenize(const std::string& text, int contextLength = kDefaultContextLength,
                            bool truncate = true) const;
  // As tokenize() without the zero padding (the ids up to and including <|endoftext|>).
  std::vector<int> tokenizeUnpadded(const std::string& text,
                                    int contextLength = kDefaultContextLength,
                                    bool truncate = true) const;
  // The reference's decode: token strings joined, bytes decoded as UTF-8 (errors replaced),
  // "</w>" replaced by a space. Every id is decoded, special tokens and padding (id 0 = "!") too;
  // an id outside the vocabulary throws pd::Error.
  std::string decode(const std::vector<int>& ids) const;

  int vocabSize() const;
  int startOfTextId() const;
  int endOfTextId() const;

  struct Impl;

 private:
  explicit ClipTokenizer(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

}  // namespace pd
