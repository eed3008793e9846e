#pragma once
// ClipModel: OpenAI's CLIP (text transformer + ViT or ModifiedResNet image tower) as a
// torch::nn::Module whose parameter names are exactly the OpenAI state-dict keys
// (`visual.conv1.weight`, `transformer.resblocks.0.attn.in_proj_weight`, `logit_scale`, ...).
//
// Weights are frozen (requires_grad = false) and the module is in eval mode (BatchNorm uses its
// running statistics). encode_image / encode_text run without autograd; encode_text_embeddings
// follows the caller's grad mode, so gradients flow to the prompt embeddings passed in (CoOp).
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/normalization.h>

#include <memory>
#include <string>

#include "io/state_dict.h"
#include "models/clip/clip_config.h"
#include "models/layers/transformer.h"
#include "models/clip/clip_vision.h"
#include "promptdesk/clip.h"

namespace pd::models {

class ClipModel : public torch::nn::Module {
 public:
  // Random initialisation at `arch` (benchmarks, tests); load weights with loadWeights().
  explicit ClipModel(const ClipArchitecture& arch);

  const ClipArchitecture& architecture() const { return arch_; }

  // images (N, 3, R, R) float, R = architecture().imageResolution, preprocessed (CLIP mean/std)
  // -> (N, embed_dim) float32, not normalised. Runs under NoGradGuard in chunks of `batchSize`
  // images (<= 0: all at once). Throws pd::Error on a wrong shape.
  at::Tensor encode_image(const at::Tensor& images, std::int64_t batchSize = 64);

  // tokens (M, L) int64 (L <= context_length, the tokenizer's padded ids; EOT = argmax of a row)
  // -> (M, embed_dim) float32, not normalised. No grad, chunks of `batchSize` prompts.
  // `truncate`: run only the first max(EOT)+1 positions of each chunk (same result: the causal
  // mask makes later positions irrelevant). Throws pd::Error on bad shape / ids >= vocab_size.
  at::Tensor encode_text(const at::Tensor& tokens, std::int64_t batchSize = 256,
                         bool truncate = true);

  // logit_scale.exp() * normalize(imageFeatures) @ normalize(textFeatures).T -> (N, M).
  // Differentiable (grad flows to whichever input requires it).
  at::Tensor logits(const at::Tensor& imageFeatures, const at::Tensor& textFeatures) const;

  // ---- CoOp / prompt-learning access -------------------------------------------------------
  // Token embeddings (M, L, D) for tokens (M, L) int64: token_embedding only, before the
  // positional embedding is added. Frozen weights: the result does not require grad.
  at::Tensor token_embeddings(const at::Tensor& tokens) const;

  // EOT position of each row: argmax of the token ids (M,) int64.
  static at::Tensor eot_index(const at::Tensor& tokens);

  // Text features from prompt embeddings (M, L, D) (L <= context_length, e.g. token_embeddings()
  // with some rows' positions replaced by learnable context vectors) and eotIndex (M,) int64:
  // + positional_embedding[:L], causal transformer, ln_final, row eotIndex[i], @ text_projection
  // -> (M, embed_dim). Runs in the caller's grad mode (autograd works through it).
  // `truncate`: run only the first max(eotIndex)+1 positions (identical result, faster).
  at::Tensor encode_text_embeddings(const at::Tensor& promptEmbeddings, const at::Tensor& eotIndex,
                                    bool truncate = false);

  // CoOp's fast path, part of the text module: prompts that share their first P positions
  // ([SOS][ctx]) are encoded with that prefix computed once per group. prefix (G, P, D) and
  // suffix (G, C, S, D) are embeddings before the positional add (positions [0, P) and
  // [P, P+S)); eot (G, C) int64 is each prompt's absolute EOT position (P <= eot < P+S). Equals
  // encode_text_embeddings() on the concatenated rows (exact under the causal mask). Caller's grad
  // mode -> (G, C, embed_dim). Throws pd::Error on bad shapes.
  at::Tensor encode_text_shared_prefix(const at::Tensor& prefix, const at::Tensor& suffix,
                                       const at::Tensor& eot);

  const at::Tensor& tokenEmbedding() const { return token_embedding->weight; }  // (V, D)
  std::int64_t textWidth() const { return arch_.transformerWidth; }   // D
  std::int64_t contextLength() const { return arch_.contextLength; }  // 77
  std::int64_t embedDim() const { return arch_.embedDim; }
  at::Tensor logitScale() const { return logit_scale; }  // scalar (log scale)

  // Copies every tensor of `sd` (OpenAI keys) into the module. Strict: missing keys,
  // unexpected keys and shape mismatches are collected into one pd::Error (context sd.source).
  // Ignored: the int64 scalars input_resolution/context_length/vocab_size; a missing
  // num_batches_tracked. Half/double tensors are converted to float32.
  void loadWeights(const io::StateDict& sd);

  // Submodules / parameters (public for white-box tests; names = OpenAI keys).
  std::shared_ptr<VisionTower> visual;
  Transformer transformer{nullptr};
  torch::nn::Embedding token_embedding{nullptr};
  torch::nn::LayerNorm ln_final{nullptr};
  at::Tensor positional_embedding, text_projection, logit_scale;

 private:
  at::Tensor encodeTextChunk(const at::Tensor& tokens, bool truncate);
  ClipArchitecture arch_;
};

// Checks `shapes` against what `arch` needs; throws one pd::Error listing missing keys,
// unexpected keys and shape mismatches (num_batches_tracked may be missing; the non-weight
// scalars are ignored).
void checkClipShapes(const ClipArchitecture& arch, const ShapeMap& shapes,
                     const std::string& source);

// Architecture from a state dict (shapes, then `config` overrides: OpenAI or HF config.json or
// null), shape-checked, then a model with the weights loaded. Throws pd::Error.
std::shared_ptr<ClipModel> buildClipModel(const io::StateDict& sd, const nlohmann::json& config);

// Reads any supported checkpoint (io::readCheckpoint: OpenAI .pt, .safetensors, HF folder, with
// a config.json beside it) and builds the model. Throws pd::Error naming the file.
std::shared_ptr<ClipModel> loadClipModel(const std::string& path);

}  // namespace pd::models
