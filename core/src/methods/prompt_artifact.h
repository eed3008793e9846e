#pragma once
// Learned-prompt artifacts: the context vectors (and CoCoOp's meta-net) as safetensors with the
// training spec as JSON metadata; reloading for evaluation; `interpret` = nearest vocabulary
// tokens.
#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace pd::methods {

class CoopTrainer;

struct LearnedPrompt {
  at::Tensor ctx;                          // (n_ctx, D) or class-specific (C, n_ctx, D)
  std::map<std::string, at::Tensor> meta;  // CoCoOp meta-net: meta.0.weight ... (empty for CoOp)
  nlohmann::json spec;                     // specToJson + "classnames", "model", ...
};

// Key "promptdesk_prompt" in the safetensors metadata holds `spec` as JSON.
void saveLearnedPrompt(const std::string& path, const LearnedPrompt& prompt);
LearnedPrompt loadLearnedPrompt(const std::string& path);
LearnedPrompt learnedPromptFrom(const CoopTrainer& trainer, const nlohmann::json& extra = {});

struct NearestToken {
  int64_t id = 0;
  double distance = 0;
  std::string text;  // decoded when a decoder is given
};
// For each learned vector (flattened over classes), the k nearest rows of `tokenEmbedding`
// (Euclidean). `decode` maps a token id to text (e.g. the CLIP tokenizer's decoder).
std::vector<std::vector<NearestToken>> interpretContext(
    const at::Tensor& ctx, const at::Tensor& tokenEmbedding, int k,
    const std::function<std::string(int64_t)>& decode = {});

}  // namespace pd::methods
