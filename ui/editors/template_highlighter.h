#pragma once
// Syntax colours for the prompt template language ({class}, {mask}, {text}, {soft:N},
// {soft:"words"}, {trigger:N}, {{ }}) and wavy red underlines where the parser found errors.
#include <QSyntaxHighlighter>
#include <QTextCharFormat>
#include <QVector>

namespace pd::ui {

struct TemplateIssue {
  int line = 0;    // 1-based; 0: the whole template
  int column = 0;  // 1-based, in characters (code points)
  QString message;
};

class TemplateHighlighter : public QSyntaxHighlighter {
  Q_OBJECT
 public:
  explicit TemplateHighlighter(QTextDocument* document);
  void setIssues(const QVector<TemplateIssue>& issues);
  const QVector<TemplateIssue>& issues() const { return issues_; }

  // Formats, exposed for tests.
  enum Kind { kClass, kMask, kInput, kSoft, kTrigger, kEscape, kOther };
  QTextCharFormat formatFor(Kind kind) const { return formats_[kind]; }
  static QTextCharFormat errorFormat();

 protected:
  void highlightBlock(const QString& text) override;

 private:
  QTextCharFormat formats_[kOther + 1];
  QVector<TemplateIssue> issues_;
};

// UTF-16 index in `text` of a 1-based code-point column.
int columnToIndex(const QString& text, int column);

}  // namespace pd::ui
