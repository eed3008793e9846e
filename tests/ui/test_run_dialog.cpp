// Run dialogs generated from an option schema: defaults, ranges, tooltips; invalid values refused.
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QtTest/QtTest>

#include "run/run_dialog.h"
#include "ui_test_util.h"

using namespace pd::ui;

namespace {
OptionSpec opt(std::string name, OptionType type, std::string def, double min = -1e300,
               double max = 1e300, std::vector<std::string> choices = {}, std::string help = {},
               std::string label = {}) {
  OptionSpec s;
  s.name = std::move(name);
  s.type = type;
  s.defaultValue = std::move(def);
  s.min = min;
  s.max = max;
  s.choices = std::move(choices);
  s.help = std::move(help);
  s.label = std::move(label);
  return s;
}

OptionSchema coopSchema() {
  OptionSchema s;
  s.push_back(
      opt("shots", OptionType::Int, "16", 0, 128, {}, "Labelled examples per class", "Shots"));
  s.push_back(
      opt("lr", OptionType::Double, "0.002", 1e-6, 1.0, {}, "SGD learning rate", "Learning rate"));
  s.push_back(opt("n_ctx", OptionType::Int, "16", 1, 64, {}, "Number of context vectors M",
                  "Context length"));
  s.push_back(opt("class_token_position", OptionType::Choice, "end", 0, 0,
                  {"end", "middle", "front"}, "Where the class token goes",
                  "Class token position"));
  s.push_back(
      opt("csc", OptionType::Bool, "false", 0, 0, {}, "Class-specific context", "Class-specific"));
  OptionSpec name = opt("run_name", OptionType::String, "coop-caltech", 0, 0, {},
                        "A name for the run", "Run name");
  name.required = true;
  s.push_back(name);
  return s;
}
}  // namespace

class TestRunDialog : public QObject {
  Q_OBJECT
 private slots:
  void checkOptionRules() {
    OptionSpec i = opt("n", OptionType::Int, "1", 1, 10);
    QVERIFY(checkOption(i, "5").empty());
    QVERIFY(!checkOption(i, "0").empty());
    QVERIFY(!checkOption(i, "11").empty());
    QVERIFY(!checkOption(i, "2.5").empty());
    QVERIFY(!checkOption(i, "").empty());
    OptionSpec d = opt("lr", OptionType::Double, "0.1", 0, 1);
    QVERIFY(checkOption(d, "1e-3").empty());
    QVERIFY(!checkOption(d, "nan").empty());
    QVERIFY(!checkOption(d, "abc").empty());
    OptionSpec c = opt("pos", OptionType::Choice, "end", 0, 0, {"end", "front"});
    QVERIFY(checkOption(c, "front").empty());
    QVERIFY(!checkOption(c, "back").empty());
  }

  void defaultsRangesTooltips() {
    RunDialog dlg("CoOp training", coopSchema());
    QCOMPARE(dlg.value("shots"), QString("16"));
    QCOMPARE(dlg.value("lr"), QString("0.002"));
    QCOMPARE(dlg.value("class_token_position"), QString("end"));
    QCOMPARE(dlg.value("csc"), QString("false"));
    QVERIFY(qobject_cast<QCheckBox*>(dlg.field("csc")));
    auto* combo = qobject_cast<QComboBox*>(dlg.field("class_token_position"));
    QVERIFY(combo);
    QCOMPARE(combo->count(), 3);
    QVERIFY(dlg.field("lr")->toolTip().contains("SGD learning rate"));
    QVERIFY(dlg.field("shots")->toolTip().contains("0 … 128"));
    QVERIFY(qobject_cast<QLineEdit*>(dlg.field("n_ctx"))->placeholderText().contains("1 … 64"));
    QVERIFY(dlg.isValid());
    QVERIFY(dlg.runButton()->isEnabled());
    const OptionValues v = dlg.values();
    QCOMPARE(v.at("n_ctx"), std::string("16"));
    QCOMPARE(v.at("run_name"), std::string("coop-caltech"));
  }

  void refusesInvalidValues() {
    RunDialog dlg("CoOp training", coopSchema());
    dlg.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dlg));
    auto* shots = qobject_cast<QLineEdit*>(dlg.field("shots"));
    shots->clear();
    QTest::keyClicks(shots, "500");
    QVERIFY(!dlg.isValid());
    QVERIFY(dlg.errors().value("shots").contains("between 0 and 128"));
    QVERIFY(!dlg.runButton()->isEnabled());
    dlg.setValue("lr", "fast");
    dlg.setValue("run_name", "  ");
    QCOMPARE(dlg.errors().size(), 3);
    QVERIFY(dlg.findChild<QLabel*>("runErrors")->text().contains("Learning rate"));
    QVERIFY(!shots->styleSheet().isEmpty());
    pd::test::saveShot(&dlg, "run_dialog_invalid.png");
    // Accept is refused while invalid: the dialog stays open, no result.
    QSignalSpy accepted(&dlg, &QDialog::accepted);
    dlg.accept();
    QCOMPARE(accepted.count(), 0);
    QVERIFY(dlg.isVisible());
    QTest::keyClick(&dlg, Qt::Key_Return);
    QCOMPARE(accepted.count(), 0);
    // Fixing them lets it launch.
    dlg.setValue("shots", "8");
    dlg.setValue("lr", "0.002");
    dlg.setValue("run_name", "coop-8");
    QVERIFY(dlg.isValid());
    QVERIFY(dlg.runButton()->isEnabled());
    QVERIFY(shots->styleSheet().isEmpty());
    pd::test::saveShot(&dlg, "run_dialog_valid.png");
    dlg.runButton()->click();
    QCOMPARE(accepted.count(), 1);
    QCOMPARE(dlg.result(), int(QDialog::Accepted));
    QCOMPARE(dlg.values().at("shots"), std::string("8"));
  }

  void restoreDefaults() {
    RunDialog dlg("x", coopSchema());
    dlg.setValue("shots", "-1");
    dlg.setValue("csc", "true");
    QVERIFY(!dlg.isValid());
    dlg.restoreDefaults();
    QVERIFY(dlg.isValid());
    QCOMPARE(dlg.value("csc"), QString("false"));
    QVERIFY(!dlg.setValue("nope", "1"));
  }
};

QTEST_MAIN(TestRunDialog)
#include "test_run_dialog.moc"
