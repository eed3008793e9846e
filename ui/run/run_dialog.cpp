#include "run/run_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace pd::ui {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }

QString rangeText(const OptionSpec& s) {
  const bool lo = s.min > -1e299, hi = s.max < 1e299;
  if (lo && hi) return QStringLiteral("%1 … %2").arg(s.min).arg(s.max);
  if (lo) return QStringLiteral("≥ %1").arg(s.min);
  if (hi) return QStringLiteral("≤ %1").arg(s.max);
  return {};
}
}  // namespace

RunDialog::RunDialog(const QString& title, OptionSchema schema, QWidget* parent)
    : QDialog(parent), schema_(std::move(schema)) {
  setObjectName(QStringLiteral("runDialog"));
  setWindowTitle(title);
  auto* form = new QFormLayout;
  form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
  for (const OptionSpec& spec : schema_) {
    const QString name = q(spec.name);
    QString tip = q(spec.help);
    QWidget* w = nullptr;
    switch (spec.type) {
      case OptionType::Bool: {
        auto* box = new QCheckBox(this);
        connect(box, &QCheckBox::toggled, this, &RunDialog::revalidate);
        w = box;
        break;
      }
      case OptionType::Choice: {
        auto* box = new QComboBox(this);
        for (const auto& c : spec.choices) box->addItem(q(c));
        connect(box, &QComboBox::currentTextChanged, this, &RunDialog::revalidate);
        w = box;
        break;
      }
      default: {
        if (spec.type == OptionType::String && !spec.suggestions.empty()) {
          auto* box = new QComboBox(this);
          box->setEditable(true);
          box->setInsertPolicy(QComboBox::NoInsert);
          for (const auto& c : spec.suggestions) box->addItem(q(c));
          box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
          box->setMinimumContentsLength(40);
          connect(box, &QComboBox::currentTextChanged, this, &RunDialog::revalidate);
          w = box;
          break;
        }
        auto* edit = new QLineEdit(this);
        const QString range = rangeText(spec);
        if (spec.optional) {
          edit->setPlaceholderText(range.isEmpty() ? tr("method default")
                                                   : tr("method default; %1").arg(range));
        } else if (spec.type != OptionType::String && !range.isEmpty()) {
          edit->setPlaceholderText(range);
          tip += (tip.isEmpty() ? QString() : QStringLiteral("\n")) + tr("Range: %1").arg(range);
        }
        connect(edit, &QLineEdit::textChanged, this, &RunDialog::revalidate);
        w = edit;
      }
    }
    w->setObjectName(name);
    w->setToolTip(tip);
    fields_.insert(name, w);
    auto* label =
        new QLabel(q(spec.label.empty() ? spec.name : spec.label) + QLatin1Char(':'), this);
    label->setToolTip(tip);
    form->addRow(label, w);
  }
  errorLabel_ = new QLabel(this);
  errorLabel_->setObjectName(QStringLiteral("runErrors"));
  errorLabel_->setStyleSheet(QStringLiteral("color: rgb(200, 30, 30);"));
  errorLabel_->setWordWrap(true);
  buttons_ = new QDialogButtonBox(
      QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults, this);
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("Run"));
  connect(buttons_, &QDialogButtonBox::accepted, this, &RunDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &RunDialog::reject);
  connect(buttons_->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
          &RunDialog::restoreDefaults);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(errorLabel_);
  layout->addWidget(buttons_);
  restoreDefaults();
  setMinimumWidth(420);
}

QPushButton* RunDialog::runButton() const { return buttons_->button(QDialogButtonBox::Ok); }

void RunDialog::restoreDefaults() {
  for (const OptionSpec& spec : schema_) setValue(q(spec.name), q(spec.defaultValue));
  revalidate();
}

bool RunDialog::setValue(const QString& name, const QString& value) {
  QWidget* w = fields_.value(name);
  if (!w) return false;
  if (auto* box = qobject_cast<QCheckBox*>(w))
    box->setChecked(value == QLatin1String("true") || value == QLatin1String("1"));
  else if (auto* combo = qobject_cast<QComboBox*>(w))
    combo->setCurrentText(value);
  else if (auto* edit = qobject_cast<QLineEdit*>(w))
    edit->setText(value);
  return true;
}

QString RunDialog::rawValue(const OptionSpec& spec) const {
  QWidget* w = fields_.value(q(spec.name));
  if (auto* box = qobject_cast<QCheckBox*>(w))
    return box->isChecked() ? QStringLiteral("true") : QStringLiteral("false");
  if (auto* combo = qobject_cast<QComboBox*>(w)) return combo->currentText().trimmed();
  if (auto* edit = qobject_cast<QLineEdit*>(w)) return edit->text().trimmed();
  return {};
}

QString RunDialog::value(const QString& name) const {
  for (const OptionSpec& spec : schema_)
    if (q(spec.name) == name) return rawValue(spec);
  return {};
}

OptionValues RunDialog::values() const {
  OptionValues out;
  for (const OptionSpec& spec : schema_) out[spec.name] = rawValue(spec).toStdString();
  return out;
}

QMap<QString, QString> RunDialog::errors() const {
  QMap<QString, QString> out;
  for (const OptionSpec& spec : schema_) {
    const std::string why = checkOption(spec, rawValue(spec).toStdString());
    if (!why.empty()) out.insert(q(spec.name), q(why));
  }
  return out;
}

void RunDialog::revalidate() {
  if (!buttons_) return;
  const QMap<QString, QString> errs = errors();
  QStringList lines;
  for (const OptionSpec& spec : schema_) {
    const QString name = q(spec.name);
    auto* edit = qobject_cast<QLineEdit*>(fields_.value(name));
    const bool bad = errs.contains(name);
    if (edit)
      edit->setStyleSheet(bad ? QStringLiteral("QLineEdit { border: 1px solid rgb(210,40,40); "
                                               "background: rgb(255,240,240); }")
                              : QString());
    if (bad)
      lines << QStringLiteral("%1: %2").arg(q(spec.label.empty() ? spec.name : spec.label),
                                            errs[name]);
  }
  errorLabel_->setText(lines.join(QLatin1Char('\n')));
  errorLabel_->setVisible(!lines.isEmpty());
  if (isVisible() && layout()) {  // grow so the reasons are readable, never shrink under the user
    layout()->activate();
    const QSize hint = sizeHint();
    if (hint.height() > height()) resize(width(), hint.height());
  }
  runButton()->setEnabled(errs.isEmpty());
}

void RunDialog::accept() {
  revalidate();
  if (!isValid()) return;  // refused: the dialog stays open with the reasons shown
  QDialog::accept();
}

}  // namespace pd::ui
