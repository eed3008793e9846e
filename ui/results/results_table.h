#pragma once
// Sortable, filterable results table over plain rows (QStandardItemModel + QSortFilterProxyModel).
#include <QWidget>

#include "results/results_data.h"

class QComboBox;
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

  QTableView* view() const { return view_; }
  QSortFilterProxyModel* proxy() const { return proxy_; }

 private:
  QStandardItemModel* model_ = nullptr;
  QSortFilterProxyModel* proxy_ = nullptr;
  QTableView* view_ = nullptr;
  QLineEdit* filter_ = nullptr;
  QComboBox* column_ = nullptr;
};

}  // namespace pd::ui
