// Hugging Face tokenizer.json (pd::TextTokenizer::fromTokenizerJsonText) on arbitrary bytes; when
// a file is accepted, the tokenizer encodes (single, pair, truncated, padded, special tokens
// recognised) and decodes a text taken from the input.
#include <cstdint>
#include <string>

#include "promptdesk/error.h"
#include "promptdesk/text_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    pd::TextTokenizer tok = pd::TextTokenizer::fromTokenizerJsonText(bytes, "tokenizer.json");
    const std::string text = bytes.substr(0, 256);
    std::vector<int> ids = tok.encode(text, size % 2 == 0);
    (void)tok.decode(ids);
    (void)tok.decode(ids, true);
    pd::TextEncodeOptions o;
    o.recogniseSpecialTokens = size % 3 == 0;
    o.maxLength = int(size % 17);
    o.pad = size % 5 == 0;
    o.paddingSide = size % 7 == 0 ? pd::PaddingSide::Left : pd::PaddingSide::Right;
    try {
      pd::TextEncoding e = tok.encodePair(text, bytes.substr(size / 2, 64), o);
      (void)tok.decode(e.ids);
    } catch (const pd::Error&) {  // too short to truncate, no pad token: documented errors
    }
    for (int id : {0, tok.vocabSize() - 1}) {
      if (id >= 0) (void)tok.idToToken(id);
    }
    (void)tok.singleTokenId(text.substr(0, 8));
  } catch (const pd::Error&) {
  }
  return 0;
}
