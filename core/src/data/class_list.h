#pragma once
// Internal: the class list a user gives (DatasetOptions::labelNames, or a class-names file) and
// the match of a raw label (a name, a mapping key or an integer index) against it. Shared by the
// text readers (csv, tsv, jsonl, arff) and CoOp split files.
#include <map>
#include <string>
#include <vector>

#include "promptdesk/dataset.h"

namespace pd::data {

struct ClassList {
  std::vector<std::string> names;   // index -> class name, in the order given
  std::map<std::string, int> keys;  // mapping keys ("0" in "0=negative") -> index
  std::string source;               // "--label-names", the class-names file, or empty

  bool empty() const { return names.empty(); }
  // The class of a raw label: a mapping key, else a class name, else an integer index in
  // 0..size-1; -1 when none matches.
  int lookup(const std::string& raw) const;
  // "a, b, c" (at most 8 names, then "...").
  std::string summary() const;
  // Adds a class (name, optional key); returns its index (an existing name keeps its index).
  int add(const std::string& name, const std::string& key = {});
};

// The list from options.labelNames ("name" or "raw=name" entries), else from
// options.classNamesFile, else from `defaultNamesFile` when that file exists ("" for none).
// Throws pd::Error naming the file and line (or "--label-names") for a malformed entry.
ClassList givenClassList(const DatasetOptions& options, const std::string& defaultNamesFile = {});

// True when s is a decimal integer (optional '-'), with its value.
bool parseInteger(const std::string& s, long long* value);

}  // namespace pd::data
