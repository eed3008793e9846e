// Verbalizer JSON (label words, aliases, multi-token mode, aggregation).
#include <cstdint>
#include <string>

#include "promptdesk/error.h"
#include "promptdesk/verbalizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    pd::Verbalizer v = pd::Verbalizer::fromJson(text, "fuzz.json");
    pd::Verbalizer back = pd::Verbalizer::fromJson(v.toJson(), "fuzz-roundtrip.json");
    for (const auto& c : back.classes()) {
      (void)back.promptName(c);
      if (back.hasLabelWords(c)) (void)back.labelWords(c);
    }
  } catch (const pd::Error&) {
  }
  return 0;
}
