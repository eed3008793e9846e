// GPT-2 merges.txt (pd::TextTokenizer::fromBpeFiles) on arbitrary bytes. The vocabulary is made
// to fit: the 256 byte symbols, <|endoftext|>, and for every line's first two space-separated
// fields A, B the tokens A, B and AB (so most merge lines are valid and the BPE loop runs). Then
// the input is encoded with it and decoded.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_util.h"
#include "promptdesk/error.h"
#include "promptdesk/text_tokenizer.h"

namespace {
std::string byteSymbol(int b) {
  // bytes_to_unicode(): printable Latin-1 stands for itself, the rest maps to 256 + n.
  auto self = [](int x) { return (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF); };
  int cp = b;
  if (!self(b)) {
    int n = 0;
    for (int x = 0; x < b; ++x) n += !self(x);
    cp = 256 + n;
  }
  std::string s;
  if (cp < 0x80) {
    s.push_back(char(cp));
  } else {
    s.push_back(char(0xC0 | (cp >> 6)));
    s.push_back(char(0x80 | (cp & 0x3F)));
  }
  return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  nlohmann::json vocab = nlohmann::json::object();
  int next = 0;
  auto add = [&](const std::string& t) {
    if (!vocab.contains(t)) vocab[t] = next++;
  };
  for (int b = 0; b < 256; ++b) add(byteSymbol(b));
  add("<|endoftext|>");
  size_t pos = 0;
  while (pos < bytes.size() && next < 5000) {
    size_t nl = bytes.find('\n', pos);
    if (nl == std::string::npos) nl = bytes.size();
    std::string line = bytes.substr(pos, nl - pos);
    pos = nl + 1;
    size_t sp = line.find(' ');
    if (sp == std::string::npos) continue;
    std::string a = line.substr(0, sp), b = line.substr(sp + 1);
    b = b.substr(0, b.find(' '));
    if (a.empty() || b.empty()) continue;
    try {
      add(a);
      add(b);
      add(a + b);
    } catch (const nlohmann::json::exception&) {  // not UTF-8: left out of the vocabulary
    }
  }
  const std::filesystem::path dir = pd_fuzz::freshDir("merges");
  std::string vocabText;
  try {
    vocabText = vocab.dump();
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  pd_fuzz::writeFile(dir / "vocab.json", vocabText);
  pd_fuzz::writeFile(dir / "merges.txt", bytes);
  try {
    pd::TextTokenizer::BpeOptions o;
    o.addPrefixSpace = size % 2;
    pd::TextTokenizer tok = pd::TextTokenizer::fromBpeFiles((dir / "vocab.json").string(),
                                                            (dir / "merges.txt").string(), o);
    std::vector<int> ids = tok.encode(bytes);
    (void)tok.decode(ids);
  } catch (const pd::Error&) {
  }
  return 0;
}
