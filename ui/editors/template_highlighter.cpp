#include "editors/template_highlighter.h"

#include <QRegularExpression>

namespace pd::ui {

int columnToIndex(const QString& text, int column) {
  int index = 0;
  for (int c = 1; c < column && index < text.size(); ++c)
    index += (text[index].isHighSurrogate() && index + 1 < text.size()) ? 2 : 1;
  return index;
}

QTextCharFormat TemplateHighlighter::errorFormat() {
  QTextCharFormat f;
  f.setUnderlineStyle(QTextCharFormat::WaveUnderline);
  f.setUnderlineColor(QColor(220, 30, 30));
  return f;
}

TemplateHighlighter::TemplateHighlighter(QTextDocument* document) : QSyntaxHighlighter(document) {
  auto make = [](QColor color, bool bold) {
    QTextCharFormat f;
    f.setForeground(color);
    if (bold) f.setFontWeight(QFont::Bold);
    return f;
  };
  formats_[kClass] = make(QColor(20, 90, 200), true);
  formats_[kMask] = make(QColor(150, 40, 170), true);
  formats_[kInput] = make(QColor(0, 130, 110), true);
  formats_[kSoft] = make(QColor(210, 110, 0), true);
  formats_[kTrigger] = make(QColor(170, 60, 40), true);
  formats_[kEscape] = make(QColor(120, 120, 120), false);
  formats_[kOther] = make(QColor(90, 90, 90), false);
}

void TemplateHighlighter::setIssues(const QVector<TemplateIssue>& issues) {
  issues_ = issues;
  rehighlight();
}

void TemplateHighlighter::highlightBlock(const QString& text) {
  static const QRegularExpression token(QStringLiteral(R"(\{\{|\}\}|\{[^{}]*\}?)"));
  for (auto it = token.globalMatch(text); it.hasNext();) {
    const auto m = it.next();
    const QString t = m.captured(0);
    Kind kind = kOther;
    if (t == QLatin1String("{{") || t == QLatin1String("}}")) {
      kind = kEscape;
    } else {
      const QString inner = t.mid(1, t.endsWith(QLatin1Char('}')) ? t.size() - 2 : -1).trimmed();
      const QString head = inner.section(QLatin1Char(':'), 0, 0).trimmed();
      if (head == QLatin1String("class"))
        kind = kClass;
      else if (head == QLatin1String("mask"))
        kind = kMask;
      else if (head == QLatin1String("text") || head == QLatin1String("text_a") ||
               head == QLatin1String("text_b") || head == QLatin1String("label"))
        kind = kInput;
      else if (head == QLatin1String("soft"))
        kind = kSoft;
      else if (head == QLatin1String("trigger"))
        kind = kTrigger;
    }
    setFormat(int(m.capturedStart()), int(m.capturedLength()), formats_[kind]);
  }
  // Error underlines, merged over the colours.
  const int line = currentBlock().blockNumber() + 1;
  for (const TemplateIssue& issue : issues_) {
    if (issue.line != line) continue;
    int start = columnToIndex(text, std::max(1, issue.column));
    if (start >= text.size()) start = std::max(0, int(text.size()) - 1);
    int end = start + 1;
    if (start < text.size() && text[start] == QLatin1Char('{')) {
      const int close = int(text.indexOf(QLatin1Char('}'), start));
      end = close < 0 ? int(text.size()) : close + 1;
    }
    if (text.isEmpty()) continue;
    for (int i = start; i < end; ++i) {
      QTextCharFormat f = format(i);
      f.setUnderlineStyle(QTextCharFormat::WaveUnderline);
      f.setUnderlineColor(QColor(220, 30, 30));
      f.setToolTip(issue.message);
      setFormat(i, 1, f);
    }
  }
}

}  // namespace pd::ui
