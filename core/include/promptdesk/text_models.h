#pragma once
// Text language models (BERT, RoBERTa: masked LM; GPT-2: causal LM), torch-free public API.
// Checkpoints are Hugging Face folders (config.json + model.safetensors or a sharded index; see
// promptdesk/models.h for describeModel()).
#include <cstdint>
#include <string>
#include <vector>

namespace pd {

struct TextForwardRequest {
  std::string modelPath;  // HF folder (or a .safetensors file with config.json beside it)
  // Inputs by the golden files' own names: input_ids (N, T) int64 (or inputs_embeds (N, T, D)),
  // and optionally attention_mask, token_type_ids, position_ids (N, T); with labels (N, T)
  // (-100 = ignored) the LM loss is written too (GPT-2: next-token, shifted by one; BERT/RoBERTa:
  // masked-LM cross-entropy). Other tensors in the file are ignored and listed in the result.
  std::string inputSafetensors;
  // Writes last_hidden_state (N, T, D) and the full-vocabulary logits (N, T, V) float32
  // (+ loss [1] with labels).
  std::string outputSafetensors;
  bool writeLogits = true;
};

struct TextForwardResult {
  std::string family;
  std::int64_t batch = 0, length = 0, width = 0, vocab = 0;
  bool hasLoss = false;
  double loss = 0;
  std::vector<std::string> ignoredInputs;
  double seconds = 0;
};

// Throws pd::Error naming the file and tensor at fault (missing input_ids, wrong shapes, ids out
// of range, inputs longer than the model's positions).
TextForwardResult runTextForward(const TextForwardRequest& request);

}  // namespace pd
