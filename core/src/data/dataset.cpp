// Dataset base: split access, common checks, info; openDataset(): SPEC parsing and detection.
#include "promptdesk/dataset.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>

#include "data/dataset_loaders.h"
#include "data/prng.h"
#include "promptdesk/error.h"
#include "promptdesk/paths.h"

namespace fs = std::filesystem;

namespace pd {

namespace data {
std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}
}  // namespace data

std::string hashHex(const std::string& bytes) { return data::hex64(data::fnv1a64(bytes)); }

std::vector<std::string> Dataset::splitNames() const { return splitOrder_; }

const std::vector<ItemRef>& Dataset::items(const std::string& split) const {
  auto it = splits_.find(split);
  if (it == splits_.end()) {
    std::string known;
    for (auto& s : splitOrder_) known += (known.empty() ? "" : ", ") + s;
    throw Error("no split '" + split + "' (this dataset has: " + known + ")", root_);
  }
  return it->second;
}

void Dataset::addProblem(std::string kind, std::string where, std::string message,
                         std::string action) {
  problems_.push_back({std::move(kind), std::move(where), std::move(message), std::move(action)});
}

void Dataset::finalize() {
  const int n = static_cast<int>(classNames_.size());
  std::vector<std::int64_t> perClass(n, 0);
  for (auto& name : splitOrder_) {
    auto& list = splits_[name];
    std::vector<ItemRef> kept;
    kept.reserve(list.size());
    std::set<std::string> seen;
    for (auto& item : list) {
      if (item.label < 0 || item.label >= n) {
        addProblem("label-out-of-range", item.id,
                   "label " + std::to_string(item.label) + " does not match the class list (" +
                       std::to_string(n) + " classes: 0.." + std::to_string(n - 1) + ")",
                   "refused");
        continue;
      }
      if (!seen.insert(item.id).second) {
        addProblem("duplicate-item", item.id, "listed more than once in split '" + name + "'");
        continue;
      }
      item.className = classNames_[item.label];
      ++perClass[item.label];
      kept.push_back(std::move(item));
    }
    list.swap(kept);
  }
  for (int c = 0; c < n; ++c)
    if (perClass[c] == 0)
      addProblem("empty-class", classNames_[c],
                 "class " + std::to_string(c) + " has no items in any split", "warning");
}

DatasetInfo Dataset::info() const {
  DatasetInfo r;
  r.kind = kind_;
  r.modality = modality_;
  r.root = root_;
  r.name = name_;
  r.classNames = classNames_;
  for (auto& name : splitOrder_) {
    SplitInfo s;
    s.name = name;
    s.perClass.assign(classNames_.size(), 0);
    for (auto& item : splits_.at(name)) {
      ++s.total;
      if (item.label >= 0 && item.label < static_cast<int>(s.perClass.size()))
        ++s.perClass[item.label];
    }
    r.splits.push_back(std::move(s));
  }
  r.problems = problems_;
  for (auto& p : problems_) ++r.problemCounts[p.kind];
  r.refused = refusedCount();
  r.loadSeconds = loadSeconds;
  return r;
}

std::int64_t Dataset::refusedCount() const {
  std::int64_t n = 0;
  for (auto& p : problems_) n += p.action == "refused";
  return n;
}

void Dataset::requireUsable() const {
  const std::int64_t n = refusedCount();
  if (n == 0) return;
  // Counts per kind and the first item of each kind, in the order found.
  std::map<std::string, std::int64_t> counts;
  std::vector<const DatasetProblem*> firsts;
  for (auto& p : problems_)
    if (p.action == "refused" && counts[p.kind]++ == 0) firsts.push_back(&p);
  std::string msg = std::to_string(n) + " item(s) refused, so the dataset cannot be used (";
  bool first = true;
  for (auto& [kind, count] : counts) {
    msg += (first ? "" : ", ") + kind + ": " + std::to_string(count);
    first = false;
  }
  msg += ")";
  for (auto* p : firsts) msg += "; " + p->where + ": " + p->kind + ": " + p->message;
  throw Error(msg + " (`promptdesk-cli dataset info` lists all)", root_);
}

Image Dataset::loadImage(const ItemRef& item) const {
  if (modality_ != "image") throw Error("not an image dataset", item.id);
  if (item.path.empty()) throw Error("item has no image file", item.id);
  return data::loadImageFileStb(item.path);
}

std::string Dataset::contentHash(const ItemRef& item) const {
  if (modality_ == "text") return hashHex(item.text + '\x1f' + item.text2);
  if (item.path.empty()) throw Error("item has no content to hash", item.id);
  return hashHex(data::readWholeFile(item.path));
}

namespace {

bool hasIdxFiles(const fs::path& dir) {
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    if (f.find("-images-idx3-ubyte") != std::string::npos ||
        f.find("-images.idx3-ubyte") != std::string::npos)
      return true;
  }
  return false;
}

bool hasCoopSplit(const fs::path& dir) {
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    if (f.rfind("split_zhou_", 0) == 0 && e.path().extension() == ".json") return true;
  }
  return false;
}

std::string textKindOfFile(const fs::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".csv") return "csv";
  if (ext == ".tsv") return "tsv";
  if (ext == ".jsonl" || ext == ".ndjson") return "jsonl";
  if (ext == ".arff") return "arff";
  return {};
}

std::string detectKind(const std::string& path) {
  fs::path p(path);
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) {
    const std::string f = p.filename().string();
    if (f.rfind("split_zhou_", 0) == 0 || p.extension() == ".json") return "coop-split";
    if (f.find("idx3-ubyte") != std::string::npos) return "idx";
    std::string k = textKindOfFile(p);
    if (!k.empty()) return k;
    throw Error(
        "cannot tell the dataset layout of this file; write kind:path "
        "(folder, coop-split, idx, csv, tsv, jsonl, arff)",
        path);
  }
  if (!fs::is_directory(p, ec)) throw Error("no such file or folder", path);
  if (hasIdxFiles(p)) return "idx";
  if (hasCoopSplit(p)) return "coop-split";
  for (const char* k : {"csv", "tsv", "jsonl", "arff"})
    for (const char* s : {"train", "dev", "val", "test"})
      if (fs::is_regular_file(p / (std::string(s) + "." + k), ec)) return k;
  return "folder";
}

// An installed dataset's name ("sentiment-imdb"): letters, digits, '.', '_' and '-' only.
bool isDatasetName(const std::string& s) {
  if (s.empty() || s[0] == '.' || s[0] == '-') return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      return false;
  return true;
}

// The folders installed datasets live in, searched in this order.
std::vector<fs::path> installedDatasetDirs() {
  const fs::path base = fs::path(dataDir()) / "datasets";
  return {base / "text", base};
}

std::string installedNames() {
  std::set<std::string> names;
  std::error_code ec;
  for (auto& d : installedDatasetDirs())
    for (auto& e : fs::directory_iterator(d, ec))
      if (e.is_directory(ec) && e.path().filename() != "text")
        names.insert(e.path().filename().string());
  std::string out;
  for (auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none; installers/install-data.sh installs them" : out;
}

}  // namespace

std::string resolveInstalledDataset(const std::string& name) {
  if (!isDatasetName(name)) return {};
  std::error_code ec;
  for (auto& d : installedDatasetDirs())
    if (fs::is_directory(d / name, ec)) return (d / name).string();
  return {};
}

std::unique_ptr<Dataset> openDataset(const std::string& spec, const DatasetOptions& options) {
  if (spec.empty()) throw Error("empty dataset spec", "--dataset");
  std::string kind, path = spec;
  static const std::set<std::string> kinds = {"folder", "coop-split", "idx", "csv",
                                              "tsv",    "jsonl",      "arff"};
  auto colon = spec.find(':');
  if (colon != std::string::npos && colon > 0) {
    std::string head = spec.substr(0, colon);
    if (kinds.count(head)) {
      kind = head;
      path = spec.substr(colon + 1);
    } else if (!fs::exists(spec)) {
      throw Error(
          "unknown dataset kind '" + head +
              "' (kinds: folder, coop-split, idx, csv, tsv, jsonl, arff)",
          spec);
    }
  }
  if (!fs::exists(path) && isDatasetName(path)) {
    const std::string installed = resolveInstalledDataset(path);
    if (installed.empty())
      throw Error("no such file or folder, nor an installed dataset of that name (installed: " +
                      installedNames() + ")",
                  path);
    path = installed;
  }
  if (!fs::exists(path)) throw Error("no such file or folder", path);
  if (kind.empty()) kind = detectKind(path);
  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<Dataset> ds;
  if (kind == "folder")
    ds = data::openFolderDataset(path, options);
  else if (kind == "coop-split")
    ds = data::openCoopSplit(path, options);
  else if (kind == "idx")
    ds = data::openIdxDataset(path, options);
  else
    ds = data::openTextDataset(kind, path, options);
  ds->loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!options.inspect) ds->requireUsable();
  return ds;
}

}  // namespace pd
