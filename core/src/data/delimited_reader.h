#pragma once
// CSV (RFC 4180: quoted fields, "" escapes, line breaks inside quotes, CRLF or LF) and GLUE-style
// TSV (tab-separated, no quoting) records, with the 1-based line each record starts on.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pd::data {

struct DelimitedRecord {
  int line = 0;
  std::vector<std::string> fields;
  std::string error;  // non-empty: the record is malformed (e.g. unterminated quote)
};

// quoting=false: fields are split at every delimiter, quotes are ordinary characters.
std::vector<DelimitedRecord> parseDelimited(const std::string& text, char delimiter, bool quoting);

// Calls fn(line, text) for every line of `text` (1-based numbers; LF or CRLF, the '\r' removed),
// as JSONL and ARFF read them.
void forEachLine(std::string_view text, const std::function<void(int, std::string&)>& fn);

}  // namespace pd::data
