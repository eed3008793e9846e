#pragma once
// Recording a model or dataset file in a project, as the GUI's "Add model…"/"Add dataset…" and
// `promptdesk-cli project add-model|add-dataset` do it (torch-free public API). Both run in a job
// (hashing a large file takes a while) and open their own project connection.
#include <string>
#include <utility>

#include "promptdesk/checkpoint_import.h"
#include "promptdesk/dataset.h"
#include "promptdesk/project.h"

namespace pd {

class JobContext;

// A model file or Hugging Face folder. A TorchScript .pt/.pth (or any zip archive) is first
// converted by importCheckpointIsolated into <project folder>/models/<name>.safetensors (a free
// name; the .pt is never loaded in this process); a Hugging Face folder whose weights are
// pytorch_model.bin by importModelFolderIsolated into <project folder>/models/<name>/ (a text
// model) or <name>.safetensors (CLIP). The file is then described by its model family, hashed and
// recorded (an existing path+hash row is reused). Any failure throws
//   pd::Error("this file is not a valid CLIP checkpoint: <reason> (<file>)")
// ("this folder is not a valid checkpoint: ..." when a folder was given)
// and leaves the project untouched (a converted file is removed). `ctx` (optional): progress and
// cancel (JobCancelled; the import child is killed).
ModelRecord addModelFile(const std::string& projectPath, const std::string& file,
                         const IsolatedImportOptions& import = {}, JobContext* ctx = nullptr);

// A dataset file or folder. One PromptDesk can open is recorded with its recognised name and
// classes; any other existing file (e.g. a feature table for linear-probe-csv) as a plain file.
// Throws pd::Error naming the file when it does not exist.
DatasetRecord addDatasetFile(const std::string& projectPath, const std::string& file,
                             JobContext* ctx = nullptr);

// The SPEC and options a dataset record was recorded with (its spec JSON: "spec", "image_root",
// "class_names", "label_names"), else its path and no options. Never throws.
std::pair<std::string, DatasetOptions> datasetSpecOf(const DatasetRecord& record);

}  // namespace pd
