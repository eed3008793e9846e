#pragma once
// Datasets (image and text classification) and the few-shot protocol. Torch-free public API.
//
// A dataset is opened from a SPEC: a path (the layout is detected) or `kind:path` with kind one of
// folder, coop-split, idx, csv, tsv, jsonl. It exposes named splits ("train", "val", "test"), each
// a list of ItemRef in a stable order, and the class-name list. Bad input (missing files, labels
// out of range, duplicates, empty classes, non-UTF-8 text, ragged rows...) is recorded as a
// DatasetProblem naming the file and line or item; the offending item is skipped and counted, or
// openDataset throws pd::Error when nothing sensible can be loaded.
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
  std::string action;   // "skipped", "kept" or "warning"
};

struct SplitInfo {
  std::string name;
  std::int64_t total = 0;
  std::vector<std::int64_t> perClass;  // indexed by label
};

struct DatasetInfo {
  std::string kind;      // folder, coop-split, idx, csv, tsv, jsonl
  std::string modality;  // "image" or "text"
  std::string root;      // the path opened
  std::string name;      // recognised name (e.g. "Fashion-MNIST") or the folder name
  std::vector<std::string> classNames;
  std::vector<SplitInfo> splits;
  std::vector<DatasetProblem> problems;
  std::map<std::string, std::int64_t> problemCounts;  // kind -> count
  double loadSeconds = 0;
};

// Options that a SPEC cannot carry. Text columns may be names or 0-based indices ("2").
struct DatasetOptions {
  std::string imageRoot;       // coop-split: the folder the split's relative paths start from
  std::string classNamesFile;  // idx/folder: "<folder-or-label> <name with spaces>" per line
  std::string textColumn;      // csv/tsv/jsonl: default: text, sentence, sentence1, ...
  std::string text2Column;     // optional second text (e.g. sentence2); empty: none
  std::string labelColumn;     // default: label
  std::vector<std::string> labelNames;  // integer labels -> names (else names from the data)
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

// ---- Few-shot protocol ---------------------------------------------------------------------
// CoOp's protocol: `shots` items per class from the train split and min(shots, 4) per class for
// validation (from the "val" split when there is one, else from the train items not picked).
// Fully determined by (seed, item ids): see core/src/data/prng.h for the generator and the
// sampling algorithm. Classes with fewer items than asked: all are taken and a warning is added.
struct FewShotOptions {
  int shots = 16;
  std::uint64_t seed = 1;
  std::string trainSplit = "train";
  std::string valSplit = "val";  // used when the dataset has it
  int valShots = -1;             // -1: min(shots, 4)
};

struct FewShotSplit {
  int shots = 0;
  std::uint64_t seed = 0;
  std::vector<std::string> trainIds, valIds;      // chosen ids, class by class
  std::vector<std::size_t> trainIndex, valIndex;  // positions in their splits' item lists
  std::string trainSplit, valSplit;               // the splits the items came from
  std::string idsHash;                            // hash of train ids + val ids (16 hex digits)
  std::vector<std::string> warnings;              // e.g. "class 3 'Dress': 2 items < 16 shots"
  int shortClasses = 0;                           // classes that had fewer items than asked
};

FewShotSplit sampleFewShot(const Dataset& dataset, const FewShotOptions& options);

// 64-bit FNV-1a of a byte string, as 16 lowercase hex digits (the hash used for ids and items).
std::string hashHex(const std::string& bytes);

}  // namespace pd
