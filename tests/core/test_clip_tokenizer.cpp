// pd::ClipTokenizer: parity with OpenAI's simple_tokenizer.py / clip.tokenize on the fixtures,
// text cleaning details, truncation, decoding, invalid UTF-8, vocabulary loaders.
#include "tokenizers/text_clean.h"

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "mini_safetensors.h"
#include "promptdesk/error.h"
#include "promptdesk/paths.h"
#include "promptdesk/tokenizer.h"

namespace {
std::string dataFile(const std::string& rel) { return std::string(PD_TEST_DATA) + "/" + rel; }

QString idsText(const std::vector<int>& ids) {
  QStringList parts;
  for (int id : ids) parts << QString::number(id);
  return "[" + parts.join(",") + "]";
}
}  // namespace

class TestClipTokenizer : public QObject {
  Q_OBJECT
  std::unique_ptr<pd::ClipTokenizer> tok_;

 private Q_SLOTS:
  void initTestCase() {
    std::string vocab = pd::dataPath("vocab/bpe_simple_vocab_16e6.txt");
    if (!std::filesystem::exists(vocab))
      QSKIP("CLIP vocabulary not installed (run installers/install-data.sh)");
    tok_ = std::make_unique<pd::ClipTokenizer>(pd::ClipTokenizer::fromDataDir());
  }

  void vocabularyShape() {
    QCOMPARE(tok_->vocabSize(), 49408);
    QCOMPARE(tok_->startOfTextId(), 49406);
    QCOMPARE(tok_->endOfTextId(), 49407);
    QCOMPARE(tok_->encode("<|startoftext|> <|endoftext|>"), (std::vector<int>{49406, 49407}));
    QCOMPARE(tok_->encode("<|ENDOFTEXT|>"), (std::vector<int>{49407}));
  }

  void fixtureCases() {
    std::ifstream in(dataFile("clip-tokenizer-cases.json"));
    QVERIFY(in.good());
    auto cases = nlohmann::json::parse(in);
    QVERIFY(cases.size() >= 10);
    for (const auto& c : cases) {
      std::string text = c["text"].get<std::string>();
      auto want = c["ids"].get<std::vector<int>>();
      auto got = tok_->tokenizeUnpadded(text);
      QVERIFY2(got == want, qPrintable(QString::fromStdString(text) + ": got " + idsText(got) +
                                       " want " + idsText(want)));
      auto padded = tok_->tokenize(text);
      QCOMPARE(padded.size(), size_t(77));
      QVERIFY(std::equal(want.begin(), want.end(), padded.begin()));
      for (size_t i = want.size(); i < 77; ++i) QCOMPARE(padded[i], 0);
      std::vector<int> inner(want.begin() + 1, want.end() - 1);
      QCOMPARE(tok_->encode(text), inner);
    }
  }

  void goldenTextTokens() {
    std::ifstream in(dataFile("clip-tiny-vit/golden.json"));
    QVERIFY(in.good());
    auto g = nlohmann::json::parse(in);
    std::string st = dataFile("clip-tiny-vit/golden.safetensors");
    for (auto [key, tensor] : {std::pair<std::string, std::string>{"texts", "text_tokens"},
                               {"coop_prompts", "coop_prompt_tokens"}}) {
      auto texts = g[key].get<std::vector<std::string>>();
      auto t = pdtest::readSafetensor(st, tensor);
      QCOMPARE(t.dtype, std::string("I64"));
      QCOMPARE(t.shape, (std::vector<int64_t>{int64_t(texts.size()), 77}));
      auto ids = t.as<int64_t>();
      for (size_t i = 0; i < texts.size(); ++i) {
        std::vector<int> want(ids.begin() + long(i) * 77, ids.begin() + long(i + 1) * 77);
        auto got = tok_->tokenize(texts[i]);
        QVERIFY2(got == want, qPrintable(QString::fromStdString(texts[i]) + ": got " +
                                         idsText(got) + " want " + idsText(want)));
      }
    }
  }

  void decodeRoundTrip() {
    QCOMPARE(tok_->decode(tok_->encode("a photo of a dog.")), std::string("a photo of a dog . "));
    QCOMPARE(tok_->decode(tok_->encode("  Naïve   CAFÉ 東京 🗼 ")),
             std::string("naïve café 東京 🗼 "));
    QCOMPARE(tok_->decode({49406, 320, 49407}), std::string("<|startoftext|>a <|endoftext|>"));
    QVERIFY_THROWS_EXCEPTION(pd::Error, tok_->decode({49408}));
    QVERIFY_THROWS_EXCEPTION(pd::Error, tok_->decode({-1}));
    // A lone piece of a multi-byte character decodes with a replacement character.
    auto ids = tok_->encode("🗼");
    QVERIFY(ids.size() > 1);
    std::string part = tok_->decode({ids[0]});
    QVERIFY(part.find("\xEF\xBF\xBD") != std::string::npos);
  }

  void truncationKeepsEndToken() {
    std::string text;
    for (int i = 0; i < 200; ++i) text += "word" + std::to_string(i) + " ";
    auto ids = tok_->tokenize(text);
    QCOMPARE(ids.size(), size_t(77));
    QCOMPARE(ids[0], 49406);
    QCOMPARE(ids[76], 49407);
    for (int i = 1; i < 76; ++i) QVERIFY(ids[size_t(i)] != 0 && ids[size_t(i)] < 49406);
    auto full = tok_->encode(text);
    QVERIFY(std::equal(ids.begin() + 1, ids.begin() + 76, full.begin()));
    QVERIFY_THROWS_EXCEPTION(pd::Error, tok_->tokenize(text, 77, false));
    QCOMPARE(tok_->tokenize("a photo", 4, true), (std::vector<int>{49406, 320, 1125, 49407}));
    QCOMPARE(tok_->tokenize("a photo", 3, true), (std::vector<int>{49406, 320, 49407}));
    QVERIFY_THROWS_EXCEPTION(pd::Error, tok_->tokenize("a", 1));
  }

  void invalidUtf8IsReplaced() {
    int n = 0;
    QCOMPARE(pd::tok::sanitizeUtf8("a\xff\xfe" "b", &n), std::string("a\xEF\xBF\xBD\xEF\xBF\xBD" "b"));
    QCOMPARE(n, 2);
    // Truncated 3-byte sequence: one replacement for the maximal subpart.
    QCOMPARE(pd::tok::sanitizeUtf8("x\xe2\x82", &n), std::string("x\xEF\xBF\xBD"));
    QCOMPARE(n, 1);
    // Overlong and surrogate encodings are invalid byte by byte.
    QCOMPARE(pd::tok::sanitizeUtf8("\xc0\xaf", &n), std::string("\xEF\xBF\xBD\xEF\xBF\xBD"));
    QCOMPARE(pd::tok::sanitizeUtf8("\xed\xa0\x80", &n),
             std::string("\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"));
    QCOMPARE(pd::tok::sanitizeUtf8("ok \xe2\x82\xac", &n), std::string("ok \xe2\x82\xac"));
    QCOMPARE(n, 0);
    std::vector<int> bad, good;
    bad = tok_->encode("photo \xff\xc3 of");
    good = tok_->encode("photo \xEF\xBF\xBD\xEF\xBF\xBD of");
    QCOMPARE(bad, good);
    QVERIFY(tok_->tokenize(std::string("\xff\x00\x80", 3)).size() == 77);
  }

  void htmlEntitiesTwice() {
    using pd::tok::clipClean;
    QCOMPARE(clipClean("Tom &amp;amp; Jerry"), std::string("tom & jerry"));
    QCOMPARE(clipClean("&lt;b&gt; &quot;x&quot; &#39;s &#x41;&#X42;"),
             std::string("<b> \"x\" 's ab"));
    QCOMPARE(clipClean("&notit; &ampfoo &unknownentity; &#; &"),
             std::string("\xc2\xacit; &foo &unknownentity; &#; &"));
    QCOMPARE(clipClean("&#0;&#128;&#xD800;&#1;&#99999999999;"),
             std::string("\xEF\xBF\xBD\xE2\x82\xAC\xEF\xBF\xBD\xEF\xBF\xBD"));
    QCOMPARE(clipClean("caf&eacute;&nbsp;au&#160;lait &mdash; ok"),
             std::string("caf\xc3\xa9 au lait \xe2\x80\x94 ok"));
    QCOMPARE(tok_->encode("it&#39;s"), tok_->encode("it's"));
  }

  void unicodeLowerAndSpaces() {
    using pd::tok::clipClean;
    QCOMPARE(clipClean("\xC4\xB0stanbul"), std::string("i\xCC\x87stanbul"));  // U+0130
    // Final sigma: ΟΔΟΣ -> οδος (ς at the end), ΣΑ -> σα.
    QCOMPARE(clipClean("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3"),
             std::string("\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82"));
    QCOMPARE(clipClean("\xCE\xA3\xCE\x91"), std::string("\xCF\x83\xCE\xB1"));
    QCOMPARE(clipClean("\xC3\x89T\xC3\x89"), std::string("\xC3\xA9t\xC3\xA9"));
    QCOMPARE(clipClean(" \t a\u3000\u00a0b\r\n"), std::string("a b"));
    // U+001C is str.isspace() (stripped at the ends) but not \s (kept inside).
    QCOMPARE(clipClean("\x1c" "a\x1c" "b\x1c"), std::string("a\x1c" "b"));
  }

  void hfFolderMatches() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // Build vocab.json/merges.txt the way Hugging Face stores the same vocabulary.
    auto byteChar = [](int b) {
      bool self = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      int cp = b;
      if (!self) {
        int n = 0;
        for (int x = 0; x < b; ++x)
          if (!((x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF)))
            ++n;
        cp = 256 + n;
      }
      std::string s;
      pd::tok::appendUtf8(s, char32_t(cp));
      return std::make_pair(self, s);
    };
    std::vector<std::string> vocab;
    for (int pass = 0; pass < 2; ++pass)
      for (int b = 0; b < 256; ++b)
        if (byteChar(b).first == (pass == 0)) vocab.push_back(byteChar(b).second);
    for (int i = 0; i < 256; ++i) vocab.push_back(vocab[size_t(i)] + "</w>");
    std::ifstream in(pd::dataPath("vocab/bpe_simple_vocab_16e6.txt"));
    std::string line, merges;
    std::getline(in, line);
    merges += line + "\n";
    for (int i = 0; i < 48894 && std::getline(in, line); ++i) {
      merges += line + "\n";
      vocab.push_back(line.substr(0, line.find(' ')) + line.substr(line.find(' ') + 1));
    }
    vocab.push_back("<|startoftext|>");
    vocab.push_back("<|endoftext|>");
    nlohmann::json j = nlohmann::json::object();
    for (size_t i = 0; i < vocab.size(); ++i) j[vocab[i]] = i;
    std::ofstream(dir.filePath("vocab.json").toStdString()) << j.dump();
    std::ofstream(dir.filePath("merges.txt").toStdString()) << merges;
    auto hf = pd::ClipTokenizer::fromHfFolder(dir.path().toStdString());
    QCOMPARE(hf.vocabSize(), 49408);
    for (const char* t : {"a photo of a dog.", "naïve café 東京 🗼", "It's a GREAT movie!!!"})
      QCOMPARE(hf.tokenize(t), tok_->tokenize(t));
  }

  void loaderErrors() {
    try {
      pd::ClipTokenizer::fromMergesFile("/nonexistent/bpe_simple_vocab_16e6.txt");
      QFAIL("no error for a missing file");
    } catch (const pd::Error& e) {
      QVERIFY2(std::string(e.what()).find("installers/install-data.sh") != std::string::npos,
               e.what());
    }
    QTemporaryDir dir;
    std::string bad = dir.filePath("bad.txt").toStdString();
    std::ofstream(bad) << "#version: 0.2\ni n\nt h e\n";
    try {
      pd::ClipTokenizer::fromMergesFile(bad);
      QFAIL("no error for a malformed merges file");
    } catch (const pd::Error& e) {
      QVERIFY2(std::string(e.what()).find("bad.txt:3") != std::string::npos, e.what());
    }
    std::string shortFile = dir.filePath("short.txt").toStdString();
    std::ofstream(shortFile) << "#version: 0.2\ni n\nt h\n";
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::ClipTokenizer::fromMergesFile(shortFile));
    QVERIFY_THROWS_EXCEPTION(pd::Error, pd::ClipTokenizer::fromHfFolder(dir.path().toStdString()));
  }

  void concurrentUseIsConsistent() {
    std::vector<std::string> texts;
    for (int i = 0; i < 300; ++i) texts.push_back("prompt number " + std::to_string(i * 7919) +
                                                  " of a photographically weird thing");
    std::vector<std::vector<int>> want;
    for (const auto& t : texts) want.push_back(tok_->tokenize(t));
    auto fresh = pd::ClipTokenizer::fromDataDir();
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k)
      threads.emplace_back([&] {
        for (size_t i = 0; i < texts.size(); ++i)
          if (fresh.tokenize(texts[i]) != want[i]) ++mismatches;
      });
    for (auto& t : threads) t.join();
    QCOMPARE(mismatches.load(), 0);
  }
};

QTEST_GUILESS_MAIN(TestClipTokenizer)
#include "test_clip_tokenizer.moc"
