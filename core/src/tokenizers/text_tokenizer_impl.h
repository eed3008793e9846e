#pragma once
// The state behind pd::TextTokenizer: the model (byte-level BPE or WordPiece), added/special
// tokens and the post-processing template. Internal to the core.
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "promptdesk/text_tokenizer.h"
#include "tokenizers/bpe_merge.h"

namespace pd {

namespace tok {

// GPT-2's encoder.py on token ids.
class ByteLevelBpe {
 public:
  ByteLevelBpe();
  // vocab: token -> id; pd::Error naming `source` for a missing byte symbol or merge result.
  void build(const Vocab& vocab, const MergeList& merges, const std::string& source,
             bool ignoreMerges = false);
  // Appends the ids of `text` (valid UTF-8). `addPrefixSpace`: a space first unless the text
  // starts with one (Hugging Face's ByteLevel rule).
  void encode(std::string_view text, bool addPrefixSpace, std::vector<int>& out) const;
  const std::string& bytesOf(int id) const { return idToBytes_[size_t(id)]; }
  size_t size() const { return idToBytes_.size(); }

 private:
  void bpeWord(const std::string& word, std::vector<int>& out) const;
  RegexSplitter re_;
  BpeMerges merges_;
  const Vocab* vocab_ = nullptr;  // owned by the Impl (ignore_merges look-ups)
  bool ignoreMerges_ = false;
  int byteId_[256] = {};
  std::vector<std::string> idToBytes_;
};

struct WordPieceConfig {
  bool cleanText = true;
  bool chineseChars = true;
  bool lowercase = true;
  bool stripAccents = true;
  std::string unk = "[UNK]";
  std::string prefix = "##";
  int maxInputChars = 200;
};

// google-research/bert BasicTokenizer + WordpieceTokenizer.
class WordPiece {
 public:
  void build(const Vocab& vocab, const WordPieceConfig& config, const std::string& source);
  void encode(std::string_view text, std::vector<int>& out) const;
  const WordPieceConfig& config() const { return config_; }

 private:
  void wordPieces(const std::u32string& word, std::vector<int>& out) const;
  WordPieceConfig config_;
  const Vocab* vocab_ = nullptr;
  int unkId_ = -1;
};

// vocab.txt as google's load_vocab: one token per line (\n, \r\n or \r), stripped of Python white
// space; id = line index (a repeated token keeps its last line). Invalid UTF-8 replaced.
Vocab parseVocabTxt(const std::string& data, const std::string& path, int* lines);

// A JSON object token -> id (vocab.json, tokenizer.json's model.vocab); errors name `field`.
Vocab vocabFromJson(const nlohmann::json& j, const std::string& origin, const std::string& field);

struct AddedToken {
  std::string content;
  int id = -1;
  bool special = true, lstrip = false, rstrip = false, singleWord = false;
};

struct TemplatePiece {
  bool sequence = false;
  int seq = 0;           // 0 = A, 1 = B (sequence pieces)
  std::vector<int> ids;  // special pieces
  int typeId = 0;
};

}  // namespace tok

struct TextTokenizer::Impl {
  TextTokenizerKind kind = TextTokenizerKind::ByteLevelBpe;
  TextTemplateKind templateKind = TextTemplateKind::Gpt2;
  tok::Vocab vocab;                     // the model's vocabulary (added tokens are in `added`)
  std::vector<std::string> idToToken;   // size = vocabSize
  std::vector<char> special;            // per id: 1 for special tokens
  std::vector<char> isAdded;            // per id: 1 for added tokens
  std::unique_ptr<tok::ByteLevelBpe> bpe;
  std::unique_ptr<tok::WordPiece> wordPiece;
  std::vector<tok::AddedToken> added;   // longest content first
  std::vector<tok::TemplatePiece> single, pair;
  TextSpecialTokens specials;
  bool addPrefixSpace = false;
  int modelMaxLength = 0;
  std::string source;

  // idToToken/special from vocab + added; sorts `added`.
  void finish();
  // Ids of one text without the template.
  void encodeText(const std::string& text, bool recognise, std::vector<int>& out) const;
  void encodeSegment(std::string_view text, std::vector<int>& out) const;
  int idOf(const std::string& token) const;  // added tokens first, then the vocabulary; -1
  // Specials found by their usual names (after the vocabulary is known).
  void guessSpecials();
  void setTemplate(TextTemplateKind kind);
};

// Fills `impl` from a tokenizer.json document's text.
void readTokenizerJson(const std::string& text, const std::string& origin,
                       TextTokenizer::Impl& impl);

}  // namespace pd
