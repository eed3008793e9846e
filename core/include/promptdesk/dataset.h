#pragma once
// Datasets (image and text classification) and the few-shot protocol. Torch-free public API.
//
// A dataset is opened from a SPEC: a path (the layout is detected), `kind:path` with kind one of
// folder, coop-split, idx, csv, tsv, jsonl, arff, or the name of an installed dataset (a folder
// under <data>/datasets/text/ or <data>/datasets/, e.g. "sentiment-imdb"). It exposes named splits
// ("train", "val", "test"), each a list of ItemRef in a stable order, and the class-name list. Bad
// input (missing files, duplicates, empty classes, non-UTF-8 text, ragged rows...) is recorded as
// a DatasetProblem naming the file and line or item; the offending item is skipped and counted, or
// openDataset throws pd::Error when nothing sensible can be loaded.
//
// Items that must not be silently dropped are *refused* (DatasetProblem::action "refused"): a
// label that does not match the class list (label-out-of-range, unknown-label, missing-label) and
// an image path outside the dataset's root (outside-root). A dataset with refused items cannot be
// used: openDataset throws pd::Error naming the first of them, unless DatasetOptions::inspect is
// set (to list every problem, as `dataset info` does); then usable() is false and runs call
// requireUsable(), which throws.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pd {

// One labelled example. `id` is stable across machines and runs: "train:12345" for IDX files,
// the path relative to the dataset root for image folders and CoOp splits, "<file>:<line>" for
// text files.
struct ItemRef {
  std::string id;
  int label = -1;
  std::string className;
  std::string path;         // image file (absolute or as given); empty for in-memory items
  std::int64_t index = -1;  // position inside an in-memory store (IDX), else -1
  std::string text;         // text datasets: the (first) text
  std::string text2;        // text datasets: the optional second text (sentence pairs)
};

// An 8-bit image, rows of width * channels bytes, top row first (HWC). channels: 1 or 3.
struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<std::uint8_t> pixels;
};

struct DatasetProblem {
  std::string kind;     // missing-file, unreadable-image, label-out-of-range, duplicate-item,
                        // empty-class, non-utf8, ragged-row, bad-row, class-name-conflict, ...
  std::string where;    // file, file:line or item id
  std::string message;  // what is wrong
  std::string action;   // "skipped", "kept", "warning" or "refused" (the dataset is unusable)
};

struct SplitInfo {
  std::string name;
  std::int64_t total = 0;
  std::vector<std::int64_t> perClass;  // indexed by label
};

struct DatasetInfo {
  std::string kind;      // folder, coop-split, idx, csv, tsv, jsonl, arff
  std::string modality;  // "image" or "text"
  std::string root;      // the path opened
  std::string name;      // recognised name (e.g. "Fashion-MNIST") or the folder name
  std::vector<std::string> classNames;
  std::vector<SplitInfo> splits;
  std::vector<DatasetProblem> problems;
  std::map<std::string, std::int64_t> problemCounts;  // kind -> count
  std::int64_t refused = 0;  // problems whose action is "refused": the dataset is unusable
  double loadSeconds = 0;
};

// Options that a SPEC cannot carry. Text columns may be names or 0-based indices ("2").
//
// Text labels (csv/tsv/jsonl/arff) and the class list: the list comes from labelNames, else from
// classNamesFile, else from a classnames.txt next to the data (folder datasets), else from the
// data (ARFF: the class attribute's nominal values; else integers 0..max, or the sorted distinct
// strings). labelNames entries are names ("negative") or mappings "raw=name" ("0=negative",
// "neg=negative"); a class-names file maps "<raw label> <name>" per line. A raw label matches a
// class by its mapping key, its name, or (integers) its index; any other label is refused,
// naming the file, line and column.
struct DatasetOptions {
  // coop-split: the folder the split's relative paths start from. Without it the root is found
  // next to the split file and every path must stay inside the split file's folder; with it every
  // path (relative, or absolute) must lie inside this folder. Others are refused (outside-root).
  std::string imageRoot;
  std::string classNamesFile;  // idx/folder/text: "<folder-or-label> <name with spaces>" per line
  std::string textColumn;      // csv/tsv/jsonl/arff: default: text, text_a, sentence, ...
  std::string text2Column;     // optional second text (default: text_b, sentence2, ... if present)
  std::string labelColumn;     // default: label, class, ...; arff: the last nominal attribute
  std::vector<std::string> labelNames;  // class names, or "raw=name" mappings (see above)
  // Open even when items were refused, so that every problem can be listed; the dataset is then
  // not usable() and requireUsable() throws.
  bool inspect = false;
  bool verifyImages = false;  // folder/coop-split: read each image header, skip unreadable ones
  std::uint64_t maxDecompressedBytes = 1ull << 31;  // IDX: gzip-bomb guard
  // IDX .gz: past 8 MiB of output, refuse a stream that inflates to more than this many times
  // its compressed size (real IDX files inflate about 5x; deflate's ceiling is about 1032x).
  double maxCompressionRatio = 100;
};

class Dataset {
 public:
  virtual ~Dataset() = default;

  const std::string& kind() const { return kind_; }
  const std::string& modality() const { return modality_; }
  const std::string& root() const { return root_; }
  const std::string& name() const { return name_; }
  const std::vector<std::string>& classNames() const { return classNames_; }
  std::vector<std::string> splitNames() const;
  bool hasSplit(const std::string& split) const { return splits_.count(split) != 0; }
  // Items of a split in stable order; throws pd::Error naming the known splits if absent.
  const std::vector<ItemRef>& items(const std::string& split) const;
  const std::vector<DatasetProblem>& problems() const { return problems_; }
  DatasetInfo info() const;
  // Problems whose action is "refused"; usable() is refusedCount() == 0.
  std::int64_t refusedCount() const;
  bool usable() const { return refusedCount() == 0; }
  // Throws pd::Error naming the count and the first refused item when the dataset is not usable.
  void requireUsable() const;

  // The image of an item (decoded from its file or taken from memory); throws pd::Error naming
  // the item when it cannot be read. Text datasets throw.
  virtual Image loadImage(const ItemRef& item) const;
  // A hash of the item's content (file bytes, pixels or text), 16 hex digits; stable across
  // machines. Used as the feature-cache key. Throws pd::Error when the file cannot be read.
  virtual std::string contentHash(const ItemRef& item) const;

  double loadSeconds = 0;

 protected:
  std::string kind_, modality_ = "image", root_, name_;
  std::vector<std::string> classNames_;
  std::map<std::string, std::vector<ItemRef>> splits_;
  std::vector<std::string> splitOrder_;
  std::vector<DatasetProblem> problems_;

  void addProblem(std::string kind, std::string where, std::string message,
                  std::string action = "skipped");
  // Common checks once a loader has filled the splits: labels in range (else skipped), duplicate
  // ids in a split (later ones skipped), classes without any item (warning); fills className.
  void finalize();
};

// Opens a dataset from a SPEC (see above). Throws pd::Error for an unknown kind, a path that does
// not exist, or data that cannot be used at all.
std::unique_ptr<Dataset> openDataset(const std::string& spec, const DatasetOptions& options = {});

// The folder of the installed dataset called `name` (<data>/datasets/text/<name>, else
// <data>/datasets/<name>), or empty when there is none.
std::string resolveInstalledDataset(const std::string& name);

// ---- Few-shot protocols ---------------------------------------------------------------------
// "coop" (CoOp, Zhou et al. 2022): `shots` items per class from the train split and min(shots, 4)
// per class for validation (from the "val" split when there is one, else from the train items
// not picked).
// "lmbff" (LM-BFF, Gao et al. 2021): K = `shots` items per class for train and K per class for
// dev, both drawn from the train split (disjoint); valSplit and valShots are not used. Evaluation
// uses the dataset's own test split (FewShotSplit::testSplit: "test", else "val", else none).
// LM-BFF's five seeds are lmbffSeeds().
// Both are fully determined by (protocol, seed, item ids): see core/src/data/fewshot.cpp and
// core/src/data/prng.h. Classes with fewer items than asked: all are taken, a warning is added.
struct FewShotOptions {
  int shots = 16;
  std::uint64_t seed = 1;
  std::string protocol = "coop";  // "coop" or "lmbff"
  std::string trainSplit = "train";
  std::string valSplit = "val";  // coop: used when the dataset has it
  int valShots = -1;             // coop: -1: min(shots, 4)
};

struct FewShotSplit {
  std::string protocol;
  int shots = 0;
  std::uint64_t seed = 0;
  std::string testSplit;  // lmbff: the split to evaluate on ("test", else "val", else empty)
  std::vector<std::string> trainIds, valIds;      // chosen ids, class by class
  std::vector<std::size_t> trainIndex, valIndex;  // positions in their splits' item lists
  std::string trainSplit, valSplit;               // the splits the items came from
  std::string idsHash;                            // hash of train ids + val ids (16 hex digits)
  std::vector<std::string> warnings;              // e.g. "class 3 'Dress': 2 items < 16 shots"
  int shortClasses = 0;                           // classes that had fewer items than asked
};

FewShotSplit sampleFewShot(const Dataset& dataset, const FewShotOptions& options);

// The protocols sampleFewShot knows ("coop", "lmbff") and LM-BFF's seeds {13, 21, 42, 87, 100}.
const std::vector<std::string>& fewShotProtocols();
const std::vector<std::uint64_t>& lmbffSeeds();

// 64-bit FNV-1a of a byte string, as 16 lowercase hex digits (the hash used for ids and items).
std::string hashHex(const std::string& bytes);

}  // namespace pd
