#pragma once
// A PEFT adapter folder as HF PEFT's save_pretrained writes it (adapter_config.json +
// adapter_model.safetensors), parsed and type-checked without a model: every field PromptDesk
// reads is checked here, so that a bad file fails with pd::Error naming the file and the field,
// before any model is loaded. The model-dependent checks (sizes, the method's own tensors) are
// readPeftAdapter's (methods/text_common/text_peft.cpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/safetensors.h"

namespace pd::io {

struct PeftAdapterFile {
  std::string configPath, weightsPath;
  nlohmann::json config;       // the whole adapter_config.json (an object)
  std::string peftType;        // "peft_type": PROMPT_TUNING, P_TUNING, PREFIX_TUNING, PROMPTDESK_*
  StateDict weights;           // adapter_model.safetensors
  // PEFT's size fields, when present (they must be integers >= 0 when present).
  std::optional<std::int64_t> numVirtualTokens, tokenDim, numLayers, numAttentionHeads;
  // A PromptDesk export's own fields (absent in PEFT's files).
  std::string method;                // promptdesk_method
  nlohmann::json options = nlohmann::json::object();  // promptdesk_options (an object)
  std::string head;                  // promptdesk_head
  std::vector<std::string> classes;  // promptdesk_classes
  std::vector<std::vector<std::vector<int>>> labelWordIds;  // promptdesk_label_word_ids
};

// Reads <dir>/adapter_config.json and <dir>/adapter_model.safetensors; pd::Error naming the file
// (and ": field") for a missing file, invalid JSON, a missing or mistyped field, or a bad
// safetensors file.
PeftAdapterFile parsePeftAdapter(const std::string& dir);

}  // namespace pd::io
