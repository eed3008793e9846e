// WordNet database files (data/wordnet.h): byte 0 picks the file kind and part of speech
// (bit 0: index instead of data; bits 1-2: noun, verb, adj, adv), the rest is the file. Parsed as
// text, then written as that file of a folder (the other seven empty) and loaded with
// WordNet::load, every look-up and pointer followed.
#include <cstdint>
#include <string>

#include "data/wordnet.h"
#include "fuzz_util.h"
#include "promptdesk/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  using pd::data::WnPos;
  static const std::filesystem::path dir = pd_fuzz::freshDir("wordnet");
  const bool index = (data[0] & 0x01) != 0;
  const WnPos pos = static_cast<WnPos>((data[0] >> 1) & 0x03);
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    if (index) {
      for (const auto& e : pd::data::parseWnIndex(text, "fuzz.index", pos))
        if (e.offsets.empty() && e.lemma.empty()) __builtin_trap();  // a lemma is a field
    } else {
      for (const auto& s : pd::data::parseWnData(text, "fuzz.data", pos)) {
        if (s.words.empty() || s.words.size() != s.markers.size()) __builtin_trap();
        (void)s.lexname();
        (void)s.hypernyms();
      }
    }
  } catch (const pd::Error&) {
  }
  const char* names[] = {"noun", "verb", "adj", "adv"};
  for (const char* n : names) {
    pd_fuzz::writeFile(dir / (std::string("data.") + n), std::string());
    pd_fuzz::writeFile(dir / (std::string("index.") + n), std::string());
  }
  const std::string file = std::string(index ? "index." : "data.") + names[static_cast<int>(pos)];
  pd_fuzz::writeFile(dir / file, data + 1, size - 1);
  try {
    const pd::data::WordNet wn = pd::data::WordNet::load(dir.string());
    for (WnPos p : {WnPos::Noun, WnPos::Verb, WnPos::Adj, WnPos::Adv}) {
      for (const auto& e : wn.index(p))
        for (const auto* s : wn.synsetsOf(e.lemma, p))
          if (!s) __builtin_trap();
      for (const auto& s : wn.synsets(p))
        for (const auto& ptr : s.pointers) (void)wn.resolve(ptr);
    }
  } catch (const pd::Error&) {
  }
  return 0;
}
