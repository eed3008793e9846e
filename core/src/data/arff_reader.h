#pragma once
// Weka ARFF files (https://waikato.github.io/weka-wiki/formats_and_processing/arff_stable/):
//   % comment
//   @relation <name>
//   @attribute <name> numeric|real|integer|string|date [<format>]|{<v1>, <v2>, ...}
//   @data
//   <v1>,<v2>,...          (dense rows; '?' is a missing value)
//   {<index> <v>, ...}     (sparse rows; omitted values are 0, the first nominal value or "")
// Names and values are bare or quoted with ' or "; inside quotes Weka's escapes \n \r \t \' \"
// \\ \% are decoded (others are kept as written). One row per line, as Weka writes them.
// Keywords are case-insensitive. Relational attributes are not supported.
#include <string>
#include <vector>

namespace pd::data {

struct ArffAttribute {
  std::string name;
  std::string type;                 // numeric, string, nominal or date
  std::vector<std::string> values;  // nominal: the declared values, in order
  int line = 0;
};

struct ArffRow {
  int line = 0;
  std::vector<std::string> values;  // one per attribute
  std::vector<char> missing;        // 1 where the value is '?'
  std::string error;                // non-empty: the row is malformed (values may be partial)
};

struct ArffFile {
  std::string relation;
  std::vector<ArffAttribute> attributes;
  std::vector<ArffRow> rows;
};

// Parses `text`; header errors throw pd::Error naming `origin`:line; a malformed data row is kept
// with its error set. Limits: 100000 attributes, 100000 nominal values per attribute.
ArffFile parseArff(const std::string& text, const std::string& origin);

}  // namespace pd::data
