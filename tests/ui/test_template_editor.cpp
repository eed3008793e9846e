// Template editor: colours per placeholder, wavy underline with the parser's message while typing,
// live preview; the validator seam.
#include <QLabel>
#include <QPlainTextEdit>
#include <QTableWidget>
#include <QTextBlock>
#include <QTextLayout>
#include <QtTest/QtTest>

#include "editors/template_editor.h"
#include "ui_test_util.h"

using pd::ui::TemplateEditor;
using pd::ui::TemplateHighlighter;

namespace {
// The highlighter's format at character `index` of the first block.
QTextCharFormat formatAt(TemplateEditor& e, int index, int blockNumber = 0) {
  const QTextBlock block = e.editor()->document()->findBlockByNumber(blockNumber);
  QTextCharFormat out;
  for (const QTextLayout::FormatRange& r : block.layout()->formats())
    if (index >= r.start && index < r.start + r.length) out = r.format;
  return out;
}
bool underlined(TemplateEditor& e, int index, int blockNumber = 0) {
  return formatAt(e, index, blockNumber).underlineStyle() == QTextCharFormat::WaveUnderline;
}
}  // namespace

class TestTemplateEditor : public QObject {
  Q_OBJECT
 private slots:
  void coloursEachPlaceholder() {
    TemplateEditor e;
    e.setTemplateText("{soft:4} {class} {{x}} {trigger:2} {soft:\"a photo of\"}");
    QVERIFY2(e.isValid(), qPrintable(e.messageLabel()->text()));
    auto color = [&](TemplateHighlighter::Kind k) {
      return e.highlighter()->formatFor(k).foreground().color();
    };
    QCOMPARE(formatAt(e, 0).foreground().color(), color(TemplateHighlighter::kSoft));
    QCOMPARE(formatAt(e, 10).foreground().color(), color(TemplateHighlighter::kClass));
    QCOMPARE(formatAt(e, 17).foreground().color(), color(TemplateHighlighter::kEscape));   // {{
    QVERIFY(formatAt(e, 19).foreground().color() != color(TemplateHighlighter::kEscape));  // x
    QCOMPARE(formatAt(e, 24).foreground().color(), color(TemplateHighlighter::kTrigger));
    QCOMPARE(formatAt(e, 40).foreground().color(), color(TemplateHighlighter::kSoft));
    QVERIFY(!underlined(e, 10));
    e.setFamily("mlm");
    e.setTemplateText("{text} It was {mask}.");
    QVERIFY2(e.isValid(), qPrintable(e.messageLabel()->text()));
    QCOMPARE(formatAt(e, 1).foreground().color(), color(TemplateHighlighter::kInput));
    QCOMPARE(formatAt(e, 15).foreground().color(), color(TemplateHighlighter::kMask));
  }

  void errorUnderlinedWithParserMessage() {
    TemplateEditor e;
    e.setTemplateText("a photo of a {clss}.");
    QVERIFY(!e.isValid());
    QCOMPARE(e.issues().size(), 1);
    QCOMPARE(e.issues()[0].line, 1);
    QCOMPARE(e.issues()[0].column, 14);
    QVERIFY(e.issues()[0].message.contains("unknown placeholder"));
    for (int i = 13; i < 19; ++i) QVERIFY2(underlined(e, i), qPrintable(QString::number(i)));
    QVERIFY(!underlined(e, 12));
    QVERIFY(!underlined(e, 19));
    QVERIFY(formatAt(e, 14).toolTip().contains("unknown placeholder"));
    QVERIFY(e.messageLabel()->text().contains("Line 1, column 14"));
    // The preview shows no prompt while the template is invalid.
    QVERIFY(e.previewTable()->item(0, 1)->text().contains("fix the template"));
    // Second line errors land on the second block.
    e.setTemplateText("a photo of a {class}\nwith }");
    QVERIFY(!e.isValid());
    QCOMPARE(e.issues()[0].line, 2);
    QVERIFY(underlined(e, 5, 1));
    QVERIFY(!underlined(e, 5, 0));
  }

  void typingValidatesLive() {
    TemplateEditor e;
    e.show();
    QVERIFY(QTest::qWaitForWindowExposed(&e));
    QSignalSpy validity(&e, &TemplateEditor::validityChanged);
    e.editor()->setFocus();
    QTest::keyClicks(e.editor(), "a photo of a {class");
    QTRY_VERIFY(!e.isValid());  // '{' not closed, after the debounce
    QVERIFY(e.issues()[0].message.contains("not closed"));
    QVERIFY(underlined(e, 13));
    QTest::keyClicks(e.editor(), "}.");
    QTRY_VERIFY(e.isValid());
    QCOMPARE(validity.count(), 2);
    QCOMPARE(e.previewTable()->rowCount(), 4);
    QCOMPARE(e.previewTable()->item(0, 1)->text(), QString("a photo of a airplane."));
    e.setPreviewClasses({"cat", "dog"});
    QCOMPARE(e.previewTable()->rowCount(), 2);
    QCOMPARE(e.previewTable()->item(1, 1)->text(), QString("a photo of a dog."));
  }

  void familyRulesAndWholeTemplateErrors() {
    TemplateEditor e;
    e.setTemplateText("a photo.");
    QVERIFY(!e.isValid());
    QCOMPARE(e.issues()[0].line, 0);
    QVERIFY(e.messageLabel()->text().contains("needs {class}"));
    e.setFamily("mlm");
    e.setTemplateText("{text} It was {mask} and {mask}.");
    QVERIFY(!e.isValid());
    QVERIFY(e.issues()[0].message.contains("second {mask}"));
    QVERIFY(underlined(e, 25));
  }

  void validatorSeam() {
    TemplateEditor e;
    int calls = 0;
    e.setValidator([&](const QString& source, const QString&) {
      ++calls;
      QVector<pd::ui::TemplateIssue> out;
      if (source.contains("bad")) out.push_back({1, 3, "custom rule"});
      return out;
    });
    e.setRenderer([](const QString& s, const QString& c, const QString&) { return s + "|" + c; });
    e.setTemplateText("a bad one");
    QVERIFY(calls >= 1);
    QVERIFY(!e.isValid());
    QVERIFY(underlined(e, 2));
    e.setTemplateText("a good one");
    QVERIFY(e.isValid());
    QCOMPARE(e.previewTable()->item(0, 1)->text(), QString("a good one|airplane"));
  }

  void textModelTokenPreview() {
    pd::ui::TemplateEditor ed;
    ed.setFamily(QStringLiteral("mlm"));
    ed.setPreviewClasses({QStringLiteral("negative"), QStringLiteral("positive")});
    ed.setSampleText(QStringLiteral("dull and far too long."));
    QMap<QString, QStringList> words;
    words[QStringLiteral("negative")] = {QStringLiteral("terrible")};
    words[QStringLiteral("positive")] = {QStringLiteral("great")};
    ed.setLabelWords(words);
    ed.setTemplateText(QStringLiteral("{text} It was {mask}."));
    ed.setTokenizer(QStringLiteral(PD_TEST_DATA) + QStringLiteral("/text/vocab/bert-base-uncased"));
    const QString html = ed.tokenView()->text();
    // [CLS] dull and far too long . it was [MASK] . [SEP]: 12 tokens, mask highlighted at 9.
    QVERIFY2(html.contains(QStringLiteral("<b>12 tokens</b>")), qPrintable(html));
    QVERIFY(html.contains(QStringLiteral("font-weight:bold'>&nbsp;[MASK]<sub>103</sub>")));
    QVERIFY(html.contains(QStringLiteral("[CLS]<sub>101</sub>")));
    QVERIFY(html.contains(QStringLiteral("background:#dcebfa'>&nbsp;dull<sub>10634</sub>")));
    QVERIFY(html.contains(QStringLiteral("mask (position 9)")));
    QVERIFY(html.contains(QStringLiteral("terrible<sub>6659</sub>")));
    QVERIFY(html.contains(QStringLiteral("great<sub>2307</sub>")));
    // A causal-LM template with GPT-2 shows the leading-space label token.
    ed.setFamily(QStringLiteral("clm"));
    ed.setTemplateText(QStringLiteral("Review: {text} Sentiment:"));
    ed.setTokenizer(QStringLiteral(PD_TEST_DATA) + QStringLiteral("/text/vocab/gpt2"));
    QVERIFY2(ed.tokenView()->text().contains(QString::fromUtf8("\xC4\xA0great<sub>1049</sub>")),
             qPrintable(ed.tokenView()->text()));
    // A template that cannot be right for the family shows no tokens, only the reason.
    ed.setFamily(QStringLiteral("mlm"));
    ed.setTemplateText(QStringLiteral("{text} no mask"));
    QVERIFY(!ed.tokenView()->text().contains(QStringLiteral("<sub>")));
  }

  void screenshot() {
    TemplateEditor e;
    e.resize(760, 480);
    e.setTemplateText("{soft:4} a photo of a {clss}, a type of {soft:\"pet\"}.");
    e.setPreviewClasses({"Abyssinian", "beagle", "Bengal", "boxer", "chihuahua"});
    e.show();
    QVERIFY(QTest::qWaitForWindowExposed(&e));
    pd::test::saveShot(&e, "template_editor_error.png");
    e.setTemplateText("{soft:4} a photo of a {class}, a type of {soft:\"pet\"}.");
    QVERIFY(e.isValid());
    pd::test::saveShot(&e, "template_editor_valid.png");
  }
};

QTEST_MAIN(TestTemplateEditor)
#include "test_template_editor.moc"
