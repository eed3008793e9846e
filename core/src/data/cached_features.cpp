#include "data/cached_features.h"

#include <chrono>

#include "data/augment.h"
#include "promptdesk/error.h"

namespace pd::data {

std::vector<FeatureRequest> makeFeatureRequests(const Dataset& dataset,
                                                const std::vector<ItemRef>& items,
                                                const std::string& modelHash,
                                                const std::string& preprocess, int views,
                                                std::uint64_t baseSeed) {
  std::vector<FeatureRequest> out;
  out.reserve(items.size() * std::max(1, views));
  for (const ItemRef& item : items) {
    FeatureKey k;
    k.modelHash = modelHash;
    k.preprocess = preprocess;
    k.itemHash = dataset.contentHash(item);
    if (views <= 0) {
      out.push_back({&item, k});
      continue;
    }
    for (int v = 1; v <= views; ++v) {
      k.view = v;
      k.viewSeed = viewSeed(baseSeed, k.itemHash, v);
      out.push_back({&item, k});
    }
  }
  return out;
}

at::Tensor cachedFeatures(FeatureCache& cache, const std::vector<FeatureRequest>& requests,
                          const FeatureExtractor& extractor, int batchSize,
                          const std::function<void(std::int64_t, std::int64_t)>& progress,
                          CachedFeatureRun* run) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::int64_t n = static_cast<std::int64_t>(requests.size());
  if (batchSize < 1) batchSize = 1;
  std::vector<std::vector<float>> rows(requests.size());
  std::vector<bool> have(requests.size(), false);
  // Look up in chunks (bounded memory for the key lists).
  for (std::int64_t s = 0; s < n; s += 4096) {
    const std::int64_t e = std::min(n, s + 4096);
    std::vector<FeatureKey> keys;
    for (std::int64_t i = s; i < e; ++i) keys.push_back(requests[i].key);
    std::vector<std::vector<float>> got;
    auto found = cache.get(keys, &got);
    for (std::int64_t i = s; i < e; ++i)
      if (found[i - s]) {
        have[i] = true;
        rows[i] = std::move(got[i - s]);
      }
  }
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < requests.size(); ++i)
    if (!have[i]) missing.push_back(i);
  std::int64_t dim = -1;
  for (std::size_t i = 0; i < rows.size() && dim < 0; ++i)
    if (have[i]) dim = static_cast<std::int64_t>(rows[i].size());
  const std::int64_t hits = n - static_cast<std::int64_t>(missing.size());
  std::int64_t done = hits;
  if (progress) progress(done, n);
  for (std::size_t s = 0; s < missing.size(); s += batchSize) {
    const std::size_t e = std::min(missing.size(), s + batchSize);
    std::vector<const FeatureRequest*> batch;
    for (std::size_t j = s; j < e; ++j) batch.push_back(&requests[missing[j]]);
    at::Tensor f = extractor(batch);
    if (!f.defined() || f.dim() != 2 || f.size(0) != static_cast<std::int64_t>(batch.size()))
      throw Error("extractor returned " + (f.defined() ? std::to_string(f.dim()) + "-d tensor"
                                                       : std::string("nothing")) +
                      " for a batch of " + std::to_string(batch.size()) + " (expected [n, dim])",
                  "feature extractor");
    if (dim >= 0 && f.size(1) != dim)
      throw Error("feature dim " + std::to_string(f.size(1)) + " differs from the cached " +
                      std::to_string(dim) + " (same model and preprocessing?)",
                  "feature extractor");
    dim = f.size(1);
    f = f.detach().to(at::kCPU, at::kFloat).contiguous();
    std::vector<FeatureKey> keys;
    for (auto* r : batch) keys.push_back(r->key);
    cache.put(keys, f.data_ptr<float>(), static_cast<int>(dim));
    const float* p = f.data_ptr<float>();
    for (std::size_t j = s; j < e; ++j)
      rows[missing[j]].assign(p + (j - s) * dim, p + (j - s + 1) * dim);
    done += static_cast<std::int64_t>(e - s);
    if (progress) progress(done, n);
  }
  if (dim < 0) dim = 0;
  at::Tensor out = at::empty({n, dim}, at::kFloat);
  float* o = out.data_ptr<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    if (static_cast<std::int64_t>(rows[i].size()) != dim)
      throw Error("cached feature of dim " + std::to_string(rows[i].size()) + ", expected " +
                      std::to_string(dim),
                  requests[i].key.str());
    std::copy(rows[i].begin(), rows[i].end(), o + i * dim);
  }
  if (run) {
    run->hits = hits;
    run->misses = static_cast<std::int64_t>(missing.size());
    run->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return out;
}

}  // namespace pd::data
