#pragma once
// CLIP-style prompt ensembling on tensors (for the zero-shot evaluation job).
#include <ATen/ATen.h>

namespace pd::prompts {

// perTemplate: [T, C, D] text embeddings (template, class, dim). Normalises each embedding,
// averages over templates and normalises again: returns [C, D] (float32). Throws pd::Error for a
// wrong rank or a zero embedding.
at::Tensor ensembleClassEmbeddings(const at::Tensor& perTemplate);

}  // namespace pd::prompts
