// pd::ClipTokenizer: OpenAI's simple_tokenizer.py BPE on token ids, with a per-word cache.
#include "promptdesk/error.h"
#include "promptdesk/tokenizer.h"
#include "tokenizers/clip_bpe.h"
#include "tokenizers/text_clean.h"

namespace pd {

namespace {
constexpr const char* kPattern =
    R"(<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+)";
}  // namespace

ClipTokenizer::Impl::Impl() : re(kPattern, /*caseless=*/true, "ClipTokenizer") {}

void ClipTokenizer::Impl::build(std::unordered_map<std::string, int> encoder,
                                const std::vector<std::pair<std::string, std::string>>& mergeList,
                                const std::string& source) {
  vocab = 0;
  for (const auto& [tok, id] : encoder) {
    if (id < 0) throw Error("negative token id for '" + tok + "'", source);
    vocab = std::max(vocab, id + 1);
  }
  idToBytes = tok::tokenBytes(encoder, vocab);
  for (int b = 0; b < 256; ++b) {
    std::string ch;
    tok::appendUtf8(ch, byteToUnicode(b));
    auto a = encoder.find(ch), e = encoder.find(ch + "</w>");
    if (a == encoder.end() || e == encoder.end())
      throw Error("vocabulary lacks the byte symbol for byte " + std::to_string(b), source);
    byteId[b] = a->second;
    byteEndId[b] = e->second;
  }
  merges.build(encoder, mergeList, source);
  for (const char* s : {"<|startoftext|>", "<|endoftext|>"}) {
    auto it = encoder.find(s);
    if (it == encoder.end()) throw Error(std::string("vocabulary lacks ") + s, source);
    specials[s] = it->second;
  }
  sot = specials["<|startoftext|>"];
  eot = specials["<|endoftext|>"];
}

void ClipTokenizer::Impl::bpeWord(const std::string& word, std::vector<int>& out) const {
  if (merges.cached(word, out)) return;
  std::vector<int> sym;
  sym.reserve(word.size());
  for (size_t i = 0; i < word.size(); ++i) {
    auto b = static_cast<unsigned char>(word[i]);
    sym.push_back(i + 1 == word.size() ? byteEndId[b] : byteId[b]);
  }
  merges.apply(word, std::move(sym), out);
}

void ClipTokenizer::Impl::encodeInto(const std::string& text, std::vector<int>& out) const {
  const std::string clean = tok::clipClean(text);
  re.forEach(clean, [&](std::string_view piece) {
    std::string token(piece);
    auto sp = specials.find(token);
    if (sp != specials.end()) {
      out.push_back(sp->second);
    } else {
      bpeWord(token, out);
    }
  });
}

ClipTokenizer::ClipTokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

std::vector<int> ClipTokenizer::encode(const std::string& text) const {
  std::vector<int> out;
  impl_->encodeInto(text, out);
  return out;
}

std::vector<int> ClipTokenizer::tokenizeUnpadded(const std::string& text, int contextLength,
                                                 bool truncate) const {
  if (contextLength < 2)
    throw Error("context length must be at least 2, got " + std::to_string(contextLength),
                "ClipTokenizer");
  std::vector<int> ids;
  ids.reserve(size_t(contextLength));
  ids.push_back(impl_->sot);
  impl_->encodeInto(text, ids);
  ids.push_back(impl_->eot);
  if (ids.size() > size_t(contextLength)) {
    if (!truncate)
      throw Error("text is too long for context length " + std::to_string(contextLength) + " (" +
                      std::to_string(ids.size()) + " tokens)",
                  "ClipTokenizer");
    ids.resize(size_t(contextLength));
    ids.back() = impl_->eot;
  }
  return ids;
}

std::vector<int> ClipTokenizer::tokenize(const std::string& text, int contextLength,
                                         bool truncate) const {
  std::vector<int> ids = tokenizeUnpadded(text, contextLength, truncate);
  ids.resize(size_t(contextLength), 0);
  return ids;
}

std::string ClipTokenizer::decode(const std::vector<int>& ids) const {
  std::string bytes;
  for (size_t i = 0; i < ids.size(); ++i) {
    int id = ids[i];
    if (id < 0 || id >= impl_->vocab)
      throw Error("token id " + std::to_string(id) + " is outside the vocabulary (size " +
                      std::to_string(impl_->vocab) + ")",
                  "decode: position " + std::to_string(i));
    bytes += impl_->idToBytes[size_t(id)];
  }
  std::string text = tok::sanitizeUtf8(bytes);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 4, "</w>") == 0) {
      out.push_back(' ');
      i += 4;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

int ClipTokenizer::vocabSize() const { return impl_->vocab; }
int ClipTokenizer::startOfTextId() const { return impl_->sot; }
int ClipTokenizer::endOfTextId() const { return impl_->eot; }

}  // namespace pd
