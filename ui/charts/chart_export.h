#pragma once
// Chart images without a window: the GUI's chart widgets rendered to a file (PNG, PDF, or SVG when
// built with Qt SVG), for the CLI (demo, reports) and the README's figure. Plain C++ interface.
#include <string>

#include "promptdesk/report.h"

namespace pd::ui {

// The report's few-shot figure (FewShotChart over fewShotFromReport) written to `path` by suffix.
// Creates an offscreen QApplication when the process has none. Throws pd::Error on failure.
void exportFewShotChart(const ::pd::ReportData& report, const std::string& path, int width = 900,
                        int height = 560);

}  // namespace pd::ui
