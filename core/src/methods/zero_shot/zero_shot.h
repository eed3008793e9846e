#pragma once
// Zero-shot evaluation, tensor side (internal): class embeddings from templates, scores from
// features, and CLIP image features of dataset items through the feature cache.
#include <ATen/ATen.h>

#include <functional>
#include <string>
#include <vector>

#include "models/clip/clip_model.h"
#include "promptdesk/dataset.h"
#include "promptdesk/feature_cache.h"
#include "promptdesk/metrics.h"
#include "promptdesk/tokenizer.h"
#include "promptdesk/zero_shot.h"

namespace pd::methods {

// Called after each batch with (done, total); may throw (e.g. JobCancelled) to stop.
using BatchProgress = std::function<void(std::int64_t, std::int64_t)>;

// Every prompt render(templates[t], promptNames[c]) (t-major), tokenized at the model's context
// length. Throws pd::Error naming template and class for a prompt that cannot be rendered.
std::vector<std::string> renderPrompts(const std::vector<std::string>& templates,
                                       const std::vector<std::string>& promptNames);

// [C, D] class embeddings: the text tower on every prompt (in batches of `batchSize`), then
// prompts::ensembleClassEmbeddings over the templates (one template: just L2-normalised).
at::Tensor classEmbeddings(models::ClipModel& model, const ClipTokenizer& tokenizer,
                           const std::vector<std::string>& templates,
                           const std::vector<std::string>& promptNames, int batchSize,
                           const BatchProgress& progress = {});

// [N, C] logit_scale.exp() x cosine(imageFeatures, classEmbeddings).
at::Tensor zeroShotLogits(const models::ClipModel& model, const at::Tensor& imageFeatures,
                          const at::Tensor& classEmbeddings);

// One ScoredItem per row of `logits` (ids and labels from `items`).
std::vector<ScoredItem> scoredItems(const at::Tensor& logits, const std::vector<ItemRef>& items);

// The preprocessing key shared with `promptdesk-cli features` (computeImageFeatures).
std::string clipPreprocessKey(int nPx);

// [N, D] CLIP image features (plain view) of `items`, from `cache` where present, else encoded
// in batches and stored. Throws pd::Error naming the item that cannot be read.
at::Tensor clipImageFeatures(models::ClipModel& model, const std::string& modelHash,
                             const Dataset& dataset, const std::vector<ItemRef>& items,
                             FeatureCache& cache, int batchSize, const BatchProgress& progress,
                             std::int64_t* hits = nullptr, std::int64_t* misses = nullptr);

}  // namespace pd::methods
