#include "charts/chart_export.h"

#include "charts/few_shot_chart.h"
#include "offscreen_app.h"
#include "project/project_adapters.h"
#include "promptdesk/error.h"

namespace pd::ui {

void exportFewShotChart(const ::pd::ReportData& report, const std::string& path, int width,
                        int height) {
  ensureOffscreenApp();
  charts::FewShotChart chart;
  chart.resize(width, height);
  chart.setData(fewShotFromReport(report));
  QString error;
  if (!chart.exportTo(QString::fromStdString(path), &error, width, height))
    throw ::pd::Error(error.toStdString(), path);
}

}  // namespace pd::ui
