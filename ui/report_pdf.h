#pragma once
// PDF export of a comparison report (Qt: QTextDocument laid out on QPdfWriter pages, charts drawn
// with QPainter). Usable from the CLI: creates an offscreen QGuiApplication when none exists.
#include <string>

#include "promptdesk/report.h"

namespace pd::ui {

// Writes `data` as an A4 PDF to `path`; returns the number of pages written. Throws pd::Error
// when the file cannot be written.
int writeReportPdf(const pd::ReportData& data, const std::string& path);

}  // namespace pd::ui
