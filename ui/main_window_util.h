#pragma once
// Small helpers shared by MainWindow's translation units (main_window_project.cpp,
// main_window_models.cpp). Internal to ui/.
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

#include <string>
#include <utility>

#include "promptdesk/dataset.h"
#include "promptdesk/project.h"

namespace pd::ui::detail {

// The property that names a work-area tab (findTab).
inline const char* const kTabKey = "pdTab";
inline QString q(const std::string& s) { return QString::fromStdString(s); }

// A dataset record's SPEC and options (what the jobs recorded), else its path.
inline std::pair<std::string, DatasetOptions> datasetSpecOf(const DatasetRecord& d) {
  DatasetOptions o;
  std::string spec = d.path;
  const QJsonObject j = QJsonDocument::fromJson(QByteArray::fromStdString(d.specJson)).object();
  if (j.value("spec").isString()) spec = j.value("spec").toString().toStdString();
  o.imageRoot = j.value("image_root").toString().toStdString();
  o.classNamesFile = j.value("class_names").toString().toStdString();
  for (const QString& l : j.value("label_names").toString().split(',', Qt::SkipEmptyParts))
    o.labelNames.push_back(l.trimmed().toStdString());
  return {spec, o};
}

}  // namespace pd::ui::detail
