#pragma once
// PDF export of a comparison report (Qt: QTextDocument laid out on QPdfWriter pages, charts drawn
// with QPainter). Usable from the CLI: creates an offscreen QGuiApplication when none exists.
#include <string>

#include "promptdesk/report.h"

namespace pd::ui {

// Writes `data` as an A4 PDF to `path`; returns the number of pages written. Throws pd::Error
// when the file cannot be written.
int writeReportPdf(const pd::ReportData& data, const std::string& path);
// The document the PDF lays out (HTML text): the comparison table (with a trained-parameters
// column when the runs recorded theirs, as text methods do), the chart, the runs, the specs.
std::string reportPdfHtml(const pd::ReportData& data);

}  // namespace pd::ui
