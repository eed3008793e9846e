#pragma once
// CLIP towers as plain functions over weight tensors, for prompt learning. The text side exposes
// what CoOp's fast path needs and a module API hides: running on token embeddings, stopping at the
// longest EOT, and a shared-prefix pass where a prefix computed once is attended to by many
// suffixes (exact under the causal mask). The image side is the ViT tower (used in reference mode
// and by the benchmark). Weights use OpenAI's key names.
#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "io/state_dict.h"

namespace pd::methods {

struct Block {
  at::Tensor ln1w, ln1b, inW, inB, outW, outB, ln2w, ln2b, fcW, fcB, projW, projB;
};

struct ClipTowers {
  // text
  at::Tensor tokenEmbedding;       // (V, D)
  at::Tensor positionalEmbedding;  // (L, D)
  std::vector<Block> textBlocks;
  at::Tensor lnFinalW, lnFinalB, textProjection;  // textProjection (D, E)
  int textHeads = 8;
  // image (ViT)
  bool hasVit = false;
  at::Tensor conv1W, classEmbedding, visPos, lnPreW, lnPreB, lnPostW, lnPostB, visProj;
  std::vector<Block> visBlocks;
  int visHeads = 1;
  int patch = 32;
  int resolution = 224;
  at::Tensor logitScale;  // scalar (log scale)
  // When set, encodeImage() runs this instead of the ViT weights above (e.g. a ClipModel's image
  // tower, so reference mode works for ResNet backbones too).
  std::function<at::Tensor(const at::Tensor&)> imageEncoder;

  int width() const { return static_cast<int>(tokenEmbedding.size(1)); }
  int embedDim() const { return static_cast<int>(textProjection.size(1)); }
  int contextLength() const { return static_cast<int>(positionalEmbedding.size(0)); }
};

// Builds the towers from an OpenAI-layout state dict; heads come from `textHeads` / `visionHeads`
// when > 0, else width / 64 (OpenAI's rule). Throws pd::Error naming a missing key.
ClipTowers towersFromStateDict(const io::StateDict& sd, int textHeads = 0, int visionHeads = 0);
// Loads model.safetensors with an optional config.json beside it (heads override).
ClipTowers loadTowers(const std::string& modelPath);
// Random weights at the given shapes (benchmarks).
ClipTowers randomTowers(int textWidth, int textLayers, int textHeads, int embedDim, int visWidth,
                        int visLayers, int patch, int resolution, std::uint64_t seed);

// One residual attention block on (N, L, D) with an optional causal mask.
at::Tensor blockForward(const Block& b, const at::Tensor& x, int heads, bool causal);

// Text encoder on token embeddings before the positional add: x (N, L, D), eot (N) int64.
// Runs only positions [0, max(eot)] when `truncate` (exact: causal mask). Returns (N, E).
at::Tensor encodeTextEmbeddings(const ClipTowers& t, const at::Tensor& x, const at::Tensor& eot,
                                bool truncate);

// Shared-prefix text encoder. prefix (G, P, D) = positions [0, P) shared by the C suffixes of its
// group; suffix (G, C, S, D) = positions [P, P+S). Embeddings before the positional add.
// eot (G, C) = absolute EOT position (>= P). Returns text features (G, C, E).
at::Tensor encodeTextSharedPrefix(const ClipTowers& t, const at::Tensor& prefix,
                                  const at::Tensor& suffix, const at::Tensor& eot);

// ViT image features (N, E) for preprocessed images (N, 3, R, R).
at::Tensor encodeImage(const ClipTowers& t, const at::Tensor& images);

}  // namespace pd::methods
