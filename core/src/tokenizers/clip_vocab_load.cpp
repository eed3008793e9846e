// Loading pd::ClipTokenizer vocabularies: OpenAI's merges file and Hugging Face folders.
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "io/json_limits.h"
#include "promptdesk/error.h"
#include "promptdesk/paths.h"
#include "promptdesk/tokenizer.h"
#include "tokenizers/clip_bpe.h"
#include "tokenizers/text_clean.h"

namespace pd {

namespace {
constexpr size_t kMergeCount = 49152 - 256 - 2;  // 48894 merge lines after the header

// Whole file, gunzipped when it is gzip (zlib reads plain files unchanged).
std::string readMaybeGz(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw Error("file not found", path);
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error("cannot open file", path);
  std::string data;
  char buf[1 << 16];
  for (;;) {
    int n = gzread(f, buf, sizeof(buf));
    if (n < 0) {
      int code = 0;
      std::string msg = gzerror(f, &code);
      gzclose(f);
      throw Error("read error: " + msg, path);
    }
    if (n == 0) break;
    data.append(buf, size_t(n));
  }
  gzclose(f);
  return data;
}

// Lines 1..kMergeCount after the "#version" header line; malformed lines name path:line.
tok::MergeList parseMerges(const std::string& data, const std::string& path, bool requireAll) {
  tok::MergesFormat format;
  format.headerAlways = true;
  format.maxMerges = kMergeCount;
  format.requireMax = requireAll;
  return tok::parseMergesText(data, path, format);
}
}  // namespace

ClipTokenizer ClipTokenizer::fromMergesFile(const std::string& path) {
  if (!std::filesystem::exists(path))
    throw Error(
        "CLIP vocabulary (BPE merges) not found; run installers/install-data.sh to install it",
        path);
  auto merges = parseMerges(readMaybeGz(path), path, true);
  // vocab = bytes, bytes + "</w>", merges joined, the two special tokens (later entries win).
  std::unordered_map<std::string, int> encoder;
  std::vector<std::string> vocab;
  vocab.reserve(kMergeCount + 514);
  // The reference's order: bytes that stand for themselves first, then the remapped ones.
  std::vector<int> order;
  for (int b = 0; b < 256; ++b)
    if (byteToUnicode(b) == char32_t(b)) order.push_back(b);
  for (int b = 0; b < 256; ++b)
    if (byteToUnicode(b) != char32_t(b)) order.push_back(b);
  for (int b : order) {
    std::string s;
    tok::appendUtf8(s, byteToUnicode(b));
    vocab.push_back(s);
  }
  for (size_t i = 0; i < 256; ++i) vocab.push_back(vocab[i] + "</w>");
  for (const auto& [a, b] : merges) vocab.push_back(a + b);
  vocab.emplace_back("<|startoftext|>");
  vocab.emplace_back("<|endoftext|>");
  for (size_t i = 0; i < vocab.size(); ++i) encoder[vocab[i]] = int(i);
  auto impl = std::make_shared<Impl>();
  impl->build(std::move(encoder), merges, path);
  return ClipTokenizer(std::move(impl));
}

ClipTokenizer ClipTokenizer::fromDataDir() {
  std::string txt = dataPath("vocab/bpe_simple_vocab_16e6.txt");
  if (!std::filesystem::exists(txt) && std::filesystem::exists(txt + ".gz"))
    return fromMergesFile(txt + ".gz");
  return fromMergesFile(txt);
}

ClipTokenizer ClipTokenizer::fromHfFolder(const std::string& dir) {
  namespace fs = std::filesystem;
  std::string vocabPath = (fs::path(dir) / "vocab.json").string();
  std::string mergesPath = (fs::path(dir) / "merges.txt").string();
  if (!fs::exists(vocabPath)) throw Error("Hugging Face tokenizer file vocab.json not found", dir);
  if (!fs::exists(mergesPath)) throw Error("Hugging Face tokenizer file merges.txt not found", dir);
  tok::Vocab encoder = tok::parseVocabJson(io::readJsonFileText(vocabPath), vocabPath);
  auto merges = parseMerges(readMaybeGz(mergesPath), mergesPath, false);
  auto impl = std::make_shared<Impl>();
  impl->build(std::move(encoder), merges, dir);
  return ClipTokenizer(std::move(impl));
}

}  // namespace pd
