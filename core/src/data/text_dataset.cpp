// Text classification datasets: CSV (RFC 4180) / TSV (GLUE style, no quoting) with a header row,
// and JSONL (one object per line). A file is the split "train" (or val/test by its name); a folder
// holds {train,dev,val,validation,test}.<ext>. Label names come from DatasetOptions::labelNames
// (integer labels index it), else from the data: integers 0..max, or the sorted distinct strings.
#include <algorithm>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "data/dataset_loaders.h"
#include "data/delimited_reader.h"
#include "io/json_limits.h"
#include "promptdesk/error.h"

namespace fs = std::filesystem;

namespace pd::data {
namespace {

struct Row {
  std::string split, id, file, text, text2, label;
  int line = 0;
};

std::string splitOfStem(const std::string& stem) {
  if (stem == "dev" || stem == "val" || stem == "validation" || stem.find("dev") == 0) return "val";
  if (stem == "test" || stem.find("test") == 0) return "test";
  return "train";
}

bool parseInt(const std::string& s, long long* v) {
  if (s.empty()) return false;
  char* end = nullptr;
  *v = std::strtoll(s.c_str(), &end, 10);
  return *end == '\0';
}

int findColumn(const std::vector<std::string>& header, const std::string& wanted,
               std::initializer_list<const char*> defaults) {
  auto find = [&](const std::string& name) -> int {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i);
    return -1;
  };
  if (!wanted.empty()) {
    int c = find(wanted);
    long long idx;
    if (c < 0 && parseInt(wanted, &idx) && idx >= 0 && idx < static_cast<long long>(header.size()))
      c = static_cast<int>(idx);
    return c;
  }
  for (const char* d : defaults) {
    int c = find(d);
    if (c >= 0) return c;
  }
  return -1;
}

class TextDataset : public Dataset {
 public:
  void load(const std::string& kind, const std::string& path, const DatasetOptions& opt) {
    kind_ = kind;
    modality_ = "text";
    root_ = path;
    std::vector<fs::path> files;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      name_ = fs::path(path).lexically_normal().filename().string();
      for (const char* s : {"train", "dev", "val", "validation", "test"}) {
        fs::path f = fs::path(path) / (std::string(s) + "." + kind);
        if (fs::is_regular_file(f, ec)) files.push_back(f);
      }
      if (files.empty())
        throw Error("no train/dev/val/test." + kind + " files in this folder", path);
    } else {
      name_ = fs::path(path).stem().string();
      files.push_back(path);
    }
    std::vector<Row> rows;
    for (auto& f : files) {
      const std::string split = files.size() == 1 ? "train" : splitOfStem(f.stem().string());
      if (splits_.count(split)) {
        addProblem("duplicate-split", f.string(), "a second file for split '" + split + "'");
        continue;
      }
      splits_[split];
      splitOrder_.push_back(split);
      if (kind == "jsonl")
        readJsonl(f.string(), split, opt, rows);
      else
        readDelimited(f.string(), split, kind == "csv" ? ',' : '\t', kind == "csv", opt, rows);
    }
    assignLabels(rows, opt);
    finalize();
  }

 private:
  void readDelimited(const std::string& file, const std::string& split, char delim, bool quoting,
                     const DatasetOptions& opt, std::vector<Row>& rows) {
    const std::string text = readWholeFile(file);
    const std::string fname = fs::path(file).filename().string();
    auto records = parseDelimited(text, delim, quoting);
    if (records.empty()) throw Error("empty file (a header row is needed)", file);
    const auto& header = records[0].fields;
    const int tc =
        findColumn(header, opt.textColumn,
                   {"text", "sentence", "sentence1", "question1", "premise", "question"});
    const int lc = findColumn(header, opt.labelColumn, {"label", "labels", "class", "gold_label"});
    int t2 = -1;
    if (!opt.text2Column.empty()) {
      t2 = findColumn(header, opt.text2Column, {});
      if (t2 < 0) throw Error("no column '" + opt.text2Column + "' in the header", file + ":1");
    } else if (tc >= 0) {
      const std::string& tn = header[tc];
      const char* pair = tn == "sentence1"   ? "sentence2"
                         : tn == "question1" ? "question2"
                         : tn == "premise"   ? "hypothesis"
                                             : nullptr;
      if (pair) t2 = findColumn(header, pair, {});
    }
    if (tc < 0)
      throw Error(
          "no text column" + (opt.textColumn.empty() ? std::string(" (tried text, sentence, ...)")
                                                     : " '" + opt.textColumn + "'"),
          file + ":1");
    if (lc < 0)
      throw Error("no label column" + (opt.labelColumn.empty() ? std::string(" (tried label, ...)")
                                                               : " '" + opt.labelColumn + "'"),
                  file + ":1");
    for (std::size_t r = 1; r < records.size(); ++r) {
      const auto& rec = records[r];
      const std::string where = file + ":" + std::to_string(rec.line);
      if (!rec.error.empty()) {
        addProblem("bad-row", where, rec.error);
        continue;
      }
      if (rec.fields.size() != header.size()) {
        addProblem("ragged-row", where,
                   std::to_string(rec.fields.size()) + " fields, the header has " +
                       std::to_string(header.size()));
        continue;
      }
      Row row;
      row.split = split;
      row.file = file;
      row.line = rec.line;
      row.id = fname + ":" + std::to_string(rec.line);
      row.text = rec.fields[tc];
      if (t2 >= 0) row.text2 = rec.fields[t2];
      row.label = rec.fields[lc];
      if (checkRow(row, where)) rows.push_back(std::move(row));
    }
  }

  void readJsonl(const std::string& file, const std::string& split, const DatasetOptions& opt,
                 std::vector<Row>& rows) {
    const std::string text = readWholeFile(file);
    const std::string fname = fs::path(file).filename().string();
    const std::string tcol = opt.textColumn, lcol = opt.labelColumn;
    std::size_t pos = 0;
    int line = 0;
    while (pos < text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      std::string ln = text.substr(pos, end - pos);
      pos = end + 1;
      ++line;
      if (!ln.empty() && ln.back() == '\r') ln.pop_back();
      if (ln.find_first_not_of(" \t") == std::string::npos) continue;
      const std::string where = file + ":" + std::to_string(line);
      std::size_t bad;
      if (!isValidUtf8(ln, &bad)) {
        addProblem("non-utf8", where, "invalid UTF-8 at byte " + std::to_string(bad + 1));
        continue;
      }
      nlohmann::json j;
      try {
        j = io::parseJsonLimited(ln, where);
      } catch (const Error&) {
        addProblem("bad-row", where, "not a JSON object");
        continue;
      }
      if (!j.is_object()) {
        addProblem("bad-row", where, "not a JSON object");
        continue;
      }
      auto pick = [&](const std::string& wanted, std::initializer_list<const char*> defs,
                      std::string* out) {
        auto get = [&](const std::string& k) {
          if (!j.contains(k)) return false;
          const auto& v = j[k];
          *out = v.is_string() ? v.get<std::string>() : v.dump();
          return true;
        };
        if (!wanted.empty()) return get(wanted);
        for (const char* d : defs)
          if (get(d)) return true;
        return false;
      };
      Row row;
      row.split = split;
      row.file = file;
      row.line = line;
      row.id = fname + ":" + std::to_string(line);
      if (!pick(tcol, {"text", "sentence", "sentence1", "question1", "premise"}, &row.text)) {
        addProblem("bad-row", where, "no text field");
        continue;
      }
      if (!opt.text2Column.empty() && !pick(opt.text2Column, {}, &row.text2)) {
        addProblem("bad-row", where, "no field '" + opt.text2Column + "'");
        continue;
      }
      if (opt.text2Column.empty()) pick({}, {"sentence2", "question2", "hypothesis"}, &row.text2);
      if (!pick(lcol, {"label", "labels", "class", "gold_label"}, &row.label)) {
        addProblem("bad-row", where, "no label field");
        continue;
      }
      if (checkRow(row, where)) rows.push_back(std::move(row));
    }
  }

  bool checkRow(const Row& row, const std::string& where) {
    std::size_t bad;
    for (const std::string* s : {&row.text, &row.text2, &row.label})
      if (!isValidUtf8(*s, &bad)) {
        addProblem("non-utf8", where,
                   "invalid UTF-8 at byte " + std::to_string(bad + 1) + " of a field");
        return false;
      }
    if (row.label.empty()) {
      addProblem("bad-row", where, "empty label");
      return false;
    }
    return true;
  }

  void assignLabels(std::vector<Row>& rows, const DatasetOptions& opt) {
    bool allInt = true;
    long long maxInt = -1;
    std::set<std::string> distinct;
    for (auto& r : rows) {
      long long v;
      if (parseInt(r.label, &v) && v >= 0 && v < 100000)
        maxInt = std::max(maxInt, v);
      else
        allInt = false;
      distinct.insert(r.label);
    }
    if (!opt.labelNames.empty()) {
      classNames_ = opt.labelNames;
    } else if (allInt) {
      for (long long l = 0; l <= maxInt; ++l) classNames_.push_back(std::to_string(l));
    } else {
      classNames_.assign(distinct.begin(), distinct.end());
    }
    for (auto& r : rows) {
      ItemRef item;
      item.id = r.id;
      item.path = r.file;
      item.index = r.line;
      item.text = std::move(r.text);
      item.text2 = std::move(r.text2);
      long long v;
      if (parseInt(r.label, &v) && (allInt || !opt.labelNames.empty())) {
        item.label = v < 0 || v > 1000000 ? -1 : static_cast<int>(v);
      } else {
        auto it = std::find(classNames_.begin(), classNames_.end(), r.label);
        if (it == classNames_.end()) {
          addProblem("label-out-of-range", r.file + ":" + std::to_string(r.line),
                     "label '" + r.label + "' is not one of the label names");
          continue;
        }
        item.label = static_cast<int>(it - classNames_.begin());
      }
      splits_[r.split].push_back(std::move(item));
    }
  }
};

}  // namespace

std::unique_ptr<Dataset> openTextDataset(const std::string& kind, const std::string& path,
                                         const DatasetOptions& opt) {
  auto ds = std::make_unique<TextDataset>();
  ds->load(kind, path, opt);
  return ds;
}

}  // namespace pd::data
