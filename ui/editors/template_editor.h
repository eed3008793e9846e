#pragma once
// Template editor: syntax colours, errors underlined with the parser's message as you type, and a
// live preview table (the template filled for sample classes). Validation and rendering go
// through std::function seams; the defaults use pd::Template (promptdesk/template.h).
#include <QMap>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <functional>

#include "editors/template_highlighter.h"

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QTableWidget;
class QTimer;

namespace pd::ui {

class TemplateEditor : public QWidget {
  Q_OBJECT
 public:
  // Problems of `source` for a model family ("clip", "mlm", "clm"); empty when valid.
  using Validator =
      std::function<QVector<TemplateIssue>(const QString& source, const QString& family)>;
  // The template filled for one class and sample text; throws to report a problem.
  using Renderer = std::function<QString(const QString& source, const QString& className,
                                         const QString& sampleText)>;

  explicit TemplateEditor(QWidget* parent = nullptr);

  void setTemplateText(const QString& text);
  QString templateText() const;
  void setFamily(const QString& family);  // "clip" (default), "mlm", "clm"
  QString family() const;
  void setPreviewClasses(const QStringList& classes);
  void setSampleText(const QString& text);
  void setValidator(Validator v) { validator_ = std::move(v); }
  void setRenderer(Renderer r) { renderer_ = std::move(r); }

  // Text models: the tokenizer whose ids the token preview shows ("" = none; a folder, "gpt2" or
  // "bert-base-uncased"); offered in the editor's tokenizer box (the installed names are there).
  void setTokenizer(const QString& tokenizer);
  QString tokenizer() const;
  void addTokenizerChoice(const QString& label, const QString& tokenizer);
  // Label words per class for the preview (class -> words); a class without: its own name.
  void setLabelWords(const QMap<QString, QStringList>& words);

  static Validator defaultValidator();
  static Renderer defaultRenderer();

  // Runs validation and preview now (typing triggers them after a short pause).
  void validateNow();
  bool isValid() const { return issues_.isEmpty(); }
  const QVector<TemplateIssue>& issues() const { return issues_; }

  QPlainTextEdit* editor() const { return edit_; }
  TemplateHighlighter* highlighter() const { return highlighter_; }
  QLabel* messageLabel() const { return message_; }
  QTableWidget* previewTable() const { return preview_; }
  QLabel* tokenView() const { return tokens_; }
  QComboBox* tokenizerBox() const { return tokenizerBox_; }

  static constexpr int kDebounceMs = 150;

 signals:
  void validityChanged(bool valid);

 private:
  void updatePreview();
  void updateTokens();

  QPlainTextEdit* edit_ = nullptr;
  QComboBox* familyBox_ = nullptr;
  TemplateHighlighter* highlighter_ = nullptr;
  QLabel* message_ = nullptr;
  QTableWidget* preview_ = nullptr;
  QComboBox* tokenizerBox_ = nullptr;
  QLabel* tokens_ = nullptr;
  QMap<QString, QStringList> labelWords_;
  QTimer* debounce_ = nullptr;
  QStringList classes_;
  QString sampleText_;
  Validator validator_;
  Renderer renderer_;
  QVector<TemplateIssue> issues_;
  bool lastValid_ = true;
};

}  // namespace pd::ui
