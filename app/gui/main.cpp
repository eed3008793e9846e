#include <QApplication>
#include <QCommandLineParser>
#include <QScreen>
#include <QTimer>

#include <iostream>
#include <string>

#include "demo_launcher.h"
#include "main_window.h"
#include "promptdesk/demo.h"
#include "promptdesk/threading_env.h"
#include "promptdesk/version.h"

int main(int argc, char** argv) {
  pd::reexecWithPassiveOmpWait(argv);  // before anything else: see promptdesk/threading_env.h
  // --version and --help must work without a display.
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--version" || arg == "-v") {
      std::cout << "promptdesk " << pd::version() << " (Qt " << qVersion() << ", LibTorch "
                << pd::torchVersion() << ")\n";
      return 0;
    }
  }
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("PromptDesk"));
  QApplication::setOrganizationName(QStringLiteral("PromptDesk"));
  QApplication::setApplicationVersion(QString::fromStdString(pd::version()));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("PromptDesk: a workbench for prompt learning"));
  parser.addHelpOption();
  parser.addVersionOption();
  QCommandLineOption quitAfter(QStringLiteral("quit-after"),
                               QStringLiteral("Close the window after <ms> milliseconds."),
                               QStringLiteral("ms"));
  parser.addOption(quitAfter);
  QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                QStringLiteral("Save a screenshot of the screen to <file> just "
                                               "before --quit-after closes the window."),
                                QStringLiteral("file"));
  parser.addOption(screenshot);
  QCommandLineOption demo(QStringLiteral("demo"),
                          QStringLiteral("Open the demo project (created when missing): trains the "
                                         "small demo CLIP once, then runs the few-shot experiment "
                                         "as jobs while its chart fills."));
  parser.addOption(demo);
  QCommandLineOption demoReduced(QStringLiteral("demo-reduced"),
                                 QStringLiteral("The reduced demo (fewer shots, one seed, 2000 "
                                                "test items), as the tests run it."));
  parser.addOption(demoReduced);
  parser.addPositionalArgument(QStringLiteral("project"),
                               QStringLiteral("A .pdesk project to open."), QStringLiteral("[project]"));
  parser.process(app);

  pd::ui::MainWindow window;
  window.show();
  if (!parser.positionalArguments().isEmpty()) window.openProject(parser.positionalArguments().first());
  if (parser.isSet(demo) || parser.isSet(demoReduced)) {
    auto* launcher = new pd::ui::DemoLauncher(
        &window, parser.isSet(demoReduced) ? pd::DemoOptions::reduced() : pd::DemoOptions());
    launcher->start();
  }
  if (parser.isSet(quitAfter)) {
    const int ms = parser.value(quitAfter).toInt();
    QObject::connect(&app, &QApplication::lastWindowClosed, &app, &QApplication::quit);
    const QString shot = parser.value(screenshot);
    QTimer::singleShot(ms, &window, [&window, shot] {
      if (!shot.isEmpty() && window.screen()) window.screen()->grabWindow(0).save(shot);
      window.close();
    });
  }
  return app.exec();
}
