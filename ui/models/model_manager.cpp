#include "models/model_manager.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "promptdesk/models.h"

namespace pd::ui {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }

QJsonObject archOf(const ::pd::ModelRecord& m) {
  return QJsonDocument::fromJson(QByteArray::fromStdString(m.architectureJson)).object();
}

// Explanations of the OpenAI build_model names, shown as tooltips.
const char* explain(const QString& key) {
  static const QHash<QString, const char*> h = {
      {"embed_dim", "size of the joint image-text embedding"},
      {"image_resolution", "input image side in pixels"},
      {"vision_layers", "image tower depth (ResNet: blocks per stage)"},
      {"vision_width", "image tower width"},
      {"vision_patch_size", "ViT patch size in pixels"},
      {"vision_heads", "attention heads of the image tower"},
      {"context_length", "text positions (tokens per prompt)"},
      {"vocab_size", "BPE vocabulary size"},
      {"transformer_width", "text tower width"},
      {"transformer_heads", "text tower attention heads"},
      {"transformer_layers", "text tower depth"},
      {"config_source", "where the numbers came from: tensor shapes or a config file"},
      {"format", "checkpoint format as read"},
      {"parameter_count", "learnable parameters"},
      {"content_hash", "the reader's SHA-256 of the weights file"}};
  return h.value(key, "");
}
}  // namespace

QString ModelManager::formatCount(std::int64_t n) {
  QString digits = QString::number(n);
  for (int i = digits.size() - 3; i > 0; i -= 3) digits.insert(i, QChar(0x2009));
  QString shortForm;
  if (n >= 1000000000)
    shortForm = QStringLiteral("%1 B").arg(double(n) / 1e9, 0, 'f', 2);
  else if (n >= 1000000)
    shortForm = QStringLiteral("%1 M").arg(double(n) / 1e6, 0, 'f', 1);
  else if (n >= 1000)
    shortForm = QStringLiteral("%1 k").arg(double(n) / 1e3, 0, 'f', 1);
  return shortForm.isEmpty() ? digits : QStringLiteral("%1 (%2)").arg(shortForm, digits);
}

ModelManager::ModelManager(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("modelManager"));
  add_ = new QPushButton(tr("Add Checkpoint…"), this);
  add_->setObjectName(QStringLiteral("addModelButton"));
  add_->setToolTip(tr("OpenAI TorchScript .pt (converted to safetensors in a separate process) "
                      "or a .safetensors file"));
  addFolder_ = new QPushButton(tr("Add Hugging Face Folder…"), this);
  addFolder_->setObjectName(QStringLiteral("addModelFolderButton"));
  connect(add_, &QPushButton::clicked, this, &ModelManager::addFileRequested);
  connect(addFolder_, &QPushButton::clicked, this, &ModelManager::addFolderRequested);
  busy_ = new QLabel(this);
  busy_->setObjectName(QStringLiteral("modelBusy"));
  busy_->setVisible(false);
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("<b>CLIP models in this project</b>"), this));
  bar->addStretch(1);
  bar->addWidget(busy_);
  bar->addWidget(add_);
  bar->addWidget(addFolder_);

  error_ = new QLabel(this);
  error_->setObjectName(QStringLiteral("modelError"));
  error_->setWordWrap(true);
  error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  error_->setStyleSheet(QStringLiteral(
      "QLabel { color: rgb(160, 20, 20); background: rgb(255, 238, 238); border: 1px solid "
      "rgb(220, 150, 150); padding: 6px; }"));
  error_->setVisible(false);

  list_ = new QTableWidget(0, 5, this);
  list_->setObjectName(QStringLiteral("modelList"));
  list_->setHorizontalHeaderLabels(
      {tr("File"), tr("Format"), tr("Image tower"), tr("Parameters"), tr("SHA-256")});
  list_->verticalHeader()->setVisible(false);
  list_->setSelectionBehavior(QAbstractItemView::SelectRows);
  list_->setSelectionMode(QAbstractItemView::SingleSelection);
  list_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  list_->horizontalHeader()->setStretchLastSection(true);
  connect(list_, &QTableWidget::currentCellChanged, this,
          [this](int row, int, int, int) { showDetails(row); });

  summary_ = new QLabel(this);
  summary_->setObjectName(QStringLiteral("modelSummary"));
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  arch_ = new QTableWidget(0, 2, this);
  arch_->setObjectName(QStringLiteral("modelArchitecture"));
  arch_->setHorizontalHeaderLabels({tr("Architecture (OpenAI names)"), tr("Value")});
  arch_->verticalHeader()->setVisible(false);
  arch_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  arch_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  auto* details = new QWidget(this);
  auto* dl = new QVBoxLayout(details);
  dl->setContentsMargins(0, 0, 0, 0);
  dl->addWidget(summary_);
  dl->addWidget(arch_, 1);

  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(list_);
  split->addWidget(details);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addWidget(error_);
  layout->addWidget(split, 1);
  showDetails(-1);
}

void ModelManager::setModels(const std::vector<::pd::ModelRecord>& models) {
  const std::int64_t keep = selectedModel();
  models_ = models;
  busy_->setVisible(false);
  list_->setRowCount(int(models_.size()));
  for (int r = 0; r < int(models_.size()); ++r) {
    const auto& m = models_[size_t(r)];
    const QJsonObject a = archOf(m);
    auto* file = new QTableWidgetItem(QFileInfo(q(m.path)).fileName());
    file->setToolTip(q(m.path));
    file->setData(Qt::UserRole, qint64(m.id));
    list_->setItem(r, 0, file);
    list_->setItem(r, 1, new QTableWidgetItem(q(m.format)));
    const ::pd::ModelSummary sum = ::pd::summarizeArchitecture(m.architectureJson);
    list_->setItem(r, 2, new QTableWidgetItem(m.architectureJson.empty() ? tr("unknown (not inspected)")
                                                                        : q(sum.title)));
    const qint64 params = qint64(a.value("parameter_count").toDouble());
    list_->setItem(r, 3, new QTableWidgetItem(params > 0 ? formatCount(params) : tr("–")));
    auto* hash = new QTableWidgetItem(q(m.contentHash.substr(0, 16)) + QStringLiteral("…"));
    hash->setToolTip(q(m.contentHash));
    list_->setItem(r, 4, hash);
  }
  list_->resizeColumnsToContents();
  if (!selectModel(keep) && !models_.empty()) list_->setCurrentCell(0, 0);
  if (models_.empty()) showDetails(-1);
}

bool ModelManager::selectModel(std::int64_t id) {
  for (int r = 0; r < int(models_.size()); ++r)
    if (models_[size_t(r)].id == id) {
      list_->setCurrentCell(r, 0);
      showDetails(r);
      return true;
    }
  return false;
}

std::int64_t ModelManager::selectedModel() const {
  const int r = list_->currentRow();
  return r >= 0 && r < int(models_.size()) ? models_[size_t(r)].id : 0;
}

void ModelManager::setError(const QString& message) {
  busy_->setVisible(false);
  error_->setText(message);
  error_->setVisible(!message.isEmpty());
}

void ModelManager::setBusy(const QString& message) {
  busy_->setText(message);
  busy_->setVisible(!message.isEmpty());
}

void ModelManager::showDetails(int row) {
  arch_->setRowCount(0);
  if (row < 0 || row >= int(models_.size())) {
    summary_->setText(models_.empty() ? tr("No model yet. Add an OpenAI CLIP checkpoint (.pt), "
                                           "a .safetensors file or a Hugging Face CLIP folder.")
                                      : QString());
    return;
  }
  const auto& m = models_[size_t(row)];
  const QJsonObject a = archOf(m);
  const qint64 params = qint64(a.value("parameter_count").toDouble());
  summary_->setText(tr("<b>%1</b><br>%2<br>Format: %3 · Parameters: %4<br>SHA-256: <tt>%5</tt>")
                        .arg(QFileInfo(q(m.path)).fileName().toHtmlEscaped(),
                             q(m.path).toHtmlEscaped(), q(m.format),
                             params > 0 ? formatCount(params) : tr("unknown"), q(m.contentHash)));
  // The family's facts first (family, vocabulary, layers, heads, positions, ...), then the raw
  // architecture record.
  int r = 0;
  const ::pd::ModelSummary sum = ::pd::summarizeArchitecture(m.architectureJson);
  for (const auto& [label, value] : sum.facts) {
    arch_->insertRow(r);
    auto* key = new QTableWidgetItem(q(label));
    QFont bold = key->font();
    bold.setBold(true);
    key->setFont(bold);
    arch_->setItem(r, 0, key);
    arch_->setItem(r, 1, new QTableWidgetItem(q(value)));
    ++r;
  }
  for (auto it = a.begin(); it != a.end(); ++it) {
    if (it.key() == QLatin1String("content_hash")) continue;
    QString value;
    if (it.value().isArray()) {
      QStringList parts;
      for (const auto& v : it.value().toArray()) parts << QString::number(v.toInteger());
      value = QStringLiteral("[%1]").arg(parts.join(QStringLiteral(", ")));
    } else if (it.value().isDouble()) {
      value = it.key() == QLatin1String("parameter_count")
                  ? formatCount(qint64(it.value().toDouble()))
                  : QString::number(it.value().toInteger());
    } else if (it.value().isNull()) {
      value = QStringLiteral("–");
    } else {
      value = it.value().toVariant().toString();
    }
    arch_->insertRow(r);
    auto* key = new QTableWidgetItem(it.key());
    key->setToolTip(QString::fromLatin1(explain(it.key())));
    arch_->setItem(r, 0, key);
    arch_->setItem(r, 1, new QTableWidgetItem(value));
    ++r;
  }
}

}  // namespace pd::ui
