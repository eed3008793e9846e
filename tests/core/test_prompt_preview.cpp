// Prompt preview: token counts, truncation warnings, bad class names; with CLIP's tokenizer too.
#include <QtTest/QtTest>

#include <QFile>
#include <string>

#include "promptdesk/paths.h"
#include "promptdesk/prompt_preview.h"
#include "promptdesk/tokenizer.h"

namespace {

// One token per space-separated word.
std::vector<int> words(const std::string& s) {
  std::vector<int> out;
  bool in = false;
  for (char c : s) {
    if (c == ' ' || c == '\n')
      in = false;
    else if (!in)
      in = true, out.push_back(static_cast<int>(out.size()));
  }
  return out;
}

bool contains(const std::string& s, const char* needle) {
  return s.find(needle) != std::string::npos;
}

}  // namespace

class TestPromptPreview : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void countsAndWarnings() {
    pd::Template t = pd::Template::parse("a photo of a {class}.");
    auto rows = pd::previewTemplate(t, {"cat", "golden retriever", "", "cat"}, words, 77);
    QCOMPARE(int(rows.size()), 4);
    QCOMPARE(rows[0].text, std::string("a photo of a cat."));
    QCOMPARE(rows[0].tokenCount, 5 + 2);
    QVERIFY(!rows[0].truncated);
    QVERIFY(rows[0].warning.empty());
    QCOMPARE(rows[1].tokenCount, 6 + 2);
    QVERIFY(rows[2].text.empty());
    QVERIFY2(contains(rows[2].warning, "class 2: empty class name"), rows[2].warning.c_str());
    QVERIFY2(contains(rows[3].warning, "same prompt as 'cat'"), rows[3].warning.c_str());
  }

  void truncationNamesWhatIsLost() {
    // 8 words of context: 2 markers + 6 content tokens.
    pd::Template t = pd::Template::parse("a very very long photo of a {class}.");
    auto rows = pd::previewTemplate(t, {"cat", "x"}, words, 8);
    QVERIFY(rows[0].truncated);
    QCOMPARE(rows[0].tokenCount, 8 + 2);
    QVERIFY2(contains(rows[0].warning,
                      "10 tokens, the context holds 8: the last 2 are cut, including "
                      "the class name!"),
             rows[0].warning.c_str());
    pd::Template early = pd::Template::parse("{class} in a very long photo of many things");
    rows = pd::previewTemplate(early, {"cat"}, words, 8);
    QVERIFY(rows[0].truncated);
    QVERIFY2(!contains(rows[0].warning, "class name"), rows[0].warning.c_str());
    // Soft tokens count as tokens.
    rows = pd::previewTemplate(pd::Template::parse("{soft:16} {class}."), {"cat"}, words, 77);
    QCOMPARE(rows[0].tokenCount, 16 + 1 + 2);
  }

  void sampleItems() {
    pd::Template t = pd::Template::parse("{text} It was {mask}.");
    pd::RenderInput ok;
    ok.text = "A fine film.";
    pd::RenderInput empty;
    auto rows = pd::previewTemplateItems(t, {ok, empty}, words, 512, 2);
    QCOMPARE(rows[0].text, std::string("A fine film. It was <mask>."));
    QCOMPARE(rows[0].tokenCount, 6 + 2);
    QVERIFY(rows[1].text.empty());
    QVERIFY2(contains(rows[1].warning, "{text} needs the example's text"), rows[1].warning.c_str());
    QVERIFY_EXCEPTION_THROWN(pd::previewTemplateItems(t, {ok}, nullptr), pd::Error);
  }

  void withClipTokenizer() {
    if (!QFile::exists(QString::fromStdString(pd::dataPath("vocab/bpe_simple_vocab_16e6.txt"))))
      QSKIP("CLIP vocabulary not installed (run installers/install-data.sh)");
    pd::ClipTokenizer tok = pd::ClipTokenizer::fromDataDir();
    pd::Template t = pd::Template::parse("a photo of a {class}.");
    auto rows = pd::previewTemplate(t, {"dog", "T-shirt/top"}, tok);
    // [sot] a photo of a dog . [eot]
    QCOMPARE(rows[0].tokenCount, 8);
    QVERIFY(!rows[0].truncated);
    // Token spans with CLIP's BPE: the class sits after the 4 prefix tokens (+1 for <sot>).
    pd::RenderOptions opt;
    opt.tokenOffset = 1;
    pd::Rendered r = pd::render(t, pd::RenderInput::ofClass("golden retriever"), opt,
                                [&](const std::string& s) { return tok.encode(s); });
    auto cls = r.spansOf(pd::PartKind::Class)[0];
    QCOMPARE(cls.tokenBegin, 5);
    QCOMPARE(cls.tokenEnd, 7);
    QCOMPARE(r.tokens, tok.encode("a photo of a golden retriever."));
    std::string longName;
    for (int i = 0; i < 80; ++i) longName += "word ";
    rows = pd::previewTemplate(pd::Template::parse("a photo of a {class}."), {longName}, tok);
    QVERIFY(rows[0].truncated);
    QVERIFY2(contains(rows[0].warning, "including the class name"), rows[0].warning.c_str());
  }
};

QTEST_GUILESS_MAIN(TestPromptPreview)
#include "test_prompt_preview.moc"
