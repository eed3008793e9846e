#pragma once
// Model families: how PromptDesk recognises a checkpoint's family and describes the model to the
// user. A family (core/src/models/<family>/) says how to detect itself (config.json model_type /
// architectures, else the checkpoint's keys), builds its model, gives its tokenizer and describes
// itself: an architecture record (the family's own JSON) plus facts the UI shows. CLIP is the
// first family; BERT, RoBERTa and GPT-2 follow. Plain C++17, no torch.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pd {

struct ModelFamilyInfo {
  std::string name;                     // "clip"
  std::string title;                    // "CLIP (OpenAI / Hugging Face CLIPModel)"
  std::vector<std::string> modelTypes;  // config.json model_type values it claims
};

struct ModelDescription {
  std::string family;  // a ModelFamilyInfo::name
  std::string title;   // e.g. "CLIP ViT, patch 32, 224 px"
  std::string format;  // as the checkpoint reader reports it
  std::string contentHash;
  std::int64_t parameterCount = 0;
  std::string architectureJson;  // the family's architecture record (CLIP: OpenAI's names)
  std::vector<std::pair<std::string, std::string>> facts;  // label -> value, in display order
};

// Title and facts of a model from its stored architecture record (ModelDescription::
// architectureJson, as projects keep it), without reading the checkpoint. The same facts
// describeModel() gives. A record no family recognises gives family "" and the title "unknown".
struct ModelSummary {
  std::string family, title;
  std::vector<std::pair<std::string, std::string>> facts;
};
ModelSummary summarizeArchitecture(const std::string& architectureJson);

// Every registered family, in registry order.
const std::vector<ModelFamilyInfo>& modelFamilies();

// Reads the checkpoint at `path` (a file or a Hugging Face folder), detects its family and
// describes it; checks that every tensor the family's model needs is there with the right shape.
// Throws pd::Error naming the file, and the keys at fault or the families tried.
ModelDescription describeModel(const std::string& path);

}  // namespace pd
