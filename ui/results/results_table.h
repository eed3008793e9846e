#pragma once
// Sortable, filterable results table over plain rows (QStandardItemModel + QSortFilterProxyModel).
#include <QWidget>

#include "results/results_data.h"

class QComboBox;
class QHBoxLayout;
class QPushButton;
class QLineEdit;
class QSortFilterProxyModel;
class QStandardItemModel;
class QTableView;

namespace pd::ui {

class ResultsTable : public QWidget {
  Q_OBJECT
 public:
  explicit ResultsTable(QWidget* parent = nullptr);
  void setData(const ResultsTableData& data);

  // Filters rows whose text in `column` (-1: any column) contains `text` (case-insensitive).
  void setFilter(const QString& text, int column = -1);
  void sortBy(int column, Qt::SortOrder order);
  int visibleRows() const;
  // Display text of a visible (filtered, sorted) cell.
  QString cell(int row, int column) const;

  // Values of `column` (by header name) in the selected rows, in view order.
  QList<QVariant> selectedValues(const QString& column) const;
  // Selects the visible rows whose `column` (header name) value is in `values`.
  void selectByValues(const QString& column, const QList<QVariant>& values);
  // Adds a button to the filter bar (e.g. "Compare selected"); the table owns it.
  QPushButton* addButton(const QString& text, const QString& objectName);

  QTableView* view() const { return view_; }
  QSortFilterProxyModel* proxy() const { return proxy_; }

 private:
  QStandardItemModel* model_ = nullptr;
  QSortFilterProxyModel* proxy_ = nullptr;
  QTableView* view_ = nullptr;
  QLineEdit* filter_ = nullptr;
  QComboBox* column_ = nullptr;
  QHBoxLayout* bar_ = nullptr;
  int columnOf(const QString& name) const;
};

}  // namespace pd::ui
