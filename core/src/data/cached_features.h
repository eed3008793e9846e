#pragma once
// The tensor-facing side of the feature cache: features for a list of (item, view) requests,
// taken from the cache where present and computed by a FeatureExtractor (any function from a
// batch of requests to an [n, dim] float tensor, e.g. a frozen CLIP image tower) where not.
#include <ATen/ATen.h>

#include <functional>
#include <string>
#include <vector>

#include "promptdesk/dataset.h"
#include "promptdesk/feature_cache.h"

namespace pd::data {

struct FeatureRequest {
  const ItemRef* item = nullptr;
  FeatureKey key;  // key.view 0: plain view; v >= 1: augmented view with key.viewSeed
};

using FeatureExtractor = std::function<at::Tensor(const std::vector<const FeatureRequest*>&)>;

struct CachedFeatureRun {
  std::int64_t hits = 0, misses = 0;
  double seconds = 0;
};

// Requests for `items`: views == 0 gives the plain view only; views = K gives K augmented views
// per item (view 1..K, seeds from viewSeed(baseSeed, itemHash, v)). Item hashes come from
// dataset.contentHash (one read per item).
std::vector<FeatureRequest> makeFeatureRequests(const Dataset& dataset,
                                                const std::vector<ItemRef>& items,
                                                const std::string& modelHash,
                                                const std::string& preprocess, int views = 0,
                                                std::uint64_t baseSeed = 0);

// [requests.size(), dim] float32 features in request order. Misses are computed in batches of
// `batchSize` and stored (one shard per batch). progress(done, total) after each batch; may throw
// to cancel. Throws pd::Error when the extractor returns the wrong shape.
at::Tensor cachedFeatures(FeatureCache& cache, const std::vector<FeatureRequest>& requests,
                          const FeatureExtractor& extractor, int batchSize = 64,
                          const std::function<void(std::int64_t, std::int64_t)>& progress = {},
                          CachedFeatureRun* run = nullptr);

}  // namespace pd::data
