// Folder-per-class image datasets: root/<class>/*.jpg|png (one split, "train") or
// root/{train,val,test}/<class>/... (one split per folder). Class names come from the folder
// names ('_' -> ' ') or from root/classnames.txt ("<folder> <name with spaces>" per line).
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "data/dataset_loaders.h"
#include "promptdesk/error.h"

namespace fs = std::filesystem;

namespace pd::data {
namespace {

class FolderDataset : public Dataset {
 public:
  void load(const std::string& path, const DatasetOptions& opt) {
    kind_ = "folder";
    root_ = path;
    const fs::path root(path);
    name_ = fs::path(path).lexically_normal().filename().string();
    if (name_.empty()) name_ = fs::path(path).lexically_normal().parent_path().filename().string();

    // Split folders?
    std::vector<std::pair<std::string, fs::path>> splitDirs;
    const std::pair<const char*, const char*> known[] = {
        {"train", "train"}, {"val", "val"}, {"validation", "val"}, {"test", "test"}};
    std::error_code ec;
    for (auto& [folder, split] : known)
      if (fs::is_directory(root / folder, ec) && hasSubdirs(root / folder))
        splitDirs.emplace_back(split, root / folder);
    if (splitDirs.empty()) splitDirs.emplace_back("train", root);

    // Class folders: union over splits, sorted by folder name (byte order).
    std::set<std::string> folders;
    for (auto& [split, dir] : splitDirs)
      for (auto& e : sortedEntries(dir))
        if (fs::is_directory(e, ec)) folders.insert(e.filename().string());
    if (folders.empty()) throw Error("no class folders (expected root/<class>/*.jpg|png)", path);

    std::map<std::string, std::string> names;
    std::string namesFile = opt.classNamesFile;
    if (namesFile.empty() && fs::is_regular_file(root / "classnames.txt", ec))
      namesFile = (root / "classnames.txt").string();
    if (!namesFile.empty())
      for (auto& [k, v] : readClassNamesFile(namesFile)) names[k] = v;

    std::map<std::string, int> labelOf;
    for (auto& folder : folders) {
      labelOf[folder] = static_cast<int>(classNames_.size());
      auto it = names.find(folder);
      if (it != names.end()) {
        classNames_.push_back(it->second);
      } else {
        if (!namesFile.empty())
          addProblem("missing-class-name", namesFile,
                     "no line for folder '" + folder + "'; using the folder name", "warning");
        std::string n = folder;
        std::replace(n.begin(), n.end(), '_', ' ');
        classNames_.push_back(n);
      }
    }

    for (auto& [split, dir] : splitDirs) {
      splitOrder_.push_back(split);
      auto& list = splits_[split];
      for (auto& e : sortedEntries(dir)) {
        const std::string fname = e.filename().string();
        if (!fs::is_directory(e, ec)) {
          if (fname != "classnames.txt" && !(splitDirs.size() > 1 && dir == root))
            addProblem("stray-file", relative(e, root), "file outside any class folder");
          continue;
        }
        if (splitDirs.size() > 1 && dir == root) continue;
        const int label = labelOf.at(fname);
        std::vector<fs::path> files;
        for (auto it = fs::recursive_directory_iterator(e, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
          if (it->is_regular_file(ec)) files.push_back(it->path());
        std::sort(files.begin(), files.end());
        for (auto& f : files) {
          const std::string rel = relative(f, root);
          if (!hasImageExtension(f.filename().string())) {
            addProblem("not-an-image", rel, "file without an image extension");
            continue;
          }
          if (opt.verifyImages) {
            std::string why;
            if (!probeImageFile(f.string(), &why)) {
              addProblem("unreadable-image", rel, why);
              continue;
            }
          }
          ItemRef item;
          item.id = rel;
          item.label = label;
          item.path = f.string();
          list.push_back(std::move(item));
        }
      }
    }
    finalize();
  }

 private:
  static bool hasSubdirs(const fs::path& dir) {
    std::error_code ec;
    for (auto& e : fs::directory_iterator(dir, ec))
      if (e.is_directory(ec)) return true;
    return false;
  }
  static std::vector<fs::path> sortedEntries(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::string relative(const fs::path& p, const fs::path& root) {
    return p.lexically_relative(root).generic_string();
  }
};

}  // namespace

std::unique_ptr<Dataset> openFolderDataset(const std::string& path, const DatasetOptions& opt) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) throw Error("not a folder", path);
  auto ds = std::make_unique<FolderDataset>();
  ds->load(path, opt);
  return ds;
}

}  // namespace pd::data
