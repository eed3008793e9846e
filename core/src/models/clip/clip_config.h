#pragma once
// CLIP architecture from tensor shapes (as OpenAI's build_model), config.json overrides, and the
// key -> shape table of the OpenAI state dict for a given architecture.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "io/state_dict.h"
#include "promptdesk/clip.h"

namespace pd::models {

using Shape = std::vector<std::int64_t>;
using ShapeMap = std::map<std::string, Shape>;  // OpenAI key -> tensor shape

ShapeMap shapesOf(const io::StateDict& sd);

// Entries of released OpenAI checkpoints that are not weights (int64 scalars): ignored by loaders.
bool isClipNonWeightKey(const std::string& key);

// Infers the architecture from shapes exactly like OpenAI's build_model: ViT when `visual.proj`
// exists; text heads = width / 64; ViT heads = width / 64; ResNet heads = width * 32 / 64.
// Throws pd::Error (context `source`) naming the key that is missing or has a bad rank.
ClipArchitecture inferClipArchitecture(const ShapeMap& shapes, const std::string& source);

// Overrides fields from a config.json: OpenAI names (embed_dim, vision_layers, transformer_heads,
// optional vision_heads, ...) or a Hugging Face CLIPModel config (text_config/vision_config).
// A null/empty json changes nothing. Sets arch.configSource. Throws pd::Error on wrong types.
void applyClipConfig(ClipArchitecture& arch, const nlohmann::json& config,
                     const std::string& source);

// Every tensor of the OpenAI-layout state dict of `arch` (parameters and BatchNorm buffers;
// num_batches_tracked has shape {}), without allocating anything.
ShapeMap expectedClipShapes(const ClipArchitecture& arch);

// Learnable parameters of `arch` (BatchNorm statistics excluded).
std::int64_t clipParameterCount(const ClipArchitecture& arch);

std::string shapeString(const Shape& s);

}  // namespace pd::models
