#include "results/results_table.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QPushButton>
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

  auto* bar = bar_ = new QHBoxLayout;
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

int ResultsTable::columnOf(const QString& name) const {
  for (int c = 0; c < model_->columnCount(); ++c)
    if (model_->headerData(c, Qt::Horizontal).toString() == name) return c;
  return -1;
}

QList<QVariant> ResultsTable::selectedValues(const QString& column) const {
  QList<QVariant> out;
  const int c = columnOf(column);
  if (c < 0) return out;
  QModelIndexList rows = view_->selectionModel()->selectedRows();
  std::sort(rows.begin(), rows.end(),
            [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
  for (const QModelIndex& r : rows) out << proxy_->index(r.row(), c).data(Qt::DisplayRole);
  return out;
}

void ResultsTable::selectByValues(const QString& column, const QList<QVariant>& values) {
  const int c = columnOf(column);
  if (c < 0) return;
  view_->clearSelection();
  for (int r = 0; r < proxy_->rowCount(); ++r)
    if (values.contains(proxy_->index(r, c).data(Qt::DisplayRole)))
      view_->selectionModel()->select(
          proxy_->index(r, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
}

QPushButton* ResultsTable::addButton(const QString& text, const QString& objectName) {
  auto* b = new QPushButton(text, this);
  b->setObjectName(objectName);
  bar_->addWidget(b);
  return b;
}

}  // namespace pd::ui
