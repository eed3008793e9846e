// CoOp/Dassl split files: split_zhou_<Dataset>.json =
//   {"train": [[relpath, label, classname], ...], "val": [...], "test": [...]}
// with relpaths under an image root (DatasetOptions::imageRoot, else detected next to the file).
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

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

class CoopSplitDataset : public Dataset {
 public:
  void load(const std::string& spec, const DatasetOptions& opt) {
    kind_ = "coop-split";
    const fs::path file = findSplitFile(spec);
    root_ = spec;
    std::string stem = file.stem().string();
    name_ = stem.rfind("split_zhou_", 0) == 0 ? stem.substr(11) : stem;

    const nlohmann::json j =
        io::parseJsonLimited(io::readJsonFileText(file.string()), file.string());
    if (!j.is_object()) throw Error("expected an object with train/val/test lists", file.string());

    std::vector<std::string> names;
    std::vector<std::tuple<std::string, std::string, int>> raw;  // split, relpath, label
    for (const char* split : {"train", "val", "test"}) {
      if (!j.contains(split)) continue;
      const auto& list = j[split];
      if (!list.is_array()) throw Error("expected a list", file.string() + ": " + split);
      splitOrder_.push_back(split);
      splits_[split];
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string where =
            file.filename().string() + ": " + split + "[" + std::to_string(i) + "]";
        const auto& e = list[i];
        if (!e.is_array() || e.size() < 2 || !e[0].is_string() || !e[1].is_number_integer()) {
          addProblem("bad-entry", where, "expected [relpath, label, classname]");
          continue;
        }
        const long long label = e[1].get<long long>();
        if (label < 0 || label >= kMaxClasses) {
          addProblem("label-out-of-range", where, "label " + std::to_string(label));
          continue;
        }
        const int l = static_cast<int>(label);
        if (static_cast<int>(names.size()) <= l) names.resize(l + 1);
        if (e.size() >= 3 && e[2].is_string()) {
          const std::string cn = e[2].get<std::string>();
          if (names[l].empty())
            names[l] = cn;
          else if (names[l] != cn)
            addProblem("class-name-conflict", where,
                       "label " + std::to_string(l) + " is '" + names[l] + "' elsewhere, '" + cn +
                           "' here; keeping the first",
                       "warning");
        }
        raw.emplace_back(split, e[0].get<std::string>(), l);
      }
    }
    if (splitOrder_.empty()) throw Error("no train/val/test lists", file.string());
    for (std::size_t c = 0; c < names.size(); ++c)
      classNames_.push_back(names[c].empty() ? "class " + std::to_string(c) : names[c]);

    const fs::path imageRoot = findImageRoot(opt, file, raw);
    std::error_code ec;
    for (auto& [split, rel, label] : raw) {
      const fs::path p = imageRoot / rel;
      if (!fs::is_regular_file(p, ec)) {
        addProblem("missing-file", p.string(),
                   "listed in " + file.filename().string() + " (" + split + ") but not found");
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
