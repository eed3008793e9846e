// The WordNet 3.0 reader (data/wordnet.h) on the excerpt in tests/data/text/wordnet (lines copied
// from Debian's wordnet-base): synsets, lexicographer files, pointers, glosses, index look-ups,
// verb frames, adjective markers; errors naming file:line and the field; and, where
// /usr/share/wordnet is installed, the whole database.
#include "data/wordnet.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "promptdesk/error.h"

using pd::data::WnPos;
using pd::data::WordNet;

namespace {
std::string excerpt() { return std::string(PD_TEST_DATA) + "/text/wordnet"; }

// The message of the pd::Error `f` throws ("" when it throws none).
template <typename F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const pd::Error& e) {
    return e.what();
  }
  return {};
}
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

class TestWordNet : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void readsTheExcerpt();
  void lookupsAndPointers();
  void verbFramesAndAdjectiveMarkers();
  void malformedLinesNameFileLineAndField();
  void missingDatabaseSaysHowToInstall();
  void wholeInstalledDatabase();
};

void TestWordNet::readsTheExcerpt() {
  const WordNet wn = WordNet::load(excerpt());
  QVERIFY(wn.has(WnPos::Noun) && wn.has(WnPos::Verb) && wn.has(WnPos::Adj) && wn.has(WnPos::Adv));
  QCOMPARE(wn.synsets(WnPos::Noun).size(), std::size_t(62));
  QCOMPARE(wn.synsets(WnPos::Adj).size(), std::size_t(57));
  QCOMPARE(wn.index(WnPos::Noun).size(), std::size_t(3));
  const auto* dog = wn.synset(WnPos::Noun, 2084071);
  QVERIFY(dog);
  QCOMPARE(dog->words, (std::vector<std::string>{"dog", "domestic_dog", "Canis_familiaris"}));
  QCOMPARE(dog->lexFilenum, 5);
  QCOMPARE(dog->lexname(), std::string("noun.animal"));
  QCOMPARE(dog->ssType, 'n');
  QCOMPARE(dog->pointers.size(), std::size_t(23));
  QCOMPARE(dog->hypernyms(), (std::vector<std::uint32_t>{2083346, 1317541}));
  QCOMPARE(dog->pointers[2].symbol, std::string("#m"));
  QVERIFY(dog->gloss.rfind("a member of the genus Canis", 0) == 0);
  QVERIFY(dog->gloss.back() != ' ');
  // The lexicographer files of WordNet 3.0.
  QCOMPARE(pd::data::wnLexname(0), std::string("adj.all"));
  QCOMPARE(pd::data::wnLexname(3), std::string("noun.Tops"));
  QCOMPARE(pd::data::wnLexname(18), std::string("noun.person"));
  QCOMPARE(pd::data::wnLexname(44), std::string("adj.ppl"));
  QCOMPARE(pd::data::wnLexname(45), std::string());
  for (const auto& s : wn.synsets(WnPos::Noun)) QVERIFY(s.lexname().rfind("noun.", 0) == 0);
}

void TestWordNet::lookupsAndPointers() {
  const WordNet wn = WordNet::load(excerpt());
  // Case and spaces do not matter; index offsets absent from the excerpt are skipped.
  const auto dogs = wn.synsetsOf("Dog", WnPos::Noun);
  QVERIFY(!dogs.empty());
  QCOMPARE(dogs[0]->offset, std::uint32_t(2084071));
  QVERIFY(dogs.size() <= 7);
  QVERIFY(wn.synsetsOf("dog", WnPos::Verb).empty());
  QVERIFY(wn.synsetsOf("unicorn", WnPos::Noun).empty());
  const auto goods = wn.synsetsOf("good", WnPos::Adj);
  QCOMPARE(goods.size(), std::size_t(4));
  // The hyponym pointers of dog resolve in the excerpt (they were copied with it); a pointer to a
  // synset outside it resolves to null.
  int resolved = 0;
  for (const auto& p : dogs[0]->pointers)
    if (p.symbol == "~") resolved += wn.resolve(p) != nullptr;
  QVERIFY(resolved > 10);
  pd::data::WnPointer outside;
  outside.offset = 1;
  outside.pos = 'n';
  QVERIFY(wn.resolve(outside) == nullptr);
  // Satellites (s) live in the adjective file and are reached by "&".
  bool satellite = false;
  for (const auto& p : goods[0]->pointers)
    if (p.symbol == "&") {
      const auto* t = wn.resolve(p);
      QVERIFY(t);
      QCOMPARE(t->ssType, 's');
      satellite = true;
    }
  QVERIFY(satellite);
  // The shared copy is one per folder.
  QCOMPARE(WordNet::shared(excerpt()).get(), WordNet::shared(excerpt()).get());
}

void TestWordNet::verbFramesAndAdjectiveMarkers() {
  const WordNet wn = WordNet::load(excerpt());
  const auto runs = wn.synsetsOf("run", WnPos::Verb);
  QVERIFY(!runs.empty());
  QCOMPARE(runs[0]->lexname(), std::string("verb.motion"));
  QVERIFY(!runs[0]->frames.empty());
  QVERIFY(!runs[0]->gloss.empty());
  // "not_bad(p)": the marker is cut from the word and kept beside it.
  bool marker = false;
  for (const auto& s : wn.synsets(WnPos::Adj))
    for (std::size_t i = 0; i < s.words.size(); ++i)
      if (s.words[i] == "not_bad") {
        QCOMPARE(s.markers[i], std::string("p"));
        marker = true;
      }
  QVERIFY(marker);
  // A synthetic line with frames, a lexical pointer and no gloss.
  const auto v = pd::data::parseWnDataLine(
      "00000001 29 v 02 breathe 0 take_a_breath 1 001 + 00000002 n 0102 02 + 02 00 + 08 01",
      "data.verb", 1);
  QCOMPARE(v.words.size(), std::size_t(2));
  QCOMPARE(v.pointers[0].source, 1);
  QCOMPARE(v.pointers[0].target, 2);
  QCOMPARE(v.frames, (std::vector<std::pair<int, int>>{{2, 0}, {8, 1}}));
  QVERIFY(v.gloss.empty());
  const auto e = pd::data::parseWnIndexLine("breathe v 1 1 + 1 0 00000001  ", "index.verb", 3);
  QCOMPARE(e.offsets, (std::vector<std::uint32_t>{1}));
  QCOMPARE(e.pointerSymbols, (std::vector<std::string>{"+"}));
}

void TestWordNet::malformedLinesNameFileLineAndField() {
  using pd::data::parseWnDataLine;
  using pd::data::parseWnIndexLine;
  auto data = [](const std::string& line) {
    return errorOf([&] { parseWnDataLine(line, "data.noun", 31); });
  };
  std::string m = data("0000x740 03 n 01 entity 0 000 | gloss");
  QVERIFY2(has(m, "data.noun:31") && has(m, "synset offset '0000x740'") && has(m, "decimal"),
           m.c_str());
  m = data("00001740 03 q 01 entity 0 000 | gloss");
  QVERIFY2(has(m, "ss_type 'q'"), m.c_str());
  m = data("00001740 03 n zz entity 0 000 | gloss");
  QVERIFY2(has(m, "w_cnt 'zz'") && has(m, "hexadecimal"), m.c_str());
  m = data("00001740 03 n 00 000 | gloss");
  QVERIFY2(has(m, "w_cnt is 0"), m.c_str());
  m = data("00001740 03 n 02 entity 0");
  QVERIFY2(has(m, "ends before the word"), m.c_str());
  m = data("00001740 03 n 01 entity 0 002 @ 00001930 n 0000 | gloss");
  QVERIFY2(has(m, "gloss begins after 1 of 2 pointers"), m.c_str());
  m = data("00001740 03 n 01 entity 0 001 @ 00001930 x 0000 | gloss");
  QVERIFY2(has(m, "pointer pos 'x'"), m.c_str());
  m = data("00001740 03 n 01 entity 0 001 @ 00001930 n 00g0 | gloss");
  QVERIFY2(has(m, "source/target '00g0'"), m.c_str());
  m = data("00001740 03 n 01 entity 0 000 extra | gloss");
  QVERIFY2(has(m, "unexpected 'extra'"), m.c_str());
  m = data("99999999999 03 n 01 entity 0 000 | gloss");
  QVERIFY2(has(m, "synset offset"), m.c_str());
  m = data("00000001 29 v 01 breathe 0 000 01 - 02 00 | x");
  QVERIFY2(has(m, "frame marker '-'"), m.c_str());
  m = errorOf([] { parseWnIndexLine("dog n 2 0 2 1 02084071", "index.noun", 7); });
  QVERIFY2(has(m, "index.noun:7") && has(m, "ends before the synset offset"), m.c_str());
  m = errorOf([] { parseWnIndexLine("dog n 1 0 1 1 02084071 02084072", "index.noun", 8); });
  QVERIFY2(has(m, "more than the 1 synset offsets"), m.c_str());
  // Whole files: the pos must be the file's, lines are counted with the license header.
  m = errorOf([] {
    pd::data::parseWnData("  license line\n00000001 29 v 01 breathe 0 000 | x\n", "data.noun",
                          WnPos::Noun);
  });
  QVERIFY2(has(m, "data.noun:2") && has(m, "type 'v' in the noun file"), m.c_str());
  QCOMPARE(pd::data::parseWnData("  header\n\n00000001 03 n 01 x 0 000 | y\r\n", "d", WnPos::Noun)
               .size(),
           std::size_t(1));
  // Duplicates in a folder.
  const auto dir = std::filesystem::path(PD_TEST_OUTPUT) / "wordnet-dup";
  std::filesystem::create_directories(dir);
  for (const char* pos : {"noun", "verb", "adj", "adv"}) {
    std::ofstream(dir / (std::string("data.") + pos));
    std::ofstream(dir / (std::string("index.") + pos));
  }
  std::ofstream(dir / "data.noun") << "00000001 03 n 01 x 0 000 | y\n00000001 03 n 01 z 0 000 | y\n";
  m = errorOf([&] { WordNet::load(dir.string()); });
  QVERIFY2(has(m, "synset offset 1 appears twice") && has(m, "data.noun"), m.c_str());
}

void TestWordNet::missingDatabaseSaysHowToInstall() {
  const std::string m = errorOf([] { WordNet::load("/nonexistent/wordnet"); });
  QVERIFY2(has(m, "/nonexistent/wordnet/data.noun") && has(m, "wordnet-base") &&
               has(m, "WNSEARCHDIR"),
           m.c_str());
  qputenv("WNSEARCHDIR", QByteArray("/some/dict"));
  QCOMPARE(WordNet::defaultDir(), std::string("/some/dict"));
  qunsetenv("WNSEARCHDIR");
  QCOMPARE(WordNet::defaultDir(), std::string("/usr/share/wordnet"));
}

void TestWordNet::wholeInstalledDatabase() {
  const std::string dir = "/usr/share/wordnet";
  if (!std::filesystem::exists(dir + "/data.noun"))
    QSKIP("WordNet is not installed (Debian package wordnet-base)");
  const WordNet wn = WordNet::load(dir);
  // WordNet 3.0's synset counts.
  QCOMPARE(wn.synsets(WnPos::Noun).size(), std::size_t(82115));
  QCOMPARE(wn.synsets(WnPos::Verb).size(), std::size_t(13767));
  QCOMPARE(wn.synsets(WnPos::Adj).size(), std::size_t(18156));
  QCOMPARE(wn.synsets(WnPos::Adv).size(), std::size_t(3621));
  // Every index offset and every pointer resolves; lexnames match the file.
  for (WnPos pos : {WnPos::Noun, WnPos::Verb, WnPos::Adj, WnPos::Adv}) {
    for (const auto& e : wn.index(pos))
      for (auto off : e.offsets) QVERIFY(wn.synset(pos, off));
    for (const auto& s : wn.synsets(pos)) {
      QVERIFY(!s.lexname().empty());
      QVERIFY(s.lexname().rfind(std::string(pd::data::wnPosName(pos)) + ".", 0) == 0);
      for (const auto& p : s.pointers) QVERIFY(wn.resolve(p));
    }
  }
}

QTEST_GUILESS_MAIN(TestWordNet)
#include "test_wordnet.moc"
