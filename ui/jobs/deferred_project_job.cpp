#include "jobs/deferred_project_job.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace pd::ui {

std::string describeSpec(const std::string& specJson) {
  const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(specJson)).object();
  QString out = o.value("kind").toString();
  QStringList parts;
  const QString method = o.value("label").toString().isEmpty() ? o.value("method").toString()
                                                               : o.value("label").toString();
  if (!method.isEmpty()) parts << method;
  if (o.contains("shots") && o.value("shots").isDouble()) {
    const int shots = o.value("shots").toInt();
    parts << (shots == 1 ? QStringLiteral("1 shot") : QStringLiteral("%1 shots").arg(shots));
  }
  if (o.contains("seed") && o.value("seed").isDouble() && o.value("shots").toInt() > 0)
    parts << QStringLiteral("seed %1").arg(o.value("seed").toInt());
  if (!parts.isEmpty()) out += QStringLiteral(": ") + parts.join(QStringLiteral(", "));
  return out.toStdString();
}

}  // namespace pd::ui
