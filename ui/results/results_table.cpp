#include "results/results_table.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

#include <cmath>

namespace pd::ui {

namespace {
// Numbers sort as numbers (the model holds doubles) and show with sensible precision.
class NumberDelegate : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;
  QString displayText(const QVariant& value, const QLocale& locale) const override {
    if (value.typeId() == QMetaType::Double) {
      const double v = value.toDouble();
      if (std::isnan(v)) return QStringLiteral("–");
      if (v == std::floor(v) && std::fabs(v) < 1e9) return locale.toString(qint64(v));
      return locale.toString(v, 'f', 2);
    }
    return QStyledItemDelegate::displayText(value, locale);
  }
};
}  // namespace

ResultsTable::ResultsTable(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("resultsTable"));
  model_ = new QStandardItemModel(this);
  proxy_ = new QSortFilterProxyModel(this);
  proxy_->setSourceModel(model_);
  proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
  proxy_->setFilterKeyColumn(-1);
  proxy_->setSortRole(Qt::DisplayRole);
  view_ = new QTableView(this);
  view_->setModel(proxy_);
  view_->setSortingEnabled(true);
  view_->setItemDelegate(new NumberDelegate(view_));
  view_->setAlternatingRowColors(true);
  view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  view_->verticalHeader()->setVisible(false);
  view_->horizontalHeader()->setStretchLastSection(true);
  view_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);

  filter_ = new QLineEdit(this);
  filter_->setObjectName(QStringLiteral("resultsFilter"));
  filter_->setPlaceholderText(tr("Filter results…"));
  filter_->setClearButtonEnabled(true);
  column_ = new QComboBox(this);
  column_->setObjectName(QStringLiteral("resultsFilterColumn"));
  auto apply = [this] { setFilter(filter_->text(), column_->currentData().toInt()); };
  connect(filter_, &QLineEdit::textChanged, this, apply);
  connect(column_, &QComboBox::currentIndexChanged, this, apply);

  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Filter:"), this));
  bar->addWidget(filter_, 1);
  bar->addWidget(new QLabel(tr("in"), this));
  bar->addWidget(column_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addWidget(view_, 1);
}

void ResultsTable::setData(const ResultsTableData& data) {
  model_->clear();
  QStringList headers;
  for (const auto& c : data.textColumns) headers << QString::fromStdString(c);
  for (const auto& c : data.numberColumns) headers << QString::fromStdString(c);
  model_->setHorizontalHeaderLabels(headers);
  for (const auto& row : data.rows) {
    QList<QStandardItem*> items;
    for (size_t i = 0; i < data.textColumns.size(); ++i)
      items << new QStandardItem(i < row.text.size() ? QString::fromStdString(row.text[i])
                                                     : QString());
    for (size_t i = 0; i < data.numberColumns.size(); ++i) {
      auto* item = new QStandardItem;
      item->setData(i < row.numbers.size() ? row.numbers[i] : std::nan(""), Qt::DisplayRole);
      item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      items << item;
    }
    model_->appendRow(items);
  }
  column_->blockSignals(true);
  column_->clear();
  column_->addItem(tr("all columns"), -1);
  for (int i = 0; i < headers.size(); ++i) column_->addItem(headers[i], i);
  column_->blockSignals(false);
  view_->resizeColumnsToContents();
}

void ResultsTable::setFilter(const QString& text, int column) {
  proxy_->setFilterKeyColumn(column);
  proxy_->setFilterFixedString(text);
}

void ResultsTable::sortBy(int column, Qt::SortOrder order) { view_->sortByColumn(column, order); }

int ResultsTable::visibleRows() const { return proxy_->rowCount(); }

QString ResultsTable::cell(int row, int column) const {
  const QModelIndex index = proxy_->index(row, column);
  const QVariant v = index.data(Qt::DisplayRole);
  return static_cast<QStyledItemDelegate*>(view_->itemDelegate())->displayText(v, QLocale::c());
}

}  // namespace pd::ui
