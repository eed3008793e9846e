#pragma once
// A run dialog generated from an option schema: defaults, ranges and tooltips come from the
// schema; invalid values are marked as you type and the Run button stays disabled until all are
// valid, so nothing invalid is launched.
#include <QDialog>
#include <QMap>

#include "run/option_schema.h"

class QDialogButtonBox;
class QLabel;

namespace pd::ui {

class RunDialog : public QDialog {
  Q_OBJECT
 public:
  RunDialog(const QString& title, OptionSchema schema, QWidget* parent = nullptr);

  // Sets a field from text (as a user would type it). Returns false for an unknown name.
  bool setValue(const QString& name, const QString& value);
  QString value(const QString& name) const;
  OptionValues values() const;
  // Reason per invalid field (empty when all valid).
  QMap<QString, QString> errors() const;
  bool isValid() const { return errors().isEmpty(); }
  QWidget* field(const QString& name) const { return fields_.value(name); }
  QPushButton* runButton() const;
  void restoreDefaults();

 public slots:
  void accept() override;  // refuses (stays open) while any value is invalid

 private:
  void revalidate();
  QString rawValue(const OptionSpec& spec) const;

  OptionSchema schema_;
  QMap<QString, QWidget*> fields_;
  QDialogButtonBox* buttons_ = nullptr;
  QLabel* errorLabel_ = nullptr;
};

}  // namespace pd::ui
