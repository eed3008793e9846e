#pragma once
// The options every command that opens a dataset shares (--dataset SPEC and its helpers).
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <sstream>
#include <string>

#include "promptdesk/dataset.h"
#include "promptdesk/error.h"

namespace pd::cli {

struct DatasetArgs {
  std::string spec;
  std::string labelNames;  // comma-separated
  pd::DatasetOptions options;

  void add(CLI::App* cmd) {
    cmd->add_option("--dataset", spec,
                    "dataset SPEC: a path (layout detected), kind:path (kind one of folder, "
                    "coop-split, idx, csv, tsv, jsonl, arff), or an installed dataset's name "
                    "(sentiment-imdb, sentiment-yelp, sentiment-amazon, spam-assassin, "
                    "reuters-grain, reuters-corn)")
        ->required();
    cmd->add_option("--image-root", options.imageRoot,
                    "coop-split: folder of the images; listed paths (relative, or absolute) must "
                    "lie inside it (without it: inside the split file's folder)");
    cmd->add_option("--class-names", options.classNamesFile,
                    "file of '<folder-or-label> <class name>' lines (text: '<raw label> <name>')");
    cmd->add_option("--text-column", options.textColumn,
                    "csv/tsv/jsonl/arff: text column (name or index; default text, text_a, ...)");
    cmd->add_option("--text2-column", options.text2Column,
                    "csv/tsv/jsonl/arff: second text column (default text_b, sentence2, ... if "
                    "present)");
    cmd->add_option("--label-column", options.labelColumn,
                    "csv/tsv/jsonl/arff: label column (default label, class, ...; arff: the last "
                    "nominal attribute)");
    cmd->add_option("--label-names", labelNames,
                    "the class list: comma-separated names for labels 0, 1, ... or raw=name "
                    "mappings (0=negative,1=positive); other labels are refused");
    cmd->add_flag("--verify-images", options.verifyImages,
                  "read every image header and skip unreadable images");
  }

  std::unique_ptr<pd::Dataset> open() { return pd::openDataset(spec, resolved()); }

  // resolved() with DatasetOptions::inspect set: refused items are listed, not thrown.
  pd::DatasetOptions resolvedForInspection() {
    pd::DatasetOptions o = resolved();
    o.inspect = true;
    return o;
  }

  // The options with --label-names split into the list.
  const pd::DatasetOptions& resolved() {
    options.labelNames.clear();
    if (!labelNames.empty()) {
      std::stringstream ss(labelNames);
      std::string name;
      while (std::getline(ss, name, ',')) options.labelNames.push_back(name);
    }
    return options;
  }
};

// The dataset part of a job spec (clip-zero-shot, clip-fewshot, clip-fewshot-experiment).
inline nlohmann::json datasetSpecJson(const DatasetArgs& a) {
  nlohmann::json j{{"dataset", a.spec},
                   {"image_root", a.options.imageRoot},
                   {"class_names", a.options.classNamesFile},
                   {"label_names", a.labelNames}};
  if (!a.options.textColumn.empty() || !a.options.labelColumn.empty())
    throw pd::Error("text datasets are not supported by the CLIP job kinds", "--text-column");
  return j;
}

}  // namespace pd::cli
