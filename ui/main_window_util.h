#pragma once
// Small helpers shared by MainWindow's translation units (main_window_project.cpp,
// main_window_models.cpp). Internal to ui/.
#include <QString>

#include <string>
#include <utility>

#include "promptdesk/dataset.h"
#include "promptdesk/project.h"
#include "promptdesk/project_files.h"

namespace pd::ui::detail {

// The property that names a work-area tab (findTab).
inline const char* const kTabKey = "pdTab";
inline QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace pd::ui::detail
