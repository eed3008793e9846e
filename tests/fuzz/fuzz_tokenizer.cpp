// CLIP's BPE tokenizer on arbitrary bytes (invalid UTF-8, HTML entities, huge words): encode,
// tokenize with and without truncation, and decode what came out. Uses the installed merges file
// (installers/install-data.sh; PROMPTDESK_DATA may point elsewhere).
#include <cstdint>
#include <cstring>
#include <string>

#include "promptdesk/error.h"
#include "promptdesk/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pd::ClipTokenizer tok = pd::ClipTokenizer::fromDataDir();
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<int> ids = tok.encode(text);  // never throws on bad input (documented)
  (void)tok.decode(ids);
  (void)tok.tokenize(text);
  try {
    (void)tok.tokenize(text, 77, /*truncate=*/false);
  } catch (const pd::Error&) {  // too long: the documented error
  }
  // Ids from the bytes themselves: out-of-range ones must be a pd::Error, not a read past the end.
  std::vector<int> raw;
  for (size_t i = 0; i + 4 <= size && raw.size() < 64; i += 4) {
    int32_t v;
    std::memcpy(&v, data + i, 4);
    raw.push_back(v);
  }
  try {
    (void)tok.decode(raw);
  } catch (const pd::Error&) {
  }
  return 0;
}
