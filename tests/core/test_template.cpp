// The template language: parsing, rendering with spans, and every error with its line:column.
#include <QtTest/QtTest>

#include <cctype>
#include <string>
#include <vector>

#include "promptdesk/template.h"

using pd::PartKind;
using pd::Template;

namespace {

// Words and single punctuation marks; ids from a running dictionary (enough for span checks).
std::vector<int> toyTokenize(const std::string& s) {
  static std::vector<std::string> vocab;
  std::vector<int> out;
  auto id = [&](const std::string& w) {
    for (std::size_t i = 0; i < vocab.size(); ++i)
      if (vocab[i] == w) return static_cast<int>(i);
    vocab.push_back(w);
    return static_cast<int>(vocab.size() - 1);
  };
  std::string word;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) {
      word += c;
      continue;
    }
    if (!word.empty()) out.push_back(id(word)), word.clear();
    if (!std::isspace(u)) out.push_back(id(std::string(1, c)));
  }
  if (!word.empty()) out.push_back(id(word));
  return out;
}

// Runs `f`, expecting a TemplateError at line:col whose message contains `needle`.
template <typename F>
void expectError(F f, int line, int col, const char* needle) {
  try {
    f();
  } catch (const pd::TemplateError& e) {
    QVERIFY2(e.line() == line && e.column() == col,
             qPrintable(QString("expected %1:%2, got %3:%4 (%5)")
                            .arg(line)
                            .arg(col)
                            .arg(e.line())
                            .arg(e.column())
                            .arg(e.what())));
    QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
    if (line > 0) {
      std::string prefix = std::to_string(line) + ":" + std::to_string(col) + ": ";
      QVERIFY2(std::string(e.what()).rfind(prefix, 0) == 0, e.what());
    }
    return;
  }
  QFAIL(qPrintable(
      QString("no TemplateError (expected '%1' at %2:%3)").arg(needle).arg(line).arg(col)));
}

void expectParseError(const std::string& src, int line, int col, const char* needle) {
  expectError([&] { Template::parse(src); }, line, col, needle);
}

void expectInvalid(const std::string& src, pd::Family fam, int line, int col, const char* needle) {
  Template t = Template::parse(src);
  expectError([&] { t.validate(fam); }, line, col, needle);
}

}  // namespace

class TestTemplate : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void clipClassPrompt() {
    Template t = Template::parse("a photo of a {class}.");
    QCOMPARE(int(t.parts().size()), 3);
    QCOMPARE(t.parts()[0].text, std::string("a photo of a "));
    QVERIFY(t.parts()[1].kind == PartKind::Class);
    QCOMPARE(t.parts()[1].column, 14);
    QCOMPARE(t.parts()[2].column, 21);
    t.validate(pd::Family::Clip);
    QCOMPARE(pd::renderClass(t, "cat"), std::string("a photo of a cat."));
    Template pets = Template::parse("a photo of a {class}, a type of pet.");
    pets.validate(pd::Family::Clip);
    QCOMPARE(pd::renderClass(pets, "Abyssinian"),
             std::string("a photo of a Abyssinian, a type of pet."));
  }

  void clozeAndPairs() {
    Template t = Template::parse("{text} It was {mask}.");
    t.validate(pd::Family::MaskedLM);
    QVERIFY(t.parts()[0].kind == PartKind::Input);
    QCOMPARE(t.parts()[2].column, 15);
    pd::RenderInput in;
    in.text = "Great film.";
    pd::RenderOptions opt;
    opt.maskToken = "[MASK]";
    pd::Rendered r = pd::render(t, in, opt);
    QCOMPARE(r.text, std::string("Great film. It was [MASK]."));
    auto masks = r.spansOf(PartKind::Mask);
    QCOMPARE(int(masks.size()), 1);
    QCOMPARE(masks[0].begin, 19);
    QCOMPARE(masks[0].end, 25);

    Template pair = Template::parse("{text_a} ? {mask}, {text_b}");
    pair.validate(pd::Family::MaskedLM);
    QCOMPARE(pair.parts()[2].column, 12);
    QCOMPARE(pair.parts()[4].column, 20);
    in.textA = "A man sleeps";
    in.textB = "a man is awake";
    QCOMPARE(pd::render(pair, in).text, std::string("A man sleeps ? <mask>, a man is awake"));
  }

  void causalPrefixAppendsLabelWord() {
    Template t = Template::parse("Review: {text}\nSentiment:");
    t.validate(pd::Family::CausalLM);
    QCOMPARE(t.parts()[2].line, 1);  // the text part starts on line 1 (with the newline)
    pd::RenderInput in;
    in.text = "loved it";
    QCOMPARE(pd::render(t, in).text, std::string("Review: loved it\nSentiment:"));
    in.labelWord = "positive";
    pd::Rendered r = pd::render(t, in, {}, toyTokenize);
    QCOMPARE(r.text, std::string("Review: loved it\nSentiment: positive"));
    auto label = r.spansOf(PartKind::Label);
    QCOMPARE(int(label.size()), 1);
    QCOMPARE(label[0].part, -1);
    QCOMPARE(r.text.substr(label[0].byteBegin, label[0].byteEnd - label[0].byteBegin),
             std::string("positive"));
    QCOMPARE(label[0].tokenEnd - label[0].tokenBegin, 1);
    QCOMPARE(label[0].tokenEnd, int(r.tokens.size()));
    // An explicit {label} is filled in place, nothing appended.
    Template t2 = Template::parse("{text} Sentiment: {label}.");
    t2.validate(pd::Family::CausalLM);
    QCOMPARE(pd::render(t2, in).text, std::string("loved it Sentiment: positive."));
  }

  void learnableParts() {
    Template t = Template::parse("{soft:16} {class}.");
    t.validate(pd::Family::Clip);
    QCOMPARE(t.parts()[0].count, 16);
    QCOMPARE(t.softTokenCount(), 16);
    pd::Rendered r = pd::render(t, pd::RenderInput::ofClass("cat"), {}, toyTokenize);
    QCOMPARE(r.spans[0].tokenBegin, 0);
    QCOMPARE(r.spans[0].tokenEnd, 16);
    QCOMPARE(r.spansOf(PartKind::Class)[0].tokenBegin, 16);
    QVERIFY(r.text.rfind("X X X", 0) == 0);

    Template init = Template::parse("{soft:\"a photo of a\"} {class}.");
    QVERIFY(init.parts()[0].kind == PartKind::Soft);
    QCOMPARE(init.parts()[0].text, std::string("a photo of a"));
    QCOMPARE(init.parts()[0].count, 0);
    QCOMPARE(init.softTokenCount(), 0);
    pd::Rendered ri = pd::render(init, pd::RenderInput::ofClass("dog"), {}, toyTokenize);
    QCOMPARE(ri.text, std::string("a photo of a dog."));
    QCOMPARE(ri.spans[0].tokenEnd - ri.spans[0].tokenBegin, 4);  // 4 vectors, from these words
    QCOMPARE(init.toString(), std::string("{soft:\"a photo of a\"} {class}."));

    Template trig = Template::parse("{trigger:3} {text} {mask}");
    trig.validate(pd::Family::MaskedLM);
    QCOMPARE(trig.parts()[0].count, 3);
    QVERIFY(trig.parts()[0].kind == PartKind::Trigger);
    Template spaced = Template::parse("{ soft : 4 } { class }");
    QCOMPARE(spaced.parts()[0].count, 4);
    QCOMPARE(spaced.toString(), std::string("{soft:4} {class}"));
  }

  void escapedBraces() {
    Template t = Template::parse("{{class}} is {class} }}");
    QCOMPARE(t.parts()[0].text, std::string("{class} is "));
    QCOMPARE(t.parts()[1].column, 14);
    QCOMPARE(pd::renderClass(t, "cat"), std::string("{class} is cat }"));
    QCOMPARE(t.toString(), std::string("{{class}} is {class} }}"));
    QCOMPARE(Template::parse(t.toString()).toString(), t.toString());
  }

  void spansInCharactersAndTokens() {
    Template t = Template::parse("café {class} au lait");
    pd::RenderOptions opt;
    opt.tokenOffset = 1;  // a start-of-text token the callback does not return
    pd::Rendered r = pd::render(t, pd::RenderInput::ofClass("crème brûlée"), opt, toyTokenize);
    auto cls = r.spansOf(PartKind::Class)[0];
    QCOMPARE(cls.begin, 5);
    QCOMPARE(cls.end, 17);
    QCOMPARE(cls.byteBegin, 6);
    QCOMPARE(cls.byteEnd, 6 + int(std::string("crème brûlée").size()));
    QCOMPARE(cls.tokenBegin, 2);  // [sot] café | crème brûlée
    QCOMPARE(cls.tokenEnd, 4);
    QCOMPARE(r.spans.back().tokenEnd, int(r.tokens.size()) + 1);

    Template g = Template::parse("a photo of a {class}.");
    pd::Rendered rg = pd::render(g, pd::RenderInput::ofClass("golden retriever"), {}, toyTokenize);
    QCOMPARE(rg.spans[1].tokenBegin, 4);
    QCOMPARE(rg.spans[1].tokenEnd, 6);
    QCOMPARE(rg.spans[2].tokenBegin, 6);
    QCOMPARE(rg.spans[2].tokenEnd, 7);
  }

  void syntaxErrorsHaveLineAndColumn() {
    expectParseError("a photo of a {clas}.", 1, 14, "did you mean {class}");
    expectParseError("a photo of a {class.", 1, 14, "'{' is not closed");
    expectParseError("a photo of a class}.", 1, 19, "unmatched '}'");
    expectParseError("line one\nthe {mask} and {oops}", 2, 16, "unknown placeholder '{oops}'");
    expectParseError("café {clss}", 1, 6, "unknown placeholder");
    expectParseError("a {cl{ass}", 1, 3, "'{' is not closed");
    expectParseError("a {class\n}", 1, 3, "'{' is not closed");
    expectParseError("x\n\n  {}", 3, 3, "empty placeholder");
    expectParseError("{soft:0} {class}.", 1, 1, "must be 1..64, got 0");
    expectParseError("{soft:1000} {class}.", 1, 1, "must be 1..64");
    expectParseError("{soft:99999999999999} {class}.", 1, 1, "must be 1..64");
    expectParseError("{soft:-3} {class}.", 1, 1, "expected a number");
    expectParseError("{soft:abc} {class}.", 1, 1, "expected a number");
    expectParseError("{soft:} {class}.", 1, 1, "expected a number");
    expectParseError("a {soft:\"\"} {class}", 1, 3, "initialising words are empty");
    expectParseError("a {soft:\"a photo} {class}", 1, 9, "quote opened here is not closed");
    expectParseError("{soft:\"a\" b} {class}", 1, 1, "after the closing quote");
    expectParseError("{trigger:0} {text} {mask}", 1, 1, "trigger tokens must be 1..32");
    expectParseError("{trigger:40} {text} {mask}", 1, 1, "must be 1..32");
    expectParseError("{text} {mask} {magic:3}", 1, 15, "unknown placeholder '{magic:3}'");
  }

  void familyErrors() {
    using F = pd::Family;
    expectInvalid("a photo of a cat.", F::Clip, 0, 0, "a CLIP template needs {class}");
    expectInvalid("a photo of a {class}, {mask}", F::Clip, 1, 23, "{mask} is for masked-LM");
    expectInvalid("{text} of a {class}", F::Clip, 1, 1, "{text} is for language-model");
    expectInvalid("{text} It was great.", F::MaskedLM, 0, 0, "needs {mask}");
    expectInvalid("{text} {mask} or {mask}", F::MaskedLM, 1, 18, "a second {mask}");
    expectInvalid("{class} It was {mask}.", F::MaskedLM, 1, 1, "{class} is for CLIP");
    expectInvalid("It was {mask}.", F::MaskedLM, 0, 0, "needs the input");
    expectInvalid("{text_b} {mask}", F::MaskedLM, 1, 1, "{text_b} needs {text_a}");
    expectInvalid("{text} {text_a} {mask}", F::MaskedLM, 1, 8, "do not mix");
    expectInvalid("Review: {text} {mask}", F::CausalLM, 1, 16, "a causal LM has no {mask}");
    expectInvalid("{text} {label} {label}", F::CausalLM, 1, 16, "a second {label}");
    expectInvalid("  \n ", F::Clip, 0, 0, "the template is empty");
    expectInvalid("{class} {label}", F::Clip, 1, 9, "{label} is for causal-LM");
    // problems() lists everything, in order.
    auto all = Template::parse("{class} It was.").problems(F::MaskedLM);
    QCOMPARE(int(all.size()), 3);
    QCOMPARE(all[0].substr(0, 4), std::string("1:1:"));
    QVERIFY(Template::parse("a photo of a {class}.").problems(F::Clip).empty());
    QCOMPARE(pd::parseFamily("mlm"), F::MaskedLM);
    QVERIFY_EXCEPTION_THROWN(pd::parseFamily("gpt"), pd::Error);
  }

  void randomInputsNeverCrashAndRoundTrip() {
    // Short strings over the language's special characters: either a TemplateError with a valid
    // position, or a template whose canonical form parses back to itself.
    const std::string alphabet = "{}:\"\\ \nab0s1oftclasmkx\xc3\xa9";
    std::uint32_t state = 12345;
    auto next = [&] { return state = state * 1664525u + 1013904223u; };
    int ok = 0, errors = 0;
    for (int n = 0; n < 20000; ++n) {
      std::string src;
      const int len = next() % 16;
      for (int i = 0; i < len; ++i) src += alphabet[(next() >> 8) % alphabet.size()];
      try {
        Template t = Template::parse(src);
        QCOMPARE(Template::parse(t.toString()).toString(), t.toString());
        t.problems(pd::Family::Clip);
        ++ok;
      } catch (const pd::TemplateError& e) {
        QVERIFY2(e.line() >= 1 && e.column() >= 1, e.what());
        ++errors;
      }
    }
    QVERIFY(ok > 1000 && errors > 1000);
  }

  void emptyValuesAndClassNames() {
    Template t = Template::parse("a photo of a {class}.");
    try {
      pd::renderClass(t, "  ");
      QFAIL("an empty class name rendered");
    } catch (const pd::Error& e) {
      QCOMPARE(e.context(), std::string("1:14"));
      QVERIFY(std::string(e.what()).find("class name") != std::string::npos);
    }
    QVERIFY_EXCEPTION_THROWN(pd::render(Template::parse("{text} {mask}"), {}), pd::Error);
    try {
      pd::validateClassNames({"cat", "", "dog"});
      QFAIL("empty class accepted");
    } catch (const pd::Error& e) {
      QCOMPARE(e.context(), std::string("class 1"));
      QVERIFY(std::string(e.what()).find("after 'cat'") != std::string::npos);
    }
    try {
      pd::validateClassNames({"cat", "dog", "cat"});
      QFAIL("duplicate class accepted");
    } catch (const pd::Error& e) {
      QCOMPARE(e.context(), std::string("class 2 'cat'"));
    }
    QVERIFY_EXCEPTION_THROWN(pd::validateClassNames({}), pd::Error);
    pd::validateClassNames({"T-shirt/top", "Trouser"});
  }
};

QTEST_GUILESS_MAIN(TestTemplate)
#include "test_template.moc"
