#pragma once
// Feature cache: features of a frozen image tower, computed once per
//   (model content hash, preprocessing spec, item content hash, augmentation view + its seed)
// and kept on disk under one folder: safetensors shards (one per stored batch: "features",
// rows x dim float32) and
// an SQLite index (WAL mode) mapping each key to (shard, row). Any change of a key part is a
// different key, so stale features are never returned; old ones age out by LRU eviction when the
// folder exceeds its size limit. Threads and processes may fill one cache at once: shards are
// written under unique names and renamed into place, index updates are transactions, a key
// stored twice keeps the first copy, and a shard evicted under a reader's feet reads as a miss.
// Torch-free; the tensor-facing helper (extractor + batching) is core/src/data/cached_features.h.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "promptdesk/dataset.h"

namespace pd {

struct FeatureKey {
  std::string modelHash;       // content hash of the model weights
  std::string preprocess;      // preprocessing spec, e.g. "clip/224/bicubic/center-crop"
  std::string itemHash;        // Dataset::contentHash(item)
  int view = 0;                // 0: the plain (test-time) view; v >= 1: augmented view v
  std::uint64_t viewSeed = 0;  // the seed augmented view v was drawn from (0 for view 0)
  std::string str() const;     // canonical string form (the index key)
};

struct FeatureCacheOptions {
  std::string dir;                          // created if missing
  std::uint64_t maxBytes = 8ull << 30;      // shard bytes kept before LRU eviction
  int busyTimeoutMs = 60000;                // wait this long for another writer's lock
};

struct FeatureCacheStats {
  std::int64_t hits = 0, misses = 0;  // per key, since this object was opened
  std::int64_t stored = 0;            // keys this object added
  std::int64_t evictedShards = 0;     // shards this object evicted
};

class FeatureCache {
 public:
  explicit FeatureCache(FeatureCacheOptions options);
  ~FeatureCache();
  FeatureCache(const FeatureCache&) = delete;
  FeatureCache& operator=(const FeatureCache&) = delete;

  // Looks up each key; found[i] is true when key i was in the cache and its row is in rows[i]
  // (dim floats). Marks the shards used (LRU). Throws pd::Error when the index cannot be read.
  std::vector<bool> get(const std::vector<FeatureKey>& keys,
                        std::vector<std::vector<float>>* rows);
  // Stores n = keys.size() rows of `dim` floats (row-major) as one shard. Keys already present
  // (e.g. filled meanwhile by another job) keep their first copy. Then evicts to the size limit.
  void put(const std::vector<FeatureKey>& keys, const float* data, int dim);

  std::uint64_t sizeBytes();   // bytes of all shards in the index
  std::int64_t entries();      // keys in the index
  // Evicts least-recently-used shards until sizeBytes() <= limit; returns shards evicted.
  int evictTo(std::uint64_t limitBytes);
  // Drops every entry of one model (e.g. after its weights changed); returns keys dropped.
  std::int64_t invalidateModel(const std::string& modelHash);
  void clear();
  // Size limit for later puts (eviction runs after each put).
  void setMaxBytes(std::uint64_t maxBytes);
  const FeatureCacheStats& stats() const;
  const std::string& dir() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- CLIP image features of a dataset split (`promptdesk-cli features`) -----------------------
// Frozen CLIP image tower over a split, through the cache. Preprocessing: CLIP's (resize short
// side, centre crop, normalise) at the model's resolution; augmented views (views = K > 0):
// RandomResizedCrop + flip as CoOp trains with, view v of an item seeded from (seed, item, v).
struct ImageFeaturesJob {
  std::string modelPath;
  std::string datasetSpec;
  DatasetOptions datasetOptions;
  std::string split = "test";
  std::string cacheDir;                  // empty: dataDir()/feature-cache
  std::uint64_t maxBytes = 8ull << 30;   // cache size limit
  int batchSize = 64;
  int views = 0;                         // 0: the plain view; K: K augmented views per item
  std::uint64_t seed = 1;                // base seed of the augmented views
  std::int64_t limit = 0;                // only the first N items of the split (0: all)
};

struct ImageFeaturesResult {
  std::int64_t items = 0, features = 0, hits = 0, misses = 0, dim = 0;
  double seconds = 0;         // cache lookups + encoding + storing (model load excluded)
  double modelSeconds = 0;    // loading the model
  std::string modelHash, preprocess, cacheDir;
};

// progress(done, total) is called after each batch. Throws pd::Error.
ImageFeaturesResult computeImageFeatures(
    const ImageFeaturesJob& job,
    const std::function<void(std::int64_t, std::int64_t)>& progress = {});

}  // namespace pd
