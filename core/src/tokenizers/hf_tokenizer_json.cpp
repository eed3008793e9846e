// Hugging Face tokenizers' `tokenizer.json` (the "fast tokenizer" file) for the two models
// PromptDesk implements: BPE with the ByteLevel pre-tokenizer (GPT-2, RoBERTa) and WordPiece with
// BertNormalizer + BertPreTokenizer (BERT). Whatever else the file describes is refused by name.
#include <nlohmann/json.hpp>

#include "io/json_limits.h"
#include "promptdesk/error.h"
#include "tokenizers/text_tokenizer_impl.h"

namespace pd {

namespace tok {
Vocab vocabFromJson(const nlohmann::json& j, const std::string& origin, const std::string& field) {
  if (!j.is_object())
    throw Error((field.empty() ? std::string() : field + ": ") + "expected a JSON object token -> id",
                origin);
  Vocab vocab;
  vocab.reserve(j.size());
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string where = (field.empty() ? std::string() : field + ".") + "\"" + it.key() + "\"";
    if (!it.value().is_number_integer()) throw Error(where + ": token id is not an integer", origin);
    long long id = it.value().get<long long>();
    if (id < 0 || id > 10000000) throw Error(where + ": token id out of range", origin);
    vocab[it.key()] = int(id);
  }
  return vocab;
}
}  // namespace tok

namespace {
using nlohmann::json;

struct Reader {
  const std::string& origin;

  [[noreturn]] void fail(const std::string& message) const { throw Error(message, origin); }

  // The member `key` of `obj`, or nullptr when absent or null.
  static const json* member(const json& obj, const char* key) {
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
  }
  bool flag(const json& obj, const char* key, bool fallback, const std::string& field) const {
    const json* v = member(obj, key);
    if (!v) return fallback;
    if (!v->is_boolean()) fail(field + "." + key + " is not true/false");
    return v->get<bool>();
  }
  std::string text(const json& obj, const char* key, const std::string& fallback,
                   const std::string& field) const {
    const json* v = member(obj, key);
    if (!v) return fallback;
    if (!v->is_string()) fail(field + "." + key + " is not a string");
    return v->get<std::string>();
  }
  int integer(const json& v, const std::string& field) const {
    if (!v.is_number_integer()) fail(field + " is not an integer");
    long long x = v.get<long long>();
    if (x < 0 || x > 10000000) fail(field + " is out of range");
    return int(x);
  }
  std::string typeOf(const json& obj, const std::string& field) const {
    if (!obj.is_object()) fail(field + " is not an object");
    const json* t = member(obj, "type");
    if (!t || !t->is_string()) fail(field + ".type is missing");
    return t->get<std::string>();
  }
  // The parts of a "Sequence" (key "normalizers", "pretokenizers" or "processors"), else obj.
  std::vector<const json*> parts(const json& obj, const char* listKey,
                                 const std::string& field) const {
    std::vector<const json*> out;
    if (typeOf(obj, field) != "Sequence") {
      out.push_back(&obj);
      return out;
    }
    const json* list = member(obj, listKey);
    if (!list || !list->is_array()) fail(field + "." + listKey + " is not a list");
    for (const auto& p : *list) {
      for (const json* q : parts(p, listKey, field)) out.push_back(q);
    }
    return out;
  }
};

void readNormalizer(const Reader& r, const json* n, TextTokenizer::Impl& impl,
                    tok::WordPieceConfig& c) {
  c.cleanText = c.chineseChars = c.lowercase = c.stripAccents = false;
  if (!n) return;
  bool nfd = false;
  for (const json* p : r.parts(*n, "normalizers", "normalizer")) {
    const std::string type = r.typeOf(*p, "normalizer");
    if (impl.kind == TextTokenizerKind::ByteLevelBpe)
      r.fail("normalizer type '" + type + "' is not supported for a BPE model");
    if (type == "BertNormalizer") {
      c.cleanText = r.flag(*p, "clean_text", true, "normalizer");
      c.chineseChars = r.flag(*p, "handle_chinese_chars", true, "normalizer");
      c.lowercase = r.flag(*p, "lowercase", true, "normalizer");
      c.stripAccents = r.flag(*p, "strip_accents", c.lowercase, "normalizer");
    } else if (type == "Lowercase") {
      c.lowercase = true;
    } else if (type == "StripAccents") {
      c.stripAccents = true;
    } else if (type == "NFD") {
      nfd = true;
    } else {
      r.fail("normalizer type '" + type + "' is not supported");
    }
  }
  if (nfd && !c.stripAccents) r.fail("normalizer type 'NFD' without StripAccents is not supported");
}

void readPreTokenizer(const Reader& r, const json* p, TextTokenizer::Impl& impl) {
  const bool bpe = impl.kind == TextTokenizerKind::ByteLevelBpe;
  if (!p)
    r.fail(std::string("pre_tokenizer is missing: a ") +
           (bpe ? "BPE model needs ByteLevel" : "WordPiece model needs BertPreTokenizer"));
  bool seen = false;
  for (const json* q : r.parts(*p, "pretokenizers", "pre_tokenizer")) {
    const std::string type = r.typeOf(*q, "pre_tokenizer");
    if (bpe && type == "ByteLevel") {
      impl.addPrefixSpace = r.flag(*q, "add_prefix_space", true, "pre_tokenizer");
      if (!r.flag(*q, "use_regex", true, "pre_tokenizer"))
        r.fail("pre_tokenizer ByteLevel with use_regex false is not supported");
    } else if (!bpe && type == "BertPreTokenizer") {
    } else {
      r.fail("pre_tokenizer type '" + type + "' is not supported for a " +
             (bpe ? "BPE" : "WordPiece") + " model");
    }
    if (seen) r.fail("pre_tokenizer: more than one pre-tokenizer is not supported");
    seen = true;
  }
  if (!seen) r.fail("pre_tokenizer: empty Sequence");
}

// ["</s>", 2] of RobertaProcessing / BertProcessing.
int tokenPairId(const Reader& r, const json& obj, const char* key) {
  const json* v = Reader::member(obj, key);
  if (!v || !v->is_array() || v->size() != 2 || !(*v)[0].is_string())
    r.fail(std::string("post_processor.") + key + " is not [token, id]");
  return r.integer((*v)[1], std::string("post_processor.") + key + "[1]");
}

std::vector<tok::TemplatePiece> readTemplate(const Reader& r, const json& proc, const char* key,
                                             const json& specials) {
  const std::string field = std::string("post_processor.") + key;
  const json* list = Reader::member(proc, key);
  if (!list || !list->is_array()) r.fail(field + " is not a list");
  std::vector<tok::TemplatePiece> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    const std::string where = field + "[" + std::to_string(i) + "]";
    tok::TemplatePiece piece;
    const json* body = nullptr;
    if (item.is_object() && (body = Reader::member(item, "Sequence"))) {
      piece.sequence = true;
      std::string id = r.text(*body, "id", "A", where + ".Sequence");
      if (id != "A" && id != "B") r.fail(where + ".Sequence.id is neither A nor B");
      piece.seq = id == "A" ? 0 : 1;
    } else if (item.is_object() && (body = Reader::member(item, "SpecialToken"))) {
      std::string id = r.text(*body, "id", "", where + ".SpecialToken");
      const json* sp = specials.is_object() ? Reader::member(specials, id.c_str()) : nullptr;
      const json* ids = sp && sp->is_object() ? Reader::member(*sp, "ids") : nullptr;
      if (!ids || !ids->is_array())
        r.fail(where + ": special token '" + id + "' is not in post_processor.special_tokens");
      for (size_t k = 0; k < ids->size(); ++k)
        piece.ids.push_back(r.integer((*ids)[k], "post_processor.special_tokens." + id + ".ids"));
    } else {
      r.fail(where + " is neither a Sequence nor a SpecialToken");
    }
    const json* type = Reader::member(*body, "type_id");
    piece.typeId = type ? r.integer(*type, where + ".type_id") : 0;
    out.push_back(std::move(piece));
  }
  return out;
}

bool samePieces(const std::vector<tok::TemplatePiece>& x, const std::vector<tok::TemplatePiece>& y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i].sequence != y[i].sequence || x[i].seq != y[i].seq || x[i].ids != y[i].ids ||
        x[i].typeId != y[i].typeId)
      return false;
  return true;
}

void readPostProcessor(const Reader& r, const json* p, TextTokenizer::Impl& impl) {
  impl.setTemplate(TextTemplateKind::Gpt2);
  if (!p) return;
  const json* chosen = nullptr;
  for (const json* q : r.parts(*p, "processors", "post_processor")) {
    const std::string type = r.typeOf(*q, "post_processor");
    if (type == "ByteLevel") continue;  // offsets only
    if (type != "RobertaProcessing" && type != "BertProcessing" && type != "TemplateProcessing")
      r.fail("post_processor type '" + type + "' is not supported");
    if (chosen) r.fail("post_processor: more than one template is not supported");
    chosen = q;
  }
  if (!chosen) return;
  const std::string type = r.typeOf(*chosen, "post_processor");
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    impl.specials.cls = tokenPairId(r, *chosen, "cls");
    impl.specials.sep = tokenPairId(r, *chosen, "sep");
    impl.setTemplate(type == "BertProcessing" ? TextTemplateKind::Bert : TextTemplateKind::Roberta);
    return;
  }
  const json* specials = Reader::member(*chosen, "special_tokens");
  const json none = json::object();
  auto single = readTemplate(r, *chosen, "single", specials ? *specials : none);
  auto pair = readTemplate(r, *chosen, "pair", specials ? *specials : none);
  for (const auto* t : {&single, &pair}) {
    bool a = false;
    for (const auto& piece : *t) a |= piece.sequence && piece.seq == 0;
    if (!a) r.fail("post_processor: a template without the sequence A is not supported");
  }
  // A template that spells BERT's or RoBERTa's layout is reported as such.
  const TextSpecialTokens saved = impl.specials;
  for (TextTemplateKind k : {TextTemplateKind::Bert, TextTemplateKind::Roberta}) {
    if (!single.empty() && !single.front().sequence && single.front().ids.size() == 1 &&
        !single.back().sequence && single.back().ids.size() == 1) {
      impl.specials.cls = single.front().ids[0];
      impl.specials.sep = single.back().ids[0];
      impl.setTemplate(k);
      if (samePieces(impl.single, single) && samePieces(impl.pair, pair)) return;
    }
    impl.specials = saved;
  }
  impl.templateKind = TextTemplateKind::Template;
  impl.single = std::move(single);
  impl.pair = std::move(pair);
}

void readAddedTokens(const Reader& r, const json* list, TextTokenizer::Impl& impl) {
  if (!list) return;
  if (!list->is_array()) r.fail("added_tokens is not a list");
  for (size_t i = 0; i < list->size(); ++i) {
    const json& t = (*list)[i];
    const std::string where = "added_tokens[" + std::to_string(i) + "]";
    if (!t.is_object()) r.fail(where + " is not an object");
    tok::AddedToken a;
    const json* id = Reader::member(t, "id");
    if (!id) r.fail(where + ".id is missing");
    a.id = r.integer(*id, where + ".id");
    a.content = r.text(t, "content", "", where);
    if (a.content.empty()) r.fail(where + ".content is missing or empty");
    a.special = r.flag(t, "special", false, where);
    a.lstrip = r.flag(t, "lstrip", false, where);
    a.rstrip = r.flag(t, "rstrip", false, where);
    a.singleWord = r.flag(t, "single_word", false, where);
    impl.added.push_back(std::move(a));
  }
}

tok::MergeList readMerges(const Reader& r, const json& model) {
  const json* list = Reader::member(model, "merges");
  if (!list || !list->is_array()) r.fail("model.merges is not a list");
  tok::MergeList merges;
  merges.reserve(list->size());
  for (size_t i = 0; i < list->size(); ++i) {
    const json& m = (*list)[i];
    const std::string where = "model.merges[" + std::to_string(i) + "]";
    if (m.is_string()) {
      const std::string s = m.get<std::string>();
      size_t sp = s.find(' ');
      if (sp == std::string::npos || sp == 0 || sp + 1 >= s.size() ||
          s.find(' ', sp + 1) != std::string::npos)
        r.fail(where + ": expected \"A B\", got \"" + s.substr(0, 80) + "\"");
      merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    } else {
      r.fail(where + ": expected \"A B\" or [\"A\", \"B\"]");
    }
  }
  return merges;
}
}  // namespace

void readTokenizerJson(const std::string& text, const std::string& origin,
                       TextTokenizer::Impl& impl) {
  const json j = io::parseJsonLimited(text, origin);
  const Reader r{origin};
  if (!j.is_object()) r.fail("expected a JSON object");
  const json* model = Reader::member(j, "model");
  if (!model || !model->is_object()) r.fail("model is missing");
  std::string type;
  if (const json* t = Reader::member(*model, "type")) {
    if (!t->is_string()) r.fail("model.type is not a string");
    type = t->get<std::string>();
  } else {
    type = model->contains("merges") ? "BPE" : "WordPiece";
  }
  const json* vocab = Reader::member(*model, "vocab");
  if (type != "BPE" && type != "WordPiece") r.fail("model type '" + type + "' is not supported");
  if (!vocab) r.fail("model.vocab is missing");
  impl.vocab = tok::vocabFromJson(*vocab, origin, "model.vocab");
  impl.kind = type == "BPE" ? TextTokenizerKind::ByteLevelBpe : TextTokenizerKind::WordPiece;

  tok::WordPieceConfig wp;
  readNormalizer(r, Reader::member(j, "normalizer"), impl, wp);
  readPreTokenizer(r, Reader::member(j, "pre_tokenizer"), impl);
  readAddedTokens(r, Reader::member(j, "added_tokens"), impl);

  if (impl.kind == TextTokenizerKind::ByteLevelBpe) {
    if (Reader::member(*model, "dropout")) r.fail("model.dropout is not supported");
    if (r.flag(*model, "byte_fallback", false, "model")) r.fail("model.byte_fallback is not supported");
    if (!r.text(*model, "continuing_subword_prefix", "", "model").empty())
      r.fail("model.continuing_subword_prefix is not supported for a byte-level BPE");
    if (!r.text(*model, "end_of_word_suffix", "", "model").empty())
      r.fail("model.end_of_word_suffix is not supported for a byte-level BPE");
    const bool ignoreMerges = r.flag(*model, "ignore_merges", false, "model");
    auto merges = readMerges(r, *model);
    impl.bpe = std::make_unique<tok::ByteLevelBpe>();
    impl.bpe->build(impl.vocab, merges, origin, ignoreMerges);
  } else {
    wp.unk = r.text(*model, "unk_token", "[UNK]", "model");
    wp.prefix = r.text(*model, "continuing_subword_prefix", "##", "model");
    if (const json* m = Reader::member(*model, "max_input_chars_per_word"))
      wp.maxInputChars = r.integer(*m, "model.max_input_chars_per_word");
    else
      wp.maxInputChars = 100;
    impl.wordPiece = std::make_unique<tok::WordPiece>();
    impl.wordPiece->build(impl.vocab, wp, origin);
  }
  impl.guessSpecials();
  if (impl.wordPiece) impl.specials.unk = impl.idOf(wp.unk);
  readPostProcessor(r, Reader::member(j, "post_processor"), impl);
}

}  // namespace pd
