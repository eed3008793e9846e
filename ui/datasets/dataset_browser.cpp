#include "datasets/dataset_browser.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListView>
#include <QPainter>
#include <QPointer>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QThreadPool>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace pd::ui {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
constexpr int kBatch = 48;          // thumbnails decoded per background task
constexpr int kMaxPending = 600;    // older requests (scrolled away) are dropped
const QColor kTrainShot(255, 214, 102);
const QColor kValShot(140, 200, 255);
}  // namespace

QImage itemThumbnail(const ::pd::Dataset& dataset, const ::pd::ItemRef& item, int side) {
  if (dataset.modality() != "image") return {};
  try {
    const ::pd::Image im = dataset.loadImage(item);
    if (im.width <= 0 || im.height <= 0) return {};
    QImage img;
    if (im.channels == 1)
      img = QImage(im.pixels.data(), im.width, im.height, im.width, QImage::Format_Grayscale8)
                .copy();
    else if (im.channels == 3)
      img = QImage(im.pixels.data(), im.width, im.height, im.width * 3, QImage::Format_RGB888)
                .copy();
    else
      return {};
    const Qt::TransformationMode mode =
        std::max(im.width, im.height) < side ? Qt::FastTransformation : Qt::SmoothTransformation;
    return img.scaled(side, side, Qt::KeepAspectRatio, mode);
  } catch (const std::exception&) {
    return {};
  }
}

// ---- ThumbnailModel ---------------------------------------------------------------------------

ThumbnailModel::ThumbnailModel(QObject* parent)
    : QAbstractListModel(parent), liveGeneration_(std::make_shared<std::atomic<quint64>>(0)) {
  cache_.setMaxCost(4000);
  pool_ = new QThreadPool(this);
  pool_->setMaxThreadCount(1);  // decoding must not compete with training for the cores
  batchTimer_ = new QTimer(this);
  batchTimer_->setSingleShot(true);
  batchTimer_->setInterval(15);
  connect(batchTimer_, &QTimer::timeout, this, &ThumbnailModel::startBatch);
  placeholder_ = QPixmap(kThumb, kThumb);
  placeholder_.fill(QColor(236, 236, 236));
}

ThumbnailModel::~ThumbnailModel() {
  liveGeneration_->store(~quint64(0));
  pool_->clear();
  pool_->waitForDone();
}

void ThumbnailModel::setItems(std::shared_ptr<const ::pd::Dataset> dataset,
                              const std::string& split, std::vector<int> rows) {
  beginResetModel();
  const bool sameSource = dataset == dataset_ && split == split_;
  dataset_ = std::move(dataset);
  split_ = split;
  rows_ = std::move(rows);
  if (!sameSource) {
    cache_.clear();
    ++generation_;
    liveGeneration_->store(generation_);
    pending_.clear();
    inFlight_.clear();
  }
  endResetModel();
}

void ThumbnailModel::setFewShot(QSet<int> trainRows, QSet<int> valRows) {
  train_ = std::move(trainRows);
  val_ = std::move(valRows);
  if (!rows_.empty()) emit dataChanged(index(0), index(int(rows_.size()) - 1), {Qt::BackgroundRole, kFewShotRole});
}

int ThumbnailModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

const ::pd::ItemRef* ThumbnailModel::item(int row) const {
  if (!dataset_ || row < 0 || row >= int(rows_.size())) return nullptr;
  const auto& items = dataset_->items(split_);
  const int pos = rows_[size_t(row)];
  return pos >= 0 && pos < int(items.size()) ? &items[size_t(pos)] : nullptr;
}

QVariant ThumbnailModel::data(const QModelIndex& index, int role) const {
  const ::pd::ItemRef* it = item(index.row());
  if (!it) return {};
  const int pos = rows_[size_t(index.row())];
  switch (role) {
    case Qt::DisplayRole:
      if (dataset_->modality() == "text") {
        QString t = q(it->text);
        if (t.size() > 80) t = t.left(77) + QStringLiteral("…");
        return QStringLiteral("[%1] %2").arg(q(it->className), t);
      }
      return q(it->className);
    case Qt::ToolTipRole:
      return QStringLiteral("%1\nclass: %2 (%3)%4")
          .arg(q(it->id), q(it->className))
          .arg(it->label)
          .arg(train_.contains(pos)  ? tr("\nin the few-shot training set")
               : val_.contains(pos) ? tr("\nin the few-shot validation set")
                                    : QString());
    case Qt::DecorationRole: {
      if (dataset_->modality() != "image") return {};
      if (QPixmap* p = cache_.object(pos)) return *p;
      request(pos);
      return placeholder_;
    }
    case Qt::BackgroundRole:
      if (train_.contains(pos)) return kTrainShot;
      if (val_.contains(pos)) return kValShot;
      return {};
    case kFewShotRole:
      return train_.contains(pos) ? 1 : val_.contains(pos) ? 2 : 0;
    default:
      return {};
  }
}

void ThumbnailModel::request(int pos) const {
  if (inFlight_.contains(pos)) return;
  pending_.push_back(pos);
  inFlight_.insert(pos);
  ++requested_;
  if (!busy_ && !batchTimer_->isActive()) batchTimer_->start();
}

void ThumbnailModel::startBatch() {
  if (busy_ || pending_.empty() || !dataset_) return;
  // Newest requests first: they are what the view shows now.
  if (int(pending_.size()) > kMaxPending) {
    const auto drop = pending_.size() - size_t(kMaxPending);
    for (size_t i = 0; i < drop; ++i) inFlight_.remove(pending_[i]);
    pending_.erase(pending_.begin(), pending_.begin() + std::ptrdiff_t(drop));
  }
  std::vector<int> batch;
  while (!pending_.empty() && int(batch.size()) < kBatch) {
    batch.push_back(pending_.back());
    pending_.pop_back();
  }
  busy_ = true;
  auto dataset = dataset_;
  const std::string split = split_;
  const quint64 generation = generation_;
  auto live = liveGeneration_;
  QPointer<ThumbnailModel> self(this);
  pool_->start([dataset, split, batch, generation, live, self] {
    std::vector<std::pair<int, QImage>> out;
    const auto& items = dataset->items(split);
    for (int pos : batch) {
      if (live->load() != generation) break;  // the view moved on
      if (pos < 0 || pos >= int(items.size())) continue;
      out.emplace_back(pos, itemThumbnail(*dataset, items[size_t(pos)], kThumb));
    }
    QMetaObject::invokeMethod(
        qApp,
        [self, generation, out = std::move(out)] {
          if (self) self->take(generation, out);
        },
        Qt::QueuedConnection);
  });
}

void ThumbnailModel::take(quint64 generation, const std::vector<std::pair<int, QImage>>& images) {
  busy_ = false;
  if (generation != generation_) {
    startBatch();
    return;
  }
  QElapsedTimer t;
  t.start();
  QHash<int, int> rowOf;  // position -> row (only for the positions that arrived)
  for (const auto& kv : images) rowOf.insert(kv.first, -1);
  for (int r = 0; r < int(rows_.size()) && !rowOf.isEmpty(); ++r)
    if (rowOf.contains(rows_[size_t(r)])) rowOf[rows_[size_t(r)]] = r;
  int minRow = INT_MAX, maxRow = -1;
  for (const auto& kv : images) {
    inFlight_.remove(kv.first);
    QPixmap pix = kv.second.isNull() ? placeholder_ : QPixmap::fromImage(kv.second);
    cache_.insert(kv.first, new QPixmap(std::move(pix)));
    ++decoded_;
    const int r = rowOf.value(kv.first, -1);
    if (r >= 0) {
      minRow = std::min(minRow, r);
      maxRow = std::max(maxRow, r);
    }
  }
  if (maxRow >= 0) emit dataChanged(index(minRow), index(maxRow), {Qt::DecorationRole});
  worstApplyMs_ = std::max(worstApplyMs_, t.nsecsElapsed() / 1e6);
  emit thumbnailsArrived(int(images.size()));
  if (!pending_.empty()) batchTimer_->start();
}

// ---- DatasetBrowser ---------------------------------------------------------------------------

DatasetBrowser::DatasetBrowser(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("datasetBrowser"));
  summary_ = new QLabel(tr("Loading…"), this);
  summary_->setObjectName(QStringLiteral("datasetSummary"));
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  classes_ = new QTableWidget(0, 1, this);
  classes_->setObjectName(QStringLiteral("datasetClasses"));
  classes_->verticalHeader()->setVisible(false);
  classes_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  classes_->setSelectionBehavior(QAbstractItemView::SelectRows);
  classes_->setSortingEnabled(true);
  connect(classes_, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
    if (auto* it = classes_->item(row, 0)) setClassFilter(it->data(Qt::UserRole).toInt());
  });

  split_ = new QComboBox(this);
  split_->setObjectName(QStringLiteral("datasetSplit"));
  classFilter_ = new QComboBox(this);
  classFilter_->setObjectName(QStringLiteral("datasetClassFilter"));
  shots_ = new QSpinBox(this);
  shots_->setObjectName(QStringLiteral("fewShotK"));
  shots_->setRange(0, 1000);
  shots_->setValue(4);
  shots_->setToolTip(tr("Training images per class (CoOp's protocol); 0: no highlight"));
  seed_ = new QSpinBox(this);
  seed_->setObjectName(QStringLiteral("fewShotSeed"));
  seed_->setRange(0, 1000000);
  seed_->setValue(1);
  highlight_ = new QCheckBox(tr("Highlight few-shot split"), this);
  highlight_->setChecked(true);
  only_ = new QCheckBox(tr("Only few-shot items"), this);
  only_->setObjectName(QStringLiteral("onlyFewShot"));
  fewLabel_ = new QLabel(this);
  fewLabel_->setObjectName(QStringLiteral("fewShotSummary"));
  fewLabel_->setWordWrap(true);

  connect(split_, &QComboBox::currentTextChanged, this, [this] { rebuildItems(); });
  connect(classFilter_, &QComboBox::currentIndexChanged, this, [this] { rebuildItems(); });
  connect(shots_, &QSpinBox::valueChanged, this, [this] { recomputeFewShot(); });
  connect(seed_, &QSpinBox::valueChanged, this, [this] { recomputeFewShot(); });
  connect(highlight_, &QCheckBox::toggled, this, [this] { recomputeFewShot(); });
  connect(only_, &QCheckBox::toggled, this, [this] { rebuildItems(); });

  model_ = new ThumbnailModel(this);
  grid_ = new QListView(this);
  grid_->setObjectName(QStringLiteral("datasetGrid"));
  grid_->setModel(model_);
  grid_->setViewMode(QListView::IconMode);
  grid_->setResizeMode(QListView::Adjust);
  grid_->setMovement(QListView::Static);
  grid_->setUniformItemSizes(true);
  grid_->setLayoutMode(QListView::Batched);
  grid_->setBatchSize(500);
  grid_->setIconSize(QSize(ThumbnailModel::kThumb, ThumbnailModel::kThumb));
  grid_->setGridSize(QSize(ThumbnailModel::kThumb + 24, ThumbnailModel::kThumb + 26));
  grid_->setSpacing(2);
  grid_->setWordWrap(false);
  grid_->setTextElideMode(Qt::ElideRight);
  grid_->setSelectionMode(QAbstractItemView::ExtendedSelection);

  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Split:"), this));
  bar->addWidget(split_);
  bar->addWidget(new QLabel(tr("Class:"), this));
  bar->addWidget(classFilter_);
  bar->addSpacing(16);
  bar->addWidget(new QLabel(tr("Shots k:"), this));
  bar->addWidget(shots_);
  bar->addWidget(new QLabel(tr("Seed:"), this));
  bar->addWidget(seed_);
  bar->addWidget(highlight_);
  bar->addWidget(only_);
  bar->addStretch(1);

  auto* left = new QWidget(this);
  auto* ll = new QVBoxLayout(left);
  ll->setContentsMargins(0, 0, 0, 0);
  ll->addWidget(new QLabel(tr("<b>Classes</b> (items per split; double-click to filter)"), this));
  ll->addWidget(classes_, 1);
  auto* right = new QWidget(this);
  auto* rl = new QVBoxLayout(right);
  rl->setContentsMargins(0, 0, 0, 0);
  rl->addLayout(bar);
  rl->addWidget(fewLabel_);
  rl->addWidget(grid_, 1);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(left);
  split->addWidget(right);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 3);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(summary_);
  layout->addWidget(split, 1);
}

void DatasetBrowser::load(const QString& spec, const ::pd::DatasetOptions& options,
                          const QString& title) {
  title_ = title;
  summary_->setText(tr("Loading %1 …").arg(spec.toHtmlEscaped()));
  QPointer<DatasetBrowser> self(this);
  const std::string s = spec.toStdString();
  QThreadPool::globalInstance()->start([self, s, options] {
    std::shared_ptr<const ::pd::Dataset> ds;
    QString error;
    try {
      ds = ::pd::openDataset(s, options);
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        qApp,
        [self, ds, error] {
          if (!self) return;
          if (!ds) {
            self->summary_->setText(
                tr("<span style='color:#a01414'>This dataset cannot be opened: %1</span>")
                    .arg(error.toHtmlEscaped()));
            emit self->loaded(false, error);
            return;
          }
          self->setDataset(ds);
          emit self->loaded(true, QString());
        },
        Qt::QueuedConnection);
  });
}

void DatasetBrowser::setDataset(std::shared_ptr<const ::pd::Dataset> dataset) {
  dataset_ = std::move(dataset);
  const ::pd::DatasetInfo info = dataset_->info();
  std::int64_t problems = 0;
  for (const auto& kv : info.problemCounts) problems += kv.second;
  QStringList splitText;
  for (const auto& s : info.splits)
    splitText << QStringLiteral("%1 %2").arg(s.total).arg(q(s.name));
  summary_->setText(tr("<b>%1</b> — %2 dataset (%3), %4 classes: %5%6<br><span "
                       "style='color:gray'>%7</span>")
                        .arg((title_.isEmpty() ? q(info.name) : title_).toHtmlEscaped(),
                             q(info.modality), q(info.kind))
                        .arg(info.classNames.size())
                        .arg(splitText.join(QStringLiteral(", ")))
                        .arg(problems ? tr(" · <span style='color:#a06000'>%1 problem(s) "
                                           "recorded</span>")
                                            .arg(problems)
                                      : QString())
                        .arg(q(info.root).toHtmlEscaped()));
  // Classes × splits.
  classes_->setSortingEnabled(false);
  classes_->clear();
  classes_->setColumnCount(int(info.splits.size()) + 2);
  QStringList headers{tr("Class")};
  for (const auto& s : info.splits) headers << q(s.name);
  headers << tr("Total");
  classes_->setHorizontalHeaderLabels(headers);
  classes_->setRowCount(int(info.classNames.size()));
  for (int c = 0; c < int(info.classNames.size()); ++c) {
    auto* name = new QTableWidgetItem(q(info.classNames[size_t(c)]));
    name->setData(Qt::UserRole, c);
    classes_->setItem(c, 0, name);
    qint64 total = 0;
    for (int s = 0; s < int(info.splits.size()); ++s) {
      const auto& per = info.splits[size_t(s)].perClass;
      const qint64 n = c < int(per.size()) ? per[size_t(c)] : 0;
      total += n;
      auto* cell = new QTableWidgetItem;
      cell->setData(Qt::DisplayRole, n);
      cell->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      classes_->setItem(c, s + 1, cell);
    }
    auto* cell = new QTableWidgetItem;
    cell->setData(Qt::DisplayRole, total);
    cell->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    classes_->setItem(c, int(info.splits.size()) + 1, cell);
  }
  classes_->setSortingEnabled(true);
  classes_->sortItems(0, Qt::AscendingOrder);
  classes_->resizeColumnsToContents();

  split_->blockSignals(true);
  classFilter_->blockSignals(true);
  split_->clear();
  for (const auto& s : dataset_->splitNames()) split_->addItem(q(s));
  const int train = split_->findText(QStringLiteral("train"));
  if (train >= 0) split_->setCurrentIndex(train);
  classFilter_->clear();
  classFilter_->addItem(tr("all classes"), -1);
  for (int c = 0; c < int(info.classNames.size()); ++c)
    classFilter_->addItem(q(info.classNames[size_t(c)]), c);
  split_->blockSignals(false);
  classFilter_->blockSignals(false);
  const bool image = dataset_->modality() == "image";
  grid_->setViewMode(image ? QListView::IconMode : QListView::ListMode);
  grid_->setGridSize(image ? QSize(ThumbnailModel::kThumb + 24, ThumbnailModel::kThumb + 26)
                           : QSize());
  recomputeFewShot();  // also rebuilds the items
}

QString DatasetBrowser::currentSplit() const { return split_->currentText(); }

void DatasetBrowser::showSplit(const QString& split) {
  const int i = split_->findText(split);
  if (i >= 0) split_->setCurrentIndex(i);
}

void DatasetBrowser::setFewShot(int shots, int seed) {
  shots_->blockSignals(true);
  seed_->blockSignals(true);
  shots_->setValue(shots);
  seed_->setValue(seed);
  shots_->blockSignals(false);
  seed_->blockSignals(false);
  recomputeFewShot();
}

void DatasetBrowser::setOnlyFewShot(bool only) { only_->setChecked(only); }

void DatasetBrowser::setClassFilter(int label) {
  const int i = classFilter_->findData(label);
  if (i >= 0) classFilter_->setCurrentIndex(i);
}

void DatasetBrowser::recomputeFewShot() {
  fewTrain_.clear();
  fewVal_.clear();
  fewShot_ = {};
  if (!dataset_) return;
  if (highlight_->isChecked() && shots_->value() > 0 && dataset_->hasSplit("train")) {
    try {
      ::pd::FewShotOptions o;
      // Text datasets follow LM-BFF (K per class for train and for dev); images follow CoOp.
      if (dataset_->modality() == "text") o.protocol = "lmbff";
      o.shots = shots_->value();
      o.seed = std::uint64_t(seed_->value());
      fewShot_ = ::pd::sampleFewShot(*dataset_, o);
      QStringList warn;
      for (const auto& w : fewShot_.warnings) warn << q(w);
      fewLabel_->setText(
          tr("<span style='background:%1'>&nbsp;few-shot training&nbsp;</span> %2 items "
             "(%3 per class, seed %4) from '%5' · <span style='background:%6'>&nbsp;validation"
             "&nbsp;</span> %7 items from '%8' · split hash <tt>%9</tt>%10")
              .arg(kTrainShot.name())
              .arg(fewShot_.trainIds.size())
              .arg(fewShot_.shots)
              .arg(fewShot_.seed)
              .arg(q(fewShot_.trainSplit))
              .arg(kValShot.name())
              .arg(fewShot_.valIds.size())
              .arg(q(fewShot_.valSplit))
              .arg(q(fewShot_.idsHash))
              .arg(warn.isEmpty() ? QString()
                                  : QStringLiteral("<br>") + warn.join(QStringLiteral("; "))));
    } catch (const std::exception& e) {
      fewLabel_->setText(tr("No few-shot split: %1").arg(q(e.what()).toHtmlEscaped()));
    }
  } else {
    fewLabel_->setText(dataset_->hasSplit("train") ? tr("Few-shot highlight off.")
                                                   : tr("No 'train' split: no few-shot split."));
  }
  rebuildItems();
}

void DatasetBrowser::rebuildItems() {
  if (!dataset_) return;
  const std::string split = split_->currentText().toStdString();
  if (!dataset_->hasSplit(split)) return;
  fewTrain_.clear();
  fewVal_.clear();
  if (fewShot_.trainSplit == split)
    for (auto i : fewShot_.trainIndex) fewTrain_.insert(int(i));
  if (fewShot_.valSplit == split)
    for (auto i : fewShot_.valIndex) fewVal_.insert(int(i));
  const auto& items = dataset_->items(split);
  const int label = classFilter_->currentData().toInt();
  const bool only = only_->isChecked();
  std::vector<int> rows;
  rows.reserve(items.size());
  for (int i = 0; i < int(items.size()); ++i) {
    if (label >= 0 && items[size_t(i)].label != label) continue;
    if (only && !fewTrain_.contains(i) && !fewVal_.contains(i)) continue;
    rows.push_back(i);
  }
  model_->setItems(dataset_, split, std::move(rows));
  model_->setFewShot(fewTrain_, fewVal_);
}

}  // namespace pd::ui
