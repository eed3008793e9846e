#include <QApplication>
#include <QCommandLineParser>
#include <QScreen>
#include <QTimer>

#include <iostream>
#include <string>

#include "main_window.h"
#include "promptdesk/version.h"

int main(int argc, char** argv) {
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
  parser.process(app);

  pd::ui::MainWindow window;
  window.show();
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
