#pragma once
// Hugging Face `CLIPModel` checkpoints (folder with config.json + model.safetensors, or a sharded
// model.safetensors.index.json) mapped onto the OpenAI CLIP key layout that the model code loads.
#include <nlohmann/json.hpp>

#include <string>

#include "io/state_dict.h"

namespace pd::io {

struct HfClipCheckpoint {
  StateDict weights;       // OpenAI layout (float32 as stored / upcast)
  nlohmann::json config;   // the folder's config.json, as parsed
  std::string weightFile;  // model.safetensors (or the index of the shards)
};

// True when `tensors` has Hugging Face CLIP keys (text_model.* / vision_model.*).
bool isHfClipLayout(const StateDict& sd);

// Renames/reshapes HF CLIP tensors to the OpenAI layout:
//   {text,vision}_model.encoder.layers.i.self_attn.{q,k,v}_proj.{weight,bias} -> cat(q,k,v) as
//   [visual.]transformer.resblocks.i.attn.in_proj_{weight,bias}; out_proj, layer_norm1/2 -> ln_1/2,
//   mlp.fc1/fc2 -> mlp.c_fc/c_proj; embeddings.{token,position}_embedding ->
//   token_embedding.weight, positional_embedding / visual.positional_embedding; patch_embedding ->
//   visual.conv1; class_embedding; pre_layrnorm/post_layernorm -> visual.ln_pre/ln_post;
//   final_layer_norm -> ln_final; visual_projection.weight^T -> visual.proj;
//   text_projection.weight^T -> text_projection; logit_scale. `position_ids` buffers are dropped.
//   Unknown or incomplete keys throw pd::Error listing them (context: sd.source).
StateDict mapHfClipToOpenai(const StateDict& hf);

// Reads a CLIPModel folder: config.json (must parse; model_type "clip" when present) and
// model.safetensors (or model.safetensors.index.json + shards), then maps the keys.
HfClipCheckpoint readHfClipFolder(const std::string& folder);

// OpenAI-style architecture numbers (the keys of the OpenAI fixtures' config.json: embed_dim,
// image_resolution, vision_layers, vision_width, vision_patch_size, vision_heads, context_length,
// vocab_size, transformer_width, transformer_heads, transformer_layers) from an HF CLIP config.
// Missing fields throw pd::Error naming them.
nlohmann::json openaiConfigFromHf(const nlohmann::json& hfConfig);

}  // namespace pd::io
