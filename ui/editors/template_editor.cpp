#include "editors/template_editor.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "promptdesk/template.h"
#include "promptdesk/text_models.h"

namespace pd::ui {

TemplateEditor::Validator TemplateEditor::defaultValidator() {
  return [](const QString& source, const QString& family) {
    QVector<TemplateIssue> out;
    try {
      const pd::Template t = pd::Template::parse(source.toStdString());
      static const QRegularExpression located(QStringLiteral(R"(^(\d+):(\d+): (.*)$)"));
      for (const std::string& p : t.problems(pd::parseFamily(family.toStdString()))) {
        const QString text = QString::fromStdString(p);
        const auto m = located.match(text);
        if (m.hasMatch())
          out.push_back({m.captured(1).toInt(), m.captured(2).toInt(), m.captured(3)});
        else
          out.push_back({0, 0, text});
      }
    } catch (const pd::TemplateError& e) {
      out.push_back({e.line(), e.column(), QString::fromStdString(e.reason())});
    } catch (const std::exception& e) {
      out.push_back({0, 0, QString::fromStdString(e.what())});
    }
    return out;
  };
}

TemplateEditor::Renderer TemplateEditor::defaultRenderer() {
  return [](const QString& source, const QString& className, const QString& sampleText) {
    const pd::Template t = pd::Template::parse(source.toStdString());
    pd::RenderInput in = pd::RenderInput::ofClass(className.toStdString());
    in.text = in.textA = sampleText.toStdString();
    in.textB = sampleText.toStdString();
    in.labelWord = className.toStdString();
    return QString::fromStdString(pd::render(t, in).text);
  };
}

TemplateEditor::TemplateEditor(QWidget* parent)
    : QWidget(parent), validator_(defaultValidator()), renderer_(defaultRenderer()) {
  setObjectName(QStringLiteral("templateEditor"));
  edit_ = new QPlainTextEdit(this);
  edit_->setObjectName(QStringLiteral("templateText"));
  QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  mono.setPointSizeF(mono.pointSizeF() * 1.15);
  edit_->setFont(mono);
  edit_->setPlaceholderText(tr("a photo of a {class}."));
  highlighter_ = new TemplateHighlighter(edit_->document());

  familyBox_ = new QComboBox(this);
  familyBox_->addItem(tr("CLIP (image–text)"), QStringLiteral("clip"));
  familyBox_->addItem(tr("Masked LM (cloze)"), QStringLiteral("mlm"));
  familyBox_->addItem(tr("Causal LM (prefix)"), QStringLiteral("clm"));
  familyBox_->setToolTip(tr("Which model family the template is checked for"));

  message_ = new QLabel(this);
  message_->setObjectName(QStringLiteral("templateMessage"));
  message_->setWordWrap(true);
  message_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  preview_ = new QTableWidget(0, 2, this);
  preview_->setObjectName(QStringLiteral("templatePreview"));
  preview_->setHorizontalHeaderLabels({tr("Class"), tr("Rendered prompt")});
  preview_->horizontalHeader()->setStretchLastSection(true);
  preview_->verticalHeader()->setVisible(false);
  preview_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  preview_->setAlternatingRowColors(true);
  preview_->setColumnWidth(0, 160);

  tokenizerBox_ = new QComboBox(this);
  tokenizerBox_->setObjectName(QStringLiteral("templateTokenizer"));
  tokenizerBox_->addItem(tr("(none)"), QString());
  tokenizerBox_->addItem(tr("BERT uncased WordPiece (bert-base-uncased)"),
                         QStringLiteral("bert-base-uncased"));
  tokenizerBox_->addItem(tr("GPT-2 byte-level BPE (gpt2)"), QStringLiteral("gpt2"));
  tokenizerBox_->setToolTip(
      tr("Text models: show the token ids the model sees, the mask position and the label-word "
         "ids"));
  tokens_ = new QLabel(this);
  tokens_->setObjectName(QStringLiteral("templateTokens"));
  tokens_->setWordWrap(true);
  tokens_->setTextFormat(Qt::RichText);
  tokens_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* legend =
      new QLabel(tr("<span style='color:#145ac8'><b>{class}</b></span> "
                    "<span style='color:#9628aa'><b>{mask}</b></span> "
                    "<span style='color:#00826e'><b>{text}</b></span> "
                    "<span style='color:#d26e00'><b>{soft:N}</b> <b>{soft:\"words\"}</b></span> "
                    "<span style='color:#aa3c28'><b>{trigger:N}</b></span> "
                    "<span style='color:#787878'>{{ }}</span>"),
                 this);

  auto* top = new QWidget(this);
  auto* form = new QFormLayout;
  form->addRow(tr("Model family:"), familyBox_);
  form->addRow(tr("Tokenizer:"), tokenizerBox_);
  auto* topLayout = new QVBoxLayout(top);
  topLayout->setContentsMargins(0, 0, 0, 0);
  topLayout->addLayout(form);
  topLayout->addWidget(edit_, 1);
  topLayout->addWidget(legend);
  topLayout->addWidget(message_);
  topLayout->addWidget(tokens_);
  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(top);
  splitter->addWidget(preview_);
  splitter->setStretchFactor(0, 1);
  splitter->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(splitter);

  classes_ = {QStringLiteral("airplane"), QStringLiteral("golden retriever"),
              QStringLiteral("sunflower"), QStringLiteral("pizza")};
  sampleText_ = tr("The film was a delight from start to finish.");
  debounce_ = new QTimer(this);
  debounce_->setSingleShot(true);
  debounce_->setInterval(kDebounceMs);
  connect(debounce_, &QTimer::timeout, this, &TemplateEditor::validateNow);
  connect(edit_, &QPlainTextEdit::textChanged, debounce_, qOverload<>(&QTimer::start));
  connect(familyBox_, &QComboBox::currentIndexChanged, this, &TemplateEditor::validateNow);
  connect(tokenizerBox_, &QComboBox::currentIndexChanged, this, &TemplateEditor::updateTokens);
  validateNow();
}

void TemplateEditor::setTemplateText(const QString& text) {
  edit_->setPlainText(text);
  validateNow();
}

QString TemplateEditor::templateText() const { return edit_->toPlainText(); }

void TemplateEditor::setFamily(const QString& family) {
  const int i = familyBox_->findData(family);
  if (i >= 0) familyBox_->setCurrentIndex(i);
  validateNow();
}

QString TemplateEditor::family() const { return familyBox_->currentData().toString(); }

void TemplateEditor::setPreviewClasses(const QStringList& classes) {
  classes_ = classes;
  updatePreview();
}

void TemplateEditor::addTokenizerChoice(const QString& label, const QString& tokenizer) {
  if (tokenizerBox_->findData(tokenizer) < 0) tokenizerBox_->addItem(label, tokenizer);
}

void TemplateEditor::setTokenizer(const QString& tokenizer) {
  int i = tokenizerBox_->findData(tokenizer);
  if (i < 0) {
    tokenizerBox_->addItem(tokenizer, tokenizer);
    i = tokenizerBox_->count() - 1;
  }
  tokenizerBox_->setCurrentIndex(i);
  updateTokens();
}

QString TemplateEditor::tokenizer() const { return tokenizerBox_->currentData().toString(); }

void TemplateEditor::setLabelWords(const QMap<QString, QStringList>& words) {
  labelWords_ = words;
  updateTokens();
}

void TemplateEditor::updateTokens() {
  const QString tok = tokenizer();
  const QString fam = family();
  const QString source = templateText();
  if (tok.isEmpty() || fam == QLatin1String("clip") || source.trimmed().isEmpty() ||
      !issues_.isEmpty()) {
    tokens_->setText(tok.isEmpty() || fam == QLatin1String("clip")
                         ? QString()
                         : tr("<i>(the token preview needs a valid template)</i>"));
    return;
  }
  try {
    std::vector<std::string> classes;
    std::vector<std::vector<std::string>> words;
    for (const QString& c : classes_) {
      classes.push_back(c.toStdString());
      std::vector<std::string> w;
      for (const QString& x : labelWords_.value(c)) w.push_back(x.toStdString());
      words.push_back(std::move(w));
    }
    const pd::TextPromptPreview p = pd::previewTextPrompt(
        tok.toStdString(), source.toStdString(), fam.toStdString(), sampleText_.toStdString(),
        classes, words);
    QString html = tr("<b>%1 tokens</b> (of %2) · %3<br>")
                       .arg(p.tokens.size())
                       .arg(p.maxLength)
                       .arg(QString::fromStdString(p.tokenizer).toHtmlEscaped());
    for (const pd::PromptToken& t : p.tokens) {
      QString style;
      switch (t.role) {
        case pd::PromptToken::Role::Mask: style = QStringLiteral("background:#f5d76e;font-weight:bold"); break;
        case pd::PromptToken::Role::Special: style = QStringLiteral("color:#787878"); break;
        case pd::PromptToken::Role::Input: style = QStringLiteral("background:#dcebfa"); break;
        case pd::PromptToken::Role::Template: style = QStringLiteral("background:#eeeeee"); break;
      }
      html += QStringLiteral("<span style='%1'>&nbsp;%2<sub>%3</sub>&nbsp;</span> ")
                  .arg(style, QString::fromStdString(t.token).toHtmlEscaped())
                  .arg(t.id);
    }
    if (p.truncated) html += tr("<br><span style='color:#c86400'>the sample text is cut to fit</span>");
    if (!p.labelWords.empty()) {
      html += tr("<br>label words at the %1: ").arg(p.maskPos >= 0 ? tr("mask (position %1)").arg(p.maskPos)
                                                                   : tr("end of the prompt"));
      QStringList parts;
      for (const pd::LabelWordIds& w : p.labelWords) {
        QStringList pieces;
        for (std::size_t i = 0; i < w.ids.size(); ++i)
          pieces << QStringLiteral("%1<sub>%2</sub>")
                        .arg(QString::fromStdString(w.pieces[i]).toHtmlEscaped())
                        .arg(w.ids[i]);
        parts << QStringLiteral("%1: <span style='background:#c8f0c8'>%2</span>%3")
                     .arg(QString::fromStdString(w.className).toHtmlEscaped(), pieces.join(QLatin1Char(' ')),
                          w.ids.size() > 1 ? tr(" (%1 tokens)").arg(w.ids.size()) : QString());
      }
      html += parts.join(QStringLiteral(" · "));
    }
    tokens_->setText(html);
  } catch (const std::exception& e) {
    tokens_->setText(QStringLiteral("<span style='color:#c81e1e'>%1</span>")
                         .arg(QString::fromStdString(e.what()).toHtmlEscaped()));
  }
}

void TemplateEditor::setSampleText(const QString& text) {
  sampleText_ = text;
  updatePreview();
  updateTokens();
}

void TemplateEditor::validateNow() {
  debounce_->stop();
  const QString source = templateText();
  issues_.clear();
  if (!source.trimmed().isEmpty() && validator_) issues_ = validator_(source, family());
  highlighter_->setIssues(issues_);
  if (source.trimmed().isEmpty()) {
    message_->setText(tr("Type a template, e.g. <code>a photo of a {class}.</code>"));
    message_->setStyleSheet(QString());
  } else if (issues_.isEmpty()) {
    message_->setText(tr("✓ Valid %1 template").arg(familyBox_->currentText()));
    message_->setStyleSheet(QStringLiteral("color: rgb(30, 130, 60);"));
  } else {
    QStringList lines;
    for (const TemplateIssue& i : issues_)
      lines << (i.line > 0 ? tr("Line %1, column %2: %3").arg(i.line).arg(i.column).arg(i.message)
                           : i.message);
    message_->setText(lines.join(QLatin1Char('\n')));
    message_->setStyleSheet(QStringLiteral("color: rgb(200, 30, 30);"));
  }
  edit_->setToolTip(issues_.isEmpty() ? QString() : message_->text());
  updatePreview();
  updateTokens();
  const bool valid = issues_.isEmpty();
  if (valid != lastValid_) {
    lastValid_ = valid;
    emit validityChanged(valid);
  }
}

void TemplateEditor::updatePreview() {
  const QString source = templateText();
  preview_->setRowCount(int(classes_.size()));
  for (int r = 0; r < classes_.size(); ++r) {
    preview_->setItem(r, 0, new QTableWidgetItem(classes_[r]));
    QString text;
    bool ok = true;
    if (source.trimmed().isEmpty()) {
      text = QString();
    } else if (!issues_.isEmpty()) {
      text = tr("(fix the template to see the prompt)");
      ok = false;
    } else {
      try {
        text = renderer_ ? renderer_(source, classes_[r], sampleText_) : source;
      } catch (const std::exception& e) {
        text = QString::fromStdString(e.what());
        ok = false;
      }
    }
    auto* item = new QTableWidgetItem(text);
    if (!ok) item->setForeground(issues_.isEmpty() ? QColor(200, 30, 30) : QColor(140, 140, 140));
    preview_->setItem(r, 1, item);
  }
}

}  // namespace pd::ui
