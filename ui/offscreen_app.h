#pragma once
// For the CLI's use of UI code (PDF reports, chart images): creates a QApplication on the
// offscreen platform when the process has none yet (the GUI has its own). Idempotent.
namespace pd::ui {
void ensureOffscreenApp();
}
