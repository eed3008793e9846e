#include "offscreen_app.h"

#include <QApplication>

namespace pd::ui {

void ensureOffscreenApp() {
  if (QCoreApplication::instance()) return;
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  static int argc = 1;
  static char name[] = "promptdesk-cli";
  static char* argv[] = {name, nullptr};
  static QApplication* app = new QApplication(argc, argv);  // widgets (charts) need QApplication
  (void)app;
}

}  // namespace pd::ui
