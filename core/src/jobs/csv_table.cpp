#include "jobs/csv_table.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>

#include "promptdesk/error.h"

namespace pd::jobs {
namespace {
std::vector<std::string> splitLine(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t\r");
  std::size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}
}  // namespace

CsvTable readCsvTable(const std::string& path, const std::string& labelColumn,
                      const std::string& idColumn) {
  std::ifstream in(path);
  if (!in) throw Error("cannot open CSV file", path);
  CsvTable t;
  std::string line;
  std::size_t lineNo = 0;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    ++lineNo;
    if (trim(line).empty()) continue;
    header = splitLine(line);
    break;
  }
  if (header.empty()) throw Error("the CSV file is empty (no header row)", path);
  int labelIdx = -1, idIdx = -1;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < header.size(); ++i) {
    std::string h = trim(header[i]);
    if (!seen.insert(h).second)
      throw Error("duplicate column name '" + h + "'", path + ":" + std::to_string(lineNo));
    if (h == labelColumn) labelIdx = static_cast<int>(i);
    else if (!idColumn.empty() && h == idColumn) idIdx = static_cast<int>(i);
    else t.featureNames.push_back(h);
  }
  if (labelIdx < 0) throw Error("no label column named '" + labelColumn + "' in the header", path);
  if (!idColumn.empty() && idIdx < 0)
    throw Error("no id column named '" + idColumn + "' in the header", path);
  if (t.featureNames.empty()) throw Error("no feature columns besides the label", path);
  std::set<std::string> ids;
  while (std::getline(in, line)) {
    ++lineNo;
    std::string where = path + ":" + std::to_string(lineNo);
    if (trim(line).empty()) {
      ++t.blankLines;
      continue;
    }
    std::vector<std::string> cells = splitLine(line);
    if (cells.size() != header.size())
      throw Error("ragged row: " + std::to_string(cells.size()) + " cells, header has " +
                      std::to_string(header.size()),
                  where);
    std::vector<float> feat;
    feat.reserve(t.featureNames.size());
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (static_cast<int>(i) == labelIdx || static_cast<int>(i) == idIdx) continue;
      std::string c = trim(cells[i]);
      char* end = nullptr;
      errno = 0;
      double v = std::strtod(c.c_str(), &end);
      if (c.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
        throw Error("not a finite number: '" + c + "' in column '" + trim(header[i]) + "'", where);
      feat.push_back(static_cast<float>(v));
    }
    std::string label = trim(cells[static_cast<std::size_t>(labelIdx)]);
    if (label.empty()) throw Error("empty label", where);
    std::string id = idIdx >= 0 ? trim(cells[static_cast<std::size_t>(idIdx)])
                                : "row-" + std::to_string(lineNo);
    if (!ids.insert(id).second) throw Error("duplicate item id '" + id + "'", where);
    t.rows.push_back(std::move(feat));
    t.labels.push_back(label);
    t.ids.push_back(id);
  }
  if (t.rows.empty()) throw Error("the CSV file has a header but no data rows", path);
  return t;
}

}  // namespace pd::jobs
