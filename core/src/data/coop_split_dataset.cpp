// CoOp/Dassl split files: split_zhou_<Dataset>.json =
//   {"train": [[relpath, label, classname], ...], "val": [...], "test": [...]}
// with relpaths under an image root (DatasetOptions::imageRoot, else detected next to the file).
// The class list is the names the file gives labels 0..N-1 (or the user's list); any other label is
// refused at its line and entry. Paths must stay inside the split file's folder (or inside an
// explicit image root); others, and absolute paths, are refused (outside-root).
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "data/class_list.h"
#include "data/dataset_loaders.h"
#include "io/json_limits.h"
#include "promptdesk/error.h"

namespace fs = std::filesystem;

namespace pd::data {
namespace {

constexpr int kMaxClasses = 100000;

fs::path findSplitFile(const fs::path& p) {
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) return p;
  std::vector<fs::path> found;
  for (auto& e : fs::directory_iterator(p, ec)) {
    const std::string f = e.path().filename().string();
    if (f.rfind("split_zhou_", 0) == 0 && e.path().extension() == ".json")
      found.push_back(e.path());
  }
  if (found.empty()) throw Error("no split_zhou_*.json in this folder", p.string());
  if (found.size() > 1) {
    std::string list;
    for (auto& f : found) list += " " + f.filename().string();
    throw Error("several split files (" + list.substr(1) + "); name one: coop-split:<file>",
                p.string());
  }
  return found.front();
}

// The 1-based line on which each element of the top-level object's arrays starts:
// lines[key][i] for key's i-th element. A small scan over the text the JSON parser accepted.
std::map<std::string, std::vector<int>> entryLines(const std::string& text) {
  std::map<std::string, std::vector<int>> lines;
  int line = 1, depth = 0;
  bool inString = false, valueStarts = false;
  std::string token, key, arrayKey;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line;
    if (inString) {
      if (c == '\\') {
        if (depth == 1) token += c;
        if (i + 1 < text.size()) {
          if (text[i + 1] == '\n') ++line;
          if (depth == 1) token += text[i + 1];
          ++i;
        }
      } else if (c == '"') {
        inString = false;
        if (depth == 1) key = token;
      } else if (depth == 1) {
        token += c;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (depth == 2 && valueStarts && c != ']') {
      lines[arrayKey].push_back(line);
      valueStarts = false;
    }
    if (c == '"') {
      inString = true;
      token.clear();
    } else if (c == '[' || c == '{') {
      if (depth == 1 && c == '[') {
        arrayKey = key;
        valueStarts = true;
      }
      ++depth;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 2) {
      valueStarts = true;
    }
  }
  return lines;
}

// `p` (lexically normal, absolute) lies inside `root` (lexically normal, absolute).
bool isInside(const fs::path& p, const fs::path& root) {
  const fs::path rel = p.lexically_relative(root);
  if (rel.empty()) return false;
  const std::string first = rel.begin()->string();
  return first != ".." && !rel.is_absolute();
}

fs::path absoluteNormal(const fs::path& p) {
  std::error_code ec;
  fs::path a = fs::absolute(p, ec);
  return (ec ? p : a).lexically_normal();
}

struct RawEntry {
  std::string split, rel, where, className;
  long long label = 0;
  bool named = false;
};

class CoopSplitDataset : public Dataset {
 public:
  void load(const std::string& spec, const DatasetOptions& opt) {
    kind_ = "coop-split";
    const fs::path file = findSplitFile(spec);
    root_ = spec;
    std::string stem = file.stem().string();
    name_ = stem.rfind("split_zhou_", 0) == 0 ? stem.substr(11) : stem;

    const std::string text = io::readJsonFileText(file.string());
    const nlohmann::json j = io::parseJsonLimited(text, file.string());
    if (!j.is_object()) throw Error("expected an object with train/val/test lists", file.string());
    const auto lines = entryLines(text);
    const std::string fname = file.filename().string();

    // Pass 1: the entries as written.
    std::vector<RawEntry> entries;
    for (const char* split : {"train", "val", "test"}) {
      if (!j.contains(split)) continue;
      const auto& list = j[split];
      if (!list.is_array()) throw Error("expected a list", file.string() + ": " + split);
      splitOrder_.push_back(split);
      splits_[split];
      auto ln = lines.find(split);
      for (std::size_t i = 0; i < list.size(); ++i) {
        const bool haveLine = ln != lines.end() && i < ln->second.size();
        const std::string where = fname + (haveLine ? ":" + std::to_string(ln->second[i]) : "") +
                                  ": " + split + "[" + std::to_string(i) + "]";
        const auto& e = list[i];
        if (!e.is_array() || e.size() < 2 || !e[0].is_string() || !e[1].is_number_integer() ||
            e[0].get_ref<const std::string&>().empty() ||
            e[0].get_ref<const std::string&>().find('\0') != std::string::npos) {
          addProblem("bad-entry", where, "expected [relpath, label, classname]");
          continue;
        }
        RawEntry r;
        r.split = split;
        r.rel = e[0].get<std::string>();
        r.where = where;
        r.label = e[1].is_number_unsigned() && e[1].get<std::uint64_t>() > (1ull << 62)
                      ? (1ll << 62)
                      : e[1].get<long long>();
        if (e.size() >= 3 && e[2].is_string()) {
          r.className = e[2].get<std::string>();
          r.named = true;
        }
        entries.push_back(std::move(r));
      }
    }
    if (splitOrder_.empty()) throw Error("no train/val/test lists", file.string());

    // The class list: given by the user, else the names this file gives labels 0, 1, ... (up to
    // the first label without a name). A label outside it is refused, never a phantom class.
    const ClassList given = givenClassList(opt);
    std::vector<std::string> names;
    std::vector<bool> conflictReported;
    if (!given.empty()) {
      names = given.names;
    } else {
      std::map<long long, std::string> named;
      for (auto& r : entries) {
        if (!r.named || r.label < 0) continue;
        auto [it, fresh] = named.emplace(r.label, r.className);
        if (!fresh && it->second != r.className)
          addProblem("class-name-conflict", r.where,
                     "label " + std::to_string(r.label) + " is '" + it->second + "' elsewhere, '" +
                         r.className + "' here; keeping the first",
                     "warning");
      }
      for (long long l = 0; named.count(l) && l < kMaxClasses; ++l) names.push_back(named[l]);
      if (names.empty())
        throw Error(
            "the split file names no class for label 0 (entries are [relpath, label, classname]); "
            "give the class list with --label-names or --class-names",
            file.string());
    }
    classNames_ = names;
    const long long n = static_cast<long long>(names.size());
    const std::string listText = given.empty() ? std::to_string(n) + " classes named 0.." +
                                                     std::to_string(n - 1) + " in this file"
                                               : std::to_string(n) + " classes from " +
                                                     given.source;

    std::vector<std::tuple<std::string, std::string, int>> raw;  // split, relpath, label
    std::vector<std::string> rawWhere;
    for (auto& r : entries) {
      int label = -1;
      if (given.empty()) {
        if (r.label >= 0 && r.label < n) label = static_cast<int>(r.label);
      } else {
        label = given.lookup(std::to_string(r.label));
      }
      if (label < 0) {
        addProblem("label-out-of-range", r.where,
                   "label " + std::to_string(r.label) + " does not match the class list (" +
                       listText + ")",
                   "refused");
        continue;
      }
      raw.emplace_back(r.split, r.rel, label);
      rawWhere.push_back(r.where);
    }

    // Paths: inside the explicit image root when one is given, else inside the split file's
    // folder. Absolute paths only inside an explicit image root.
    const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    const bool explicitRoot = !opt.imageRoot.empty();
    const fs::path boundary = absoluteNormal(explicitRoot ? fs::path(opt.imageRoot) : dir);
    const fs::path imageRoot = absoluteNormal(findImageRoot(opt, file, raw));
    std::error_code ec;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      auto& [split, rel, label] = raw[i];
      const fs::path relPath(rel);
      const bool absolute = relPath.is_absolute() || relPath.has_root_name() ||
                            relPath.has_root_directory();
      const fs::path p = absolute ? relPath.lexically_normal() : (imageRoot / relPath).lexically_normal();
      if (absolute && !explicitRoot) {
        addProblem("outside-root", rawWhere[i],
                   "absolute path '" + rel + "'; paths must be relative to the dataset's root " +
                       boundary.string() + " (--image-root DIR allows paths inside DIR)",
                   "refused");
        continue;
      }
      if (!isInside(p, boundary)) {
        addProblem("outside-root", rawWhere[i],
                   "path '" + rel + "' leads to " + p.string() + ", outside " +
                       (explicitRoot ? "the image root " : "the dataset's root ") +
                       boundary.string() + (explicitRoot ? "" : " (--image-root DIR allows another root)"),
                   "refused");
        continue;
      }
      if (!fs::is_regular_file(p, ec)) {
        addProblem("missing-file", p.string(),
                   "listed in " + fname + " (" + split + ") but not found");
        continue;
      }
      if (opt.verifyImages) {
        std::string why;
        if (!probeImageFile(p.string(), &why)) {
          addProblem("unreadable-image", p.string(), why);
          continue;
        }
      }
      ItemRef item;
      item.id = rel;
      item.label = label;
      item.path = p.string();
      splits_[split].push_back(std::move(item));
    }
    finalize();
  }

 private:
  static fs::path findImageRoot(const DatasetOptions& opt, const fs::path& file,
                                const std::vector<std::tuple<std::string, std::string, int>>& raw) {
    if (!opt.imageRoot.empty()) return opt.imageRoot;
    const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    if (raw.empty()) return dir;
    std::vector<fs::path> candidates = {dir};
    std::error_code ec;
    for (const char* sub : {"images", "jpg", "image_data", "imgs"}) candidates.push_back(dir / sub);
    for (auto& e : fs::directory_iterator(dir, ec))
      if (e.is_directory(ec)) candidates.push_back(e.path());
    // The root where most of the first few listed files exist.
    fs::path best = dir;
    int bestHits = -1;
    for (auto& c : candidates) {
      int hits = 0;
      for (std::size_t i = 0; i < raw.size() && i < 16; ++i)
        if (fs::is_regular_file(c / std::get<1>(raw[i]), ec)) ++hits;
      if (hits > bestHits) {
        bestHits = hits;
        best = c;
      }
    }
    return best;
  }
};

}  // namespace

std::unique_ptr<Dataset> openCoopSplit(const std::string& path, const DatasetOptions& opt) {
  auto ds = std::make_unique<CoopSplitDataset>();
  ds->load(path, opt);
  return ds;
}

}  // namespace pd::data
