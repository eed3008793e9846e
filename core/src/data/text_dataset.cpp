// Text classification datasets: CSV (RFC 4180) / TSV (GLUE style, no quoting) with a header row,
// JSONL (one object per line) and Weka ARFF (a string attribute and a nominal class). A file is
// the split "train" (or val/test by its name); a folder holds {train,dev,val,validation,test}.<ext>
// and optionally classnames.txt ("<raw label> <class name>" lines). The class list: see
// DatasetOptions in promptdesk/dataset.h. A label that matches no class, or a row without one, is
// refused, naming the file, line and column.
#include <algorithm>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "data/arff_reader.h"
#include "data/class_list.h"
#include "data/dataset_loaders.h"
#include "data/delimited_reader.h"
#include "io/json_limits.h"
#include "promptdesk/error.h"

namespace fs = std::filesystem;

namespace pd::data {
namespace {

struct Row {
  std::string split, id, file, text, text2, label, labelColumn;
  int line = 0;
};

const std::initializer_list<const char*> kTextColumns = {
    "text", "text_a", "sentence", "sentence1", "question1", "premise", "question"};
const std::initializer_list<const char*> kLabelColumns = {"label", "labels", "class", "gold_label"};

// The usual partner of a first text column, when the data has it.
const char* pairColumnOf(const std::string& first) {
  return first == "text_a"      ? "text_b"
         : first == "sentence1" ? "sentence2"
         : first == "question1" ? "question2"
         : first == "premise"   ? "hypothesis"
                                : nullptr;
}

std::string joinNames(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size() && i < 12; ++i) s += (i ? ", " : "") + v[i];
  if (v.size() > 12) s += ", ...";
  return s;
}

std::string splitOfStem(const std::string& stem) {
  if (stem == "dev" || stem == "val" || stem == "validation" || stem.find("dev") == 0) return "val";
  if (stem == "test" || stem.find("test") == 0) return "test";
  return "train";
}

bool parseInt(const std::string& s, long long* v) { return parseInteger(s, v); }

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
      else if (kind == "arff")
        readArff(f.string(), split, opt, rows);
      else
        readDelimited(f.string(), split, kind == "csv" ? ',' : '\t', kind == "csv", opt, rows);
    }
    std::error_code ec2;
    const std::string namesFile =
        fs::is_directory(path, ec2) ? (fs::path(path) / "classnames.txt").string() : std::string();
    assignLabels(rows, givenClassList(opt, namesFile));
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
    int tc, t2, lc;
    chooseColumns(header, opt, file + ":1", -1, -1, &tc, &t2, &lc);
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
      Row row = newRow(split, file, fname, rec.line);
      row.text = rec.fields[tc];
      if (t2 >= 0) row.text2 = rec.fields[t2];
      row.label = rec.fields[lc];
      row.labelColumn = header[lc];
      if (checkRow(row, where)) rows.push_back(std::move(row));
    }
  }

  // Text, optional second text and label columns of a header (names or 0-based indices, else the
  // usual names; ARFF passes its fallbacks: the first string and the last nominal attribute).
  // Throws pd::Error at `where` naming the column and the header.
  static void chooseColumns(const std::vector<std::string>& header, const DatasetOptions& opt,
                            const std::string& where, int textFallback, int labelFallback,
                            int* tc, int* t2, int* lc) {
    *tc = findColumn(header, opt.textColumn, kTextColumns);
    if (*tc < 0 && opt.textColumn.empty()) *tc = textFallback;
    *lc = findColumn(header, opt.labelColumn, kLabelColumns);
    if (*lc < 0 && opt.labelColumn.empty()) *lc = labelFallback;
    const std::string columns = " (columns: " + joinNames(header) + ")";
    if (*tc < 0)
      throw Error("no text column" +
                      (opt.textColumn.empty() ? std::string(" (tried text, text_a, sentence, ...)")
                                              : " '" + opt.textColumn + "'") +
                      columns,
                  where);
    if (*lc < 0)
      throw Error("no label column" +
                      (opt.labelColumn.empty() ? std::string(" (tried label, class, ...)")
                                               : " '" + opt.labelColumn + "'") +
                      columns,
                  where);
    *t2 = -1;
    if (!opt.text2Column.empty()) {
      *t2 = findColumn(header, opt.text2Column, {});
      if (*t2 < 0) throw Error("no column '" + opt.text2Column + "'" + columns, where);
    } else if (const char* pair = pairColumnOf(header[*tc])) {
      *t2 = findColumn(header, pair, {});
    }
    if (*lc == *tc || *lc == *t2)
      throw Error("the label column '" + header[*lc] + "' is also a text column", where);
  }

  void readArff(const std::string& file, const std::string& split, const DatasetOptions& opt,
                std::vector<Row>& rows) {
    const ArffFile arff = parseArff(readWholeFile(file), file);
    const std::string fname = fs::path(file).filename().string();
    std::vector<std::string> header;
    int firstString = -1, lastNominal = -1;
    for (std::size_t a = 0; a < arff.attributes.size(); ++a) {
      header.push_back(arff.attributes[a].name);
      if (arff.attributes[a].type == "string" && firstString < 0) firstString = static_cast<int>(a);
      if (arff.attributes[a].type == "nominal") lastNominal = static_cast<int>(a);
    }
    int tc, t2, lc;
    chooseColumns(header, opt, file + ":" + std::to_string(arff.attributes.front().line),
                  firstString, lastNominal, &tc, &t2, &lc);
    const ArffAttribute& label = arff.attributes[lc];
    if (label.type == "nominal") {
      if (!haveArffClasses_) {
        for (auto& v : label.values) arffClasses_.add(v);
        arffClasses_.source = fname + ": attribute '" + label.name + "'";
        haveArffClasses_ = true;
      } else if (arffClasses_.names != label.values) {
        addProblem("class-list-differs", file + ":" + std::to_string(label.line),
                   "attribute '" + label.name + "' lists {" + joinNames(label.values) +
                       "}; the first file listed {" + joinNames(arffClasses_.names) +
                       "}; labels are matched by name",
                   "warning");
      }
    }
    for (const ArffRow& r : arff.rows) {
      const std::string where = file + ":" + std::to_string(r.line);
      if (!r.error.empty()) {
        addProblem("bad-row", where, r.error);
        continue;
      }
      if (r.missing[tc] || (t2 >= 0 && r.missing[t2])) {
        addProblem("bad-row", where, "missing text (?) in attribute '" + header[tc] + "'");
        continue;
      }
      Row row = newRow(split, file, fname, r.line);
      row.text = r.values[tc];
      if (t2 >= 0) row.text2 = r.values[t2];
      row.label = r.missing[lc] ? std::string() : r.values[lc];
      row.labelColumn = header[lc];
      if (checkRow(row, where)) rows.push_back(std::move(row));
    }
  }

  void readJsonl(const std::string& file, const std::string& split, const DatasetOptions& opt,
                 std::vector<Row>& rows) {
    const std::string text = readWholeFile(file);
    const std::string fname = fs::path(file).filename().string();
    const std::string tcol = opt.textColumn, lcol = opt.labelColumn;
    forEachLine(text, [&](int line, std::string& ln) {
      if (ln.find_first_not_of(" \t") == std::string::npos) return;
      const std::string where = file + ":" + std::to_string(line);
      std::size_t bad;
      if (!isValidUtf8(ln, &bad)) {
        addProblem("non-utf8", where, "invalid UTF-8 at byte " + std::to_string(bad + 1));
        return;
      }
      nlohmann::json j;
      try {
        j = io::parseJsonLimited(ln, where);
      } catch (const Error&) {
        addProblem("bad-row", where, "not a JSON object");
        return;
      }
      if (!j.is_object()) {
        addProblem("bad-row", where, "not a JSON object");
        return;
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
      Row row = newRow(split, file, fname, line);
      std::string textKey;
      auto pickText = [&](std::string* out) {
        if (!tcol.empty()) return textKey = tcol, pick(tcol, {}, out);
        for (const char* d : kTextColumns)
          if (pick(d, {}, out)) return textKey = d, true;
        return false;
      };
      if (!pickText(&row.text)) {
        addProblem("bad-row", where, "no text field" + (tcol.empty() ? "" : " '" + tcol + "'"));
        return;
      }
      if (!opt.text2Column.empty() && !pick(opt.text2Column, {}, &row.text2)) {
        addProblem("bad-row", where, "no field '" + opt.text2Column + "'");
        return;
      }
      if (opt.text2Column.empty())
        if (const char* pair = pairColumnOf(textKey)) pick(pair, {}, &row.text2);
      row.labelColumn = lcol.empty() ? "label" : lcol;
      if (lcol.empty()) {
        for (const char* d : kLabelColumns)
          if (j.contains(d)) {
            row.labelColumn = d;
            break;
          }
      }
      if (!pick(row.labelColumn, {}, &row.label)) {
        addProblem("missing-label", where,
                   "no label field '" + row.labelColumn +
                       (lcol.empty() ? "' (tried label, labels, class, gold_label)" : "'"),
                   "refused");
        return;
      }
      if (j[row.labelColumn].is_null()) row.label.clear();
      if (checkRow(row, where)) rows.push_back(std::move(row));
    });
  }

  // A row of `file` (named `fname` in ids) at `line`.
  static Row newRow(const std::string& split, const std::string& file, const std::string& fname,
                    int line) {
    Row row;
    row.split = split;
    row.file = file;
    row.line = line;
    row.id = fname + ":" + std::to_string(line);
    return row;
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
      addProblem("missing-label", where, "column '" + row.labelColumn + "': no label", "refused");
      return false;
    }
    return true;
  }

  // The class of every row (see the file comment); rows whose label matches no class are refused.
  void assignLabels(std::vector<Row>& rows, const ClassList& given) {
    ClassList classes = given;
    if (classes.empty() && haveArffClasses_) classes = arffClasses_;
    if (classes.empty()) {
      // From the data: integers 0..max, else the sorted distinct strings.
      bool allInt = !rows.empty();
      long long maxInt = -1;
      std::set<std::string> distinct;
      for (auto& r : rows) {
        long long v;
        if (parseInt(r.label, &v) && v >= 0 && v < 100000 && std::to_string(v) == r.label)
          maxInt = std::max(maxInt, v);
        else
          allInt = false;
        distinct.insert(r.label);
      }
      if (allInt)
        for (long long l = 0; l <= maxInt; ++l) classes.add(std::to_string(l));
      else
        for (auto& d : distinct) classes.add(d);
    }
    classNames_ = classes.names;
    for (auto& r : rows) {
      const int label = classes.lookup(r.label);
      if (label < 0) {
        addProblem("unknown-label", r.file + ":" + std::to_string(r.line),
                   "column '" + r.labelColumn + "': label '" + r.label + "' is not one of the " +
                       std::to_string(classes.names.size()) + " classes (" + classes.summary() +
                       ")" + (classes.source.empty() ? "" : " from " + classes.source),
                   "refused");
        continue;
      }
      ItemRef item;
      item.id = r.id;
      item.path = r.file;
      item.index = r.line;
      item.text = std::move(r.text);
      item.text2 = std::move(r.text2);
      item.label = label;
      splits_[r.split].push_back(std::move(item));
    }
  }

  ClassList arffClasses_;
  bool haveArffClasses_ = false;
};

}  // namespace

std::unique_ptr<Dataset> openTextDataset(const std::string& kind, const std::string& path,
                                         const DatasetOptions& opt) {
  auto ds = std::make_unique<TextDataset>();
  ds->load(kind, path, opt);
  return ds;
}

}  // namespace pd::data
