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
  auto* topLayout = new QVBoxLayout(top);
  topLayout->setContentsMargins(0, 0, 0, 0);
  topLayout->addLayout(form);
  topLayout->addWidget(edit_, 1);
  topLayout->addWidget(legend);
  topLayout->addWidget(message_);
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

void TemplateEditor::setSampleText(const QString& text) {
  sampleText_ = text;
  updatePreview();
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
