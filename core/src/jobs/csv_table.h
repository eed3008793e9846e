#pragma once
// A numeric feature table read from CSV: header row, one label column, optional id column, all
// other columns numbers. Every bad cell is an error naming file:line and column.
#include <string>
#include <vector>

namespace pd::jobs {

struct CsvTable {
  std::vector<std::string> featureNames;
  std::vector<std::vector<float>> rows;  // features per item
  std::vector<std::string> labels;       // raw label text per item
  std::vector<std::string> ids;          // id column or "row-<line>"
  std::size_t blankLines = 0;            // skipped empty lines (reported)
};

CsvTable readCsvTable(const std::string& path, const std::string& labelColumn,
                      const std::string& idColumn);

}  // namespace pd::jobs
