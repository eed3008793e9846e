#pragma once
// CLIP models (OpenAI layout): architecture inspection. Plain C++17, no torch.
#include <cstdint>
#include <string>
#include <vector>

namespace pd {

// The architecture numbers of a CLIP checkpoint, under OpenAI's `build_model` names. Inferred
// from tensor shapes as `build_model` does (64-wide heads), then overridden by a config.json
// beside the checkpoint (OpenAI names) or by the Hugging Face config.json of an HF folder.
struct ClipArchitecture {
  bool visionIsResNet = false;         // ModifiedResNet image tower (RN50...) instead of a ViT
  std::int64_t embedDim = 0;           // joint embedding size (text_projection columns)
  std::int64_t imageResolution = 0;    // input side in pixels
  std::int64_t visionWidth = 0;        // ViT width, or ResNet stem width (64 for RN50)
  std::int64_t visionLayers = 0;       // ViT: transformer layers (ResNet: sum of stage blocks)
  std::vector<std::int64_t> visionStageBlocks;  // ResNet only: blocks per stage (4 numbers)
  std::int64_t visionPatchSize = 0;    // ViT only (0 for ResNet)
  std::int64_t visionHeads = 0;        // ViT: width/64; ResNet attention pool: width*32/64
  std::int64_t contextLength = 0;      // text positions (77)
  std::int64_t vocabSize = 0;          // 49408
  std::int64_t transformerWidth = 0;   // text width
  std::int64_t transformerHeads = 0;   // text heads (width/64 unless a config says otherwise)
  std::int64_t transformerLayers = 0;  // text layers

  // Filled by inspectClipModel (empty/0 when the architecture was built another way).
  std::string configSource;            // "shapes", "config.json" or "hf-config.json"
  std::string format;                  // checkpoint format as reported by the reader
  std::string contentHash;             // reader's content hash of the weights
  std::int64_t parameterCount = 0;     // learnable parameters (no BatchNorm statistics)

  // ViT image tower: number of patches + class token. ResNet: attention-pool grid + 1.
  std::int64_t visionTokens() const;
  // JSON object: OpenAI names (embed_dim, image_resolution, vision_layers (int for ViT, list for
  // ResNet), vision_width, vision_patch_size (null for ResNet), context_length, vocab_size,
  // transformer_width, transformer_heads, transformer_layers) + "vision" ("vit"/"resnet"),
  // vision_heads, and, when set, config_source, format, content_hash, parameter_count.
  std::string toJson(int indent = 1) const;
};

// Reads the checkpoint at `path` (OpenAI TorchScript .pt, .safetensors, or an HF folder), infers
// its architecture and checks that every tensor the model needs is there with the right shape.
// Throws pd::Error naming the file and the missing/unexpected/mis-shaped keys.
ClipArchitecture inspectClipModel(const std::string& path);

// `promptdesk-cli clip-embed`: encode images and/or texts with a CLIP checkpoint and write the
// features as safetensors. Inputs come either from `inputSafetensors` (`images` (N,3,R,R) float,
// already preprocessed, and/or `text_tokens` (M,L) integer ids) or from image files (CLIP's
// preprocessing at the model's resolution) and texts (CLIP tokenizer from the data folder).
struct ClipEmbedRequest {
  std::string modelPath;
  std::string inputSafetensors;         // or:
  std::vector<std::string> imageFiles;  //   image files (JPEG/PNG)
  std::vector<std::string> texts;       //   texts
  std::string outputSafetensors;        // written atomically: image_features (N,E),
                                        // text_features (M,E), logits_per_image (N,M) when both
  int batchSize = 64;                   // images/prompts encoded at once (bounds memory)
};

struct ClipEmbedResult {
  ClipArchitecture architecture;
  std::int64_t images = 0;
  std::int64_t texts = 0;
  // logit_scale.exp() * cosine similarity, row-major N x M (empty unless both were given).
  std::vector<std::vector<float>> logitsPerImage;
  double seconds = 0;  // encoding time (without loading)
};

// Throws pd::Error (file or tensor named) for unreadable inputs, wrong shapes or dtypes, or when
// neither images nor texts are given.
ClipEmbedResult clipEmbed(const ClipEmbedRequest& request);

}  // namespace pd
