// BERT vocab.txt (pd::TextTokenizer::fromVocabTxt) on arbitrary bytes: the file is the input after
// the five special tokens (so most inputs load), then the input is encoded with it as text. Byte 0
// picks the options (cased/uncased, accents, CJK, max_input_chars_per_word). Also the bare input as
// a vocabulary (usually refused: no [UNK]).
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "promptdesk/error.h"
#include "promptdesk/text_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const std::filesystem::path dir = pd_fuzz::freshDir("vocab_txt");
  const std::string path = (dir / "vocab.txt").string();
  pd::TextTokenizer::WordPieceOptions o;
  const unsigned flags = size ? data[0] : 0;
  o.lowercase = flags & 1;
  o.stripAccents = (flags >> 1) % 3 - 1;
  o.tokenizeChineseChars = flags & 8;
  o.maxInputCharsPerWord = 1 + int(flags >> 4) * 13;
  for (bool withSpecials : {true, false}) {
    pd_fuzz::writeFile(dir / "vocab.txt",
                       (withSpecials ? "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n" : "") + bytes);
    try {
      pd::TextTokenizer tok = pd::TextTokenizer::fromVocabTxt(path, o);
      pd::TextEncoding e = tok.encode(bytes, pd::TextEncodeOptions());
      (void)tok.decode(e.ids);
      (void)tok.encode(bytes, true);
    } catch (const pd::Error&) {
    }
  }
  return 0;
}
