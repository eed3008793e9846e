#include "data/class_list.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "data/dataset_loaders.h"
#include "promptdesk/error.h"

namespace pd::data {

bool parseInteger(const std::string& s, long long* v) {
  if (s.empty() || s.size() > 19) return false;
  std::size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  for (std::size_t j = i; j < s.size(); ++j)
    if (s[j] < '0' || s[j] > '9') return false;
  errno = 0;
  *v = std::strtoll(s.c_str(), nullptr, 10);
  return errno == 0;
}

int ClassList::lookup(const std::string& raw) const {
  auto k = keys.find(raw);
  if (k != keys.end()) return k->second;
  auto n = std::find(names.begin(), names.end(), raw);
  if (n != names.end()) return static_cast<int>(n - names.begin());
  long long v;
  if (keys.empty() && parseInteger(raw, &v) && v >= 0 && v < static_cast<long long>(names.size()))
    return static_cast<int>(v);
  return -1;
}

std::string ClassList::summary() const {
  std::string s;
  for (std::size_t i = 0; i < names.size() && i < 8; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > 8) s += ", ...";
  return s;
}

int ClassList::add(const std::string& name, const std::string& key) {
  auto n = std::find(names.begin(), names.end(), name);
  int idx = static_cast<int>(n - names.begin());
  if (n == names.end()) names.push_back(name);
  if (!key.empty()) keys.emplace(key, idx);
  return idx;
}

ClassList givenClassList(const DatasetOptions& opt, const std::string& defaultNamesFile) {
  ClassList list;
  if (!opt.labelNames.empty()) {
    list.source = "--label-names";
    bool mapped = false, plain = false;
    for (const std::string& e : opt.labelNames) {
      const auto eq = e.find('=');
      if (eq == std::string::npos) {
        if (e.empty()) throw Error("an empty class name", "--label-names");
        if (std::find(list.names.begin(), list.names.end(), e) != list.names.end())
          throw Error("class name '" + e + "' given twice", "--label-names");
        plain = true;
        list.add(e);
      } else {
        const std::string key = e.substr(0, eq), name = e.substr(eq + 1);
        if (key.empty() || name.empty())
          throw Error("expected 'raw=name', got '" + e + "'", "--label-names");
        if (list.keys.count(key)) throw Error("label '" + key + "' mapped twice", "--label-names");
        mapped = true;
        list.add(name, key);
      }
    }
    if (mapped && plain)
      throw Error("mix of names and raw=name mappings; use one form", "--label-names");
    return list;
  }
  std::string file = opt.classNamesFile;
  std::error_code ec;
  if (file.empty() && !defaultNamesFile.empty() &&
      std::filesystem::is_regular_file(defaultNamesFile, ec))
    file = defaultNamesFile;
  if (file.empty()) return list;
  list.source = file;
  for (auto& [key, name] : readClassNamesFile(file)) {
    if (list.keys.count(key)) throw Error("label '" + key + "' listed twice", file);
    list.add(name, key);
  }
  if (list.names.empty()) throw Error("no class names in this file", file);
  return list;
}

}  // namespace pd::data
