#pragma once
// Tokenizers of the text models (torch-free, Qt-free public API):
//
// * GPT-2 / RoBERTa byte-level BPE (`vocab.json` + `merges.txt`), exactly OpenAI's gpt-2
//   `src/encoder.py`: the pre-tokenisation pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   with Python `regex` semantics (`\s` = Unicode White_Space: U+0085 included, U+FEFF and
//   U+180E not), bytes mapped through bytes_to_unicode(), rank-ordered merges. Decoding joins the
//   tokens' bytes and decodes them as UTF-8 with errors replaced (one U+FFFD per maximal invalid
//   subsequence, as Python's bytes.decode(errors="replace")).
// * BERT WordPiece (`vocab.txt`), exactly google-research/bert `FullTokenizer`: clean text (NUL,
//   U+FFFD and Cc/Cf controls other than \t\n\r dropped; \t\n\r and Zs become a space), a space
//   around CJK ideographs, split on Python str.split() white space; when lower-casing: Python
//   str.lower() per word (SpecialCasing: U+0130, final sigma) then NFD and Mn marks dropped; split
//   on punctuation (ASCII non-alphanumerics and Unicode P*); greedy longest-match-first with "##"
//   continuations; a word with no segmentation, or longer than max_input_chars_per_word code points
//   (200 as google; Hugging Face uses 100: a tokenizer.json says which), is [UNK].
// * A Hugging Face `tokenizer.json` describing either of those (BPE model with the ByteLevel
//   pre-tokenizer, or WordPiece with BertNormalizer/BertPreTokenizer), its post-processor
//   (TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel) and added tokens. Anything
//   else is refused with a pd::Error naming the part, e.g.
//   "tokenizer.json: normalizer type 'Precompiled' is not supported".
//
// Input text is UTF-8; invalid sequences are replaced by U+FFFD first (for BERT, U+FFFD is then
// dropped, as google's "ignore" decoding). Encoding never throws on bad text. Unicode character
// properties come from utf8proc and PCRE2 (assigned characters of Unicode 13/14 agree with
// Python 3.11).
//
// Special tokens written literally in the text ("<mask>", "[MASK]", "<|endoftext|>") are plain
// text by default, as the reference tokenizers do (google splits "[MASK]" into "[", "mask", "]").
// With `recogniseSpecialTokens` they are kept whole as Hugging Face does: the text is cut at every
// added/special token (longest first), honouring their lstrip/rstrip/single_word flags (RoBERTa's
// <mask> swallows the white space before it), and each piece is tokenized on its own.
#include <memory>
#include <string>
#include <vector>

namespace pd {

enum class TextTokenizerKind { ByteLevelBpe, WordPiece };
// Which special tokens frame a sequence (the post-processor).
//   Gpt2:    A            | A B                        (no special tokens)
//   Roberta: <s> A </s>   | <s> A </s> </s> B </s>     (type ids all 0)
//   Bert:    [CLS] A [SEP] | [CLS] A [SEP] B [SEP]     (type ids 0 for A and its specials, 1 for B [SEP])
//   Template: a tokenizer.json TemplateProcessing (any layout).
enum class TextTemplateKind { Gpt2, Roberta, Bert, Template };
enum class TruncationStrategy { LongestFirst, OnlyFirst, OnlySecond };
enum class PaddingSide { Right, Left };

struct TextEncodeOptions {
  bool addSpecialTokens = true;           // frame with the post-processor's special tokens
  bool recogniseSpecialTokens = false;    // literal special/added tokens in the text kept whole
  // > 0: the total length (special tokens included) is cut to this. Pairs follow the strategy;
  // LongestFirst is Hugging Face tokenizers' rule (the shorter sequence keeps its length when it
  // fits in half, else both are cut to half, the second keeping the odd one). A sequence that
  // cannot give enough (OnlyFirst/OnlySecond, or maxLength below the special tokens) is a pd::Error.
  int maxLength = 0;
  TruncationStrategy truncation = TruncationStrategy::LongestFirst;
  bool pad = false;                       // pad to maxLength (needs maxLength > 0 and a pad token)
  PaddingSide paddingSide = PaddingSide::Right;
};

struct TextEncoding {
  std::vector<int> ids;
  std::vector<int> typeIds;            // token_type_ids (0 on padding)
  std::vector<int> attentionMask;      // 1 = real token, 0 = padding
  std::vector<int> specialTokensMask;  // 1 = special token or padding
  std::vector<std::string> tokens;     // vocabulary strings ("Ġhello", "##ing", "[CLS]")
};

// Ids of the special tokens, -1 where the tokenizer has none.
struct TextSpecialTokens {
  int bos = -1, eos = -1, unk = -1, sep = -1, cls = -1, pad = -1, mask = -1;
};

class TextTokenizer {
 public:
  // A folder or a name. Folder: tokenizer.json if present, else vocab.json + merges.txt (byte-level
  // BPE; RoBERTa when the vocabulary has <s>, </s> and <mask>, else GPT-2), else vocab.txt
  // (WordPiece); tokenizer_config.json / special_tokens_map.json / config.json supply
  // do_lower_case, add_prefix_space, tokenize_chinese_chars, strip_accents, special token names and
  // model_max_length where present. Names: "gpt2" and "bert-base-uncased" (the vocabularies
  // installed by installers/install-data.sh under dataPath("vocab/...")).
  static TextTokenizer load(const std::string& folderOrName);
  static TextTokenizer fromFolder(const std::string& dir);
  static TextTokenizer fromName(const std::string& name);  // pd::Error for an unknown name
  static std::vector<std::string> knownNames();            // {"gpt2", "bert-base-uncased"}

  struct BpeOptions {
    bool roberta = false;         // RoBERTa specials/template (else GPT-2: none)
    bool addPrefixSpace = false;  // a space before text that does not start with one
    int modelMaxLength = 0;
  };
  static TextTokenizer fromBpeFiles(const std::string& vocabJson, const std::string& mergesTxt,
                                    const BpeOptions& options);
  struct WordPieceOptions {
    bool lowercase = true;        // uncased: str.lower(); accents stripped too (unless stripAccents says)
    int stripAccents = -1;        // -1 = as lowercase, 0 = no, 1 = yes
    bool tokenizeChineseChars = true;
    int maxInputCharsPerWord = 200;
    int modelMaxLength = 0;
  };
  // Needs [UNK], [CLS], [SEP] and [MASK] in the vocabulary (pd::Error naming the file otherwise).
  static TextTokenizer fromVocabTxt(const std::string& vocabTxt, const WordPieceOptions& options);
  // A Hugging Face tokenizer.json (pd::Error naming the file and the field for what is
  // malformed or not supported).
  static TextTokenizer fromTokenizerJson(const std::string& path);
  // The same from the file's text (`origin` names it in errors).
  static TextTokenizer fromTokenizerJsonText(const std::string& json, const std::string& origin);

  TextTokenizerKind kind() const;
  TextTemplateKind templateKind() const;
  std::string describe() const;  // e.g. "byte-level BPE (RoBERTa), 50265 tokens"

  // Token ids of `text` without special tokens around it.
  std::vector<int> encode(const std::string& text, bool recogniseSpecialTokens = false) const;
  // Token strings of `text` (no special tokens around it).
  std::vector<std::string> tokenize(const std::string& text,
                                    bool recogniseSpecialTokens = false) const;
  // With special tokens, truncation, padding; `pair` adds text_b.
  TextEncoding encode(const std::string& text, const TextEncodeOptions& options) const;
  TextEncoding encodePair(const std::string& textA, const std::string& textB,
                          const TextEncodeOptions& options) const;
  // Frames already tokenized ids (no re-tokenisation) with the special tokens, truncation and
  // padding of `options` (recogniseSpecialTokens is ignored). `b` null for a single sequence.
  TextEncoding frame(std::vector<int> a, const std::vector<int>* b,
                     const TextEncodeOptions& options) const;

  // BPE: the bytes of the tokens decoded as UTF-8 (errors replaced). WordPiece: tokens joined by
  // spaces with "##" continuations glued on (no clean-up of spaces before punctuation).
  // An id outside the vocabulary is a pd::Error naming its position.
  std::string decode(const std::vector<int>& ids, bool skipSpecialTokens = false) const;

  int vocabSize() const;                    // largest id + 1 (added tokens included)
  std::string idToToken(int id) const;      // vocabulary string; "" for an unused id; pd::Error out of range
  int tokenToId(const std::string& token) const;  // -1 when not in the vocabulary
  // The id when `word` encodes to exactly one token (no special tokens), else -1. BPE: a word
  // inside a sentence carries its leading space (" great"); WordPiece: lower-cased as usual.
  int singleTokenId(const std::string& word) const;
  const TextSpecialTokens& specialTokens() const;
  int maskId() const { return specialTokens().mask; }
  int clsId() const { return specialTokens().cls; }
  int sepId() const { return specialTokens().sep; }
  int bosId() const { return specialTokens().bos; }
  int eosId() const { return specialTokens().eos; }
  int padId() const { return specialTokens().pad; }
  int unkId() const { return specialTokens().unk; }
  bool isSpecialId(int id) const;
  // Number of special tokens the post-processor adds (single: pair=false).
  int numSpecialTokens(bool pair) const;
  int modelMaxLength() const;  // 0 when unknown
  bool addPrefixSpace() const;
  bool lowercases() const;     // WordPiece lower-cases (uncased)

  struct Impl;

 private:
  explicit TextTokenizer(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

}  // namespace pd
