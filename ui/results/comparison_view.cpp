#include "results/comparison_view.h"

#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImageReader>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "charts/class_diff_chart.h"
#include "charts/confusion_chart.h"

namespace pd::ui {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
QTableWidgetItem* numberItem(const QString& text) {
  auto* item = new QTableWidgetItem(text);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}
QString ci(double lo, double hi) {
  return QStringLiteral("[%1, %2]").arg(lo, 0, 'f', 2).arg(hi, 0, 'f', 2);
}
}  // namespace

ComparisonView::ComparisonView(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("comparisonView"));
  title_ = new QLabel(this);
  metrics_ = new QTableWidget(0, 6, this);
  metrics_->setObjectName(QStringLiteral("comparisonMetrics"));
  metrics_->verticalHeader()->setVisible(false);
  metrics_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  metrics_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  significance_ = new QLabel(this);
  significance_->setObjectName(QStringLiteral("comparisonSignificance"));
  significance_->setWordWrap(true);

  diff_ = new charts::ClassDiffChart(this);
  confusion_ = new charts::ConfusionChart(this);
  confusionWhich_ = new QComboBox(this);
  connect(confusionWhich_, &QComboBox::currentIndexChanged, this, &ComparisonView::showConfusion);
  auto* confusionBox = new QWidget(this);
  auto* cl = new QVBoxLayout(confusionBox);
  cl->setContentsMargins(0, 0, 0, 0);
  auto* cbar = new QHBoxLayout;
  cbar->addWidget(new QLabel(tr("Confusion matrix of:"), this));
  cbar->addWidget(confusionWhich_);
  cbar->addStretch(1);
  cl->addLayout(cbar);
  cl->addWidget(confusion_, 1);
  auto* charts = new QSplitter(Qt::Horizontal, this);
  charts->addWidget(diff_);
  charts->addWidget(confusionBox);
  charts->setStretchFactor(0, 3);
  charts->setStretchFactor(1, 2);

  items_ = new QTableWidget(0, 5, this);
  items_->setObjectName(QStringLiteral("disagreements"));
  items_->verticalHeader()->setVisible(false);
  items_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  items_->setIconSize(QSize(kThumbnailSize, kThumbnailSize));
  items_->horizontalHeader()->setStretchLastSection(true);
  items_->setSortingEnabled(true);
  itemFilter_ = new QComboBox(this);
  itemFilter_->setObjectName(QStringLiteral("disagreementFilter"));
  connect(itemFilter_, &QComboBox::currentIndexChanged, this,
          &ComparisonView::setDisagreementFilter);
  auto* itemsBox = new QWidget(this);
  auto* il = new QVBoxLayout(itemsBox);
  il->setContentsMargins(0, 0, 0, 0);
  auto* ibar = new QHBoxLayout;
  ibar->addWidget(new QLabel(tr("<b>Test items where the two disagree</b>"), this));
  ibar->addStretch(1);
  ibar->addWidget(new QLabel(tr("Show:"), this));
  ibar->addWidget(itemFilter_);
  il->addLayout(ibar);
  il->addWidget(items_, 1);

  auto* top = new QWidget(this);
  auto* tl = new QVBoxLayout(top);
  tl->setContentsMargins(0, 0, 0, 0);
  tl->addWidget(title_);
  tl->addWidget(metrics_);
  tl->addWidget(significance_);
  tl->addStretch(1);
  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(top);
  split->addWidget(charts);
  split->addWidget(itemsBox);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 3);
  split->setStretchFactor(2, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(split);
}

void ComparisonView::setData(const ComparisonData& data) {
  data_ = data;
  const QString a = q(data.nameA), b = q(data.nameB);
  title_->setText(tr("<h3>%1 <span style='color:gray'>vs</span> %2%3</h3>")
                      .arg(a.toHtmlEscaped(), b.toHtmlEscaped(),
                           data.dataset.empty() ? QString() : tr(" — %1").arg(q(data.dataset))));
  metrics_->setHorizontalHeaderLabels(
      {tr("Metric"), a, tr("95% CI"), b, tr("95% CI"), tr("Δ (B − A)")});
  metrics_->setRowCount(int(data.metrics.size()));
  for (int r = 0; r < int(data.metrics.size()); ++r) {
    const MetricCI& m = data.metrics[size_t(r)];
    metrics_->setItem(r, 0, new QTableWidgetItem(q(m.name)));
    metrics_->setItem(r, 1, numberItem(QString::number(m.a, 'f', 2)));
    metrics_->setItem(r, 2, numberItem(ci(m.aLow, m.aHigh)));
    metrics_->setItem(r, 3, numberItem(QString::number(m.b, 'f', 2)));
    metrics_->setItem(r, 4, numberItem(ci(m.bLow, m.bHigh)));
    const double d = m.b - m.a;
    auto* delta = numberItem(QStringLiteral("%1%2").arg(d >= 0 ? "+" : "").arg(d, 0, 'f', 2));
    delta->setForeground(d >= 0 ? QColor(30, 130, 60) : QColor(200, 40, 40));
    metrics_->setItem(r, 5, delta);
  }
  const int rows = std::max(1, int(data.metrics.size()));
  metrics_->setFixedHeight(metrics_->horizontalHeader()->sizeHint().height() +
                           rows * metrics_->verticalHeader()->defaultSectionSize() +
                           2 * metrics_->frameWidth() + 2);
  const PairedTest& t = data.test;
  const bool significant = t.pValue < t.alpha;
  significance_->setText(
      tr("<b>%1 test</b>: statistic = %2, p = %3 — <b style='color:%4'>%5</b> at α = %6. "
         "%7 right where %8 is wrong on %9 items; the reverse on %10.")
          .arg(q(t.name))
          .arg(t.statistic, 0, 'f', 3)
          .arg(t.pValue < 1e-4 ? QStringLiteral("%1").arg(t.pValue, 0, 'e', 2)
                               : QString::number(t.pValue, 'f', 4))
          .arg(significant ? QStringLiteral("#1e823c") : QStringLiteral("#777777"))
          .arg(significant ? tr("significant") : tr("not significant"))
          .arg(t.alpha)
          .arg(b.toHtmlEscaped(), a.toHtmlEscaped())
          .arg(t.onlyBCorrect)
          .arg(t.onlyACorrect));
  charts::ClassDiffData diff = data.classDiff;
  if (diff.title.empty()) diff.title = (tr("Per-class accuracy: %1 − %2").arg(b, a)).toStdString();
  diff_->setData(diff);
  confusionWhich_->blockSignals(true);
  confusionWhich_->clear();
  confusionWhich_->addItems({a, b});
  confusionWhich_->blockSignals(false);
  showConfusion(0);

  itemFilter_->blockSignals(true);
  itemFilter_->clear();
  itemFilter_->addItems({tr("all disagreements"), tr("only %1 right").arg(a),
                         tr("only %1 right").arg(b), tr("both wrong")});
  itemFilter_->blockSignals(false);
  items_->setSortingEnabled(false);
  items_->clear();
  items_->setHorizontalHeaderLabels({tr("ID"), tr("Item"), tr("True label"), a, b});
  items_->setRowCount(int(data.disagreements.size()));
  bool anyImage = false;
  for (int r = 0; r < int(data.disagreements.size()); ++r) {
    const DisagreementItem& d = data.disagreements[size_t(r)];
    items_->setItem(r, 0, new QTableWidgetItem(q(d.id)));
    auto* item = new QTableWidgetItem(q(d.text));
    item->setToolTip(q(d.imagePath.empty() ? d.text : d.imagePath));
    if (!d.imagePath.empty()) {
      QImageReader reader(q(d.imagePath));
      reader.setScaledSize(
          reader.size().scaled(kThumbnailSize, kThumbnailSize, Qt::KeepAspectRatio));
      const QImage img = reader.read();
      if (!img.isNull()) {
        item->setIcon(QIcon(QPixmap::fromImage(img)));
        anyImage = true;
      }
      if (d.text.empty()) item->setText(QFileInfo(q(d.imagePath)).fileName());
    }
    items_->setItem(r, 1, item);
    items_->setItem(r, 2, new QTableWidgetItem(q(d.trueLabel)));
    auto pred = [&](const std::string& p) {
      auto* it = new QTableWidgetItem(q(p));
      const bool right = p == d.trueLabel;
      it->setForeground(right ? QColor(30, 130, 60) : QColor(200, 40, 40));
      it->setIcon(QIcon());
      it->setData(Qt::UserRole, right);
      return it;
    };
    items_->setItem(r, 3, pred(d.predA));
    items_->setItem(r, 4, pred(d.predB));
  }
  if (anyImage) items_->verticalHeader()->setDefaultSectionSize(kThumbnailSize + 6);
  items_->setSortingEnabled(true);
  items_->sortItems(0, Qt::AscendingOrder);
  items_->resizeColumnsToContents();
  setDisagreementFilter(0);
}

void ComparisonView::showConfusion(int which) {
  confusion_->setData(which == 1 ? data_.confusionB : data_.confusionA);
}

void ComparisonView::setDisagreementFilter(int mode) {
  for (int r = 0; r < items_->rowCount(); ++r) {
    const bool aRight = items_->item(r, 3)->data(Qt::UserRole).toBool();
    const bool bRight = items_->item(r, 4)->data(Qt::UserRole).toBool();
    bool show = true;
    if (mode == 1) show = aRight && !bRight;
    if (mode == 2) show = bRight && !aRight;
    if (mode == 3) show = !aRight && !bRight;
    items_->setRowHidden(r, !show);
  }
  if (itemFilter_->currentIndex() != mode && mode < itemFilter_->count()) {
    itemFilter_->blockSignals(true);
    itemFilter_->setCurrentIndex(mode);
    itemFilter_->blockSignals(false);
  }
}

int ComparisonView::setThumbnails(const QHash<QString, QImage>& images) {
  int n = 0;
  for (int r = 0; r < items_->rowCount(); ++r) {
    QTableWidgetItem* id = items_->item(r, 0);
    QTableWidgetItem* cell = items_->item(r, 1);
    if (!id || !cell) continue;
    const QImage img = images.value(id->text());
    if (img.isNull()) continue;
    cell->setIcon(QIcon(QPixmap::fromImage(
        img.scaled(kThumbnailSize, kThumbnailSize, Qt::KeepAspectRatio, Qt::SmoothTransformation))));
    cell->setData(Qt::UserRole + 1, true);
    ++n;
  }
  if (n > 0) {
    items_->verticalHeader()->setDefaultSectionSize(kThumbnailSize + 6);
    items_->resizeColumnToContents(1);
  }
  return n;
}

int ComparisonView::thumbnailCount() const {
  int n = 0;
  for (int r = 0; r < items_->rowCount(); ++r)
    if (QTableWidgetItem* cell = items_->item(r, 1))
      n += cell->icon().isNull() ? 0 : 1;
  return n;
}

int ComparisonView::visibleDisagreements() const {
  int n = 0;
  for (int r = 0; r < items_->rowCount(); ++r) n += items_->isRowHidden(r) ? 0 : 1;
  return n;
}

}  // namespace pd::ui
