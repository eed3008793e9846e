#pragma once
// Backbone tensors of the text models (BERT, RoBERTa, GPT-2) addressed by their checkpoint (HF)
// keys, for the fine-tuning baselines: BitFit's biases, the adapters' LayerNorms, partial-k's
// last blocks, full fine-tuning. Selection is by key or by the module a key is bound into, in a
// stable natural order of the keys ("layer.2" before "layer.10"); the transformer blocks come
// with the HF names of their sublayers (where adapters are named). Also the plain encode of the
// methods that add no tokens.
#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "methods/text_common/text_method.h"
#include "models/layers/transformer.h"
#include "models/text_lm.h"

namespace pd::methods {

// Every key binding of the model, ordered naturally by HF key.
std::vector<models::KeyBinding> orderedBindings(const models::TextLM& model);

// The bindings for which `keep` is true, as trainable NamedTensors under their HF keys
// (backboneTensor: BERT's query/key/value rows share one leaf, in_proj_*).
std::vector<NamedTensor> backboneTensors(models::TextLM& model,
                                         const std::function<bool(const models::KeyBinding&)>& keep);

// Our module paths ("embeddings_ln", "encoder.resblocks.0.ln_1", "ln_f", ...) of the model's
// LayerNorms.
std::set<std::string> layerNormModules(const models::TextLM& model);
// "encoder.resblocks.0.ln_1.weight" -> "encoder.resblocks.0.ln_1".
std::string moduleOfTarget(const std::string& target);

// One transformer block of the backbone.
struct BackboneBlock {
  std::int64_t index = 0;
  models::ResidualAttentionBlockImpl* block = nullptr;
  std::string modulePath;     // our module path, e.g. "encoder.resblocks.3" / "h.resblocks.3"
  std::string attnOutputKey;  // HF key of the attention output projection's weight
                              // ("bert.encoder.layer.3.attention.output.dense.weight",
                              // "transformer.h.3.attn.c_proj.weight")
  std::string mlpOutputKey;   // HF key of the MLP output projection's weight
                              // ("bert.encoder.layer.3.output.dense.weight",
                              // "transformer.h.3.mlp.c_proj.weight")
};
// The blocks in layer order (as many as config().layers; throws pd::Error otherwise).
std::vector<BackboneBlock> backboneBlocks(models::TextLM& model);

// The model on the batch's text as it is (no inserted tokens, no prefixes): the encode of the
// methods that change the backbone's weights or modules only. Refuses {soft} template slots
// (naming `method`).
TextEncoded encodePlain(models::TextLM& model, const TextBatch& batch, const std::string& method);

// Sum of numel over named tensors.
std::int64_t numelOf(const std::vector<NamedTensor>& named);

}  // namespace pd::methods
