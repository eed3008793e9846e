// The zero-shot evaluation job: dataset + model + prompts -> per-item scores and metrics.
#include "methods/zero_shot/zero_shot.h"

#include <chrono>

#include "data/cached_features.h"
#include "data/clip_preprocess.h"
#include "io/checkpoint.h"
#include "promptdesk/error.h"
#include "promptdesk/paths.h"
#include "promptdesk/verbalizer.h"

namespace pd {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

at::Tensor preprocessItem(const Dataset& ds, const ItemRef& item, int nPx) {
  try {
    if (!item.path.empty()) return data::clipPreprocessFile(item.path, nPx);
    Image img = ds.loadImage(item);
    at::Tensor px =
        at::from_blob(img.pixels.data(), {img.height, img.width, img.channels}, at::kByte);
    return data::clipPreprocessPixels(px, nPx);
  } catch (const Error& e) {
    throw Error(e.what(), item.id);
  }
}

}  // namespace

namespace methods {

std::string clipPreprocessKey(int nPx) {
  // Must stay equal to computeImageFeatures' key so both share cached features.
  return "clip-openai/" + std::to_string(nPx) + "/bicubic-aa/center-crop/exif";
}

at::Tensor clipImageFeatures(models::ClipModel& model, const std::string& modelHash,
                             const Dataset& dataset, const std::vector<ItemRef>& items,
                             FeatureCache& cache, int batchSize, const BatchProgress& progress,
                             std::int64_t* hits, std::int64_t* misses) {
  const int nPx = static_cast<int>(model.architecture().imageResolution);
  auto requests = data::makeFeatureRequests(dataset, items, modelHash, clipPreprocessKey(nPx));
  data::FeatureExtractor extractor = [&](const std::vector<const data::FeatureRequest*>& batch) {
    std::vector<at::Tensor> images;
    images.reserve(batch.size());
    for (auto* r : batch) images.push_back(preprocessItem(dataset, *r->item, nPx));
    return model.encode_image(at::stack(images), batchSize);
  };
  data::CachedFeatureRun run;
  at::Tensor f = data::cachedFeatures(cache, requests, extractor, batchSize, progress, &run);
  if (hits) *hits = run.hits;
  if (misses) *misses = run.misses;
  return f;
}

}  // namespace methods

ZeroShotResult runZeroShot(const ZeroShotSpec& spec, JobContext* ctx) {
  const auto t0 = Clock::now();
  auto report = [&](double fraction, std::int64_t step, std::int64_t total,
                    const std::string& msg) {
    if (!ctx) return;
    ctx->checkCancelled();
    ctx->progress(fraction, step, total, msg);
  };
  if (spec.modelPath.empty()) throw Error("no model given", "zero-shot");
  if (spec.batchSize < 1) throw Error("batch size must be >= 1", "zero-shot");
  ZeroShotResult res;
  res.modelPath = spec.modelPath;
  res.datasetSpec = spec.datasetSpec;
  res.split = spec.split;

  report(0.0, 0, 0, "opening dataset");
  auto ds = openDataset(spec.datasetSpec, spec.datasetOptions);
  ds->requireUsable();  // refused items: labels off the class list, paths outside the root
  if (ds->modality() != "image")
    throw Error("zero-shot CLIP needs an image dataset (this one is " + ds->modality() + ")",
                spec.datasetSpec);
  res.datasetName = ds->name();
  res.classNames = ds->classNames();
  for (const auto& p : ds->problems())
    if (p.action == "skipped") ++res.skippedItems;
  const auto& all = ds->items(spec.split);
  std::size_t n = all.size();
  if (spec.limit > 0 && static_cast<std::size_t>(spec.limit) < n)
    n = static_cast<std::size_t>(spec.limit);
  if (n == 0) throw Error("split '" + spec.split + "' has no items", spec.datasetSpec);
  const std::vector<ItemRef> items(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));

  // Prompts: templates, class names after aliases.
  ResolvedPrompts prompts = resolveZeroShotPrompts(spec, res.datasetName);
  res.templates = prompts.templates;
  res.templateSet = prompts.setName;
  Verbalizer aliases;
  for (const auto& [cls, alias] : prompts.classAliases)
    if (std::find(res.classNames.begin(), res.classNames.end(), cls) != res.classNames.end())
      aliases.setAlias(cls, alias);
  if (!spec.aliasesFile.empty()) {
    Verbalizer v = Verbalizer::load(spec.aliasesFile);
    v.checkCovers(res.classNames, Family::Clip);
    for (const auto& [cls, alias] : v.aliases()) aliases.setAlias(cls, alias);
  }
  res.promptNames = aliases.promptNames(res.classNames);
  validateClassNames(res.promptNames);

  report(0.0, 0, 0, "loading model");
  const auto tm = Clock::now();
  io::LoadedCheckpoint ck = io::readCheckpoint(spec.modelPath);
  if (ck.weights.source.empty()) ck.weights.source = spec.modelPath;
  auto model = models::buildClipModel(ck.weights, io::checkpointConfig(ck));
  ck.weights.tensors.clear();
  res.modelHash = ck.contentHash.empty() ? hashHex(spec.modelPath) : ck.contentHash;
  res.preprocess =
      methods::clipPreprocessKey(static_cast<int>(model->architecture().imageResolution));
  res.logitScale = model->logitScale().exp().item<float>();
  res.modelSeconds = since(tm);

  // Text side first (cheap), then images (progress 5%..95%).
  const auto tt = Clock::now();
  at::Tensor classEmb =
      methods::classEmbeddings(*model, ClipTokenizer::fromDataDir(), res.templates, res.promptNames,
                               spec.batchSize, [&](std::int64_t done, std::int64_t total) {
                                 report(0.05 * done / total, done, total, "encoding prompts");
                               });
  res.textSeconds = since(tt);

  const auto ti = Clock::now();
  FeatureCacheOptions copt;
  copt.dir = spec.cacheDir.empty() ? dataPath("feature-cache") : spec.cacheDir;
  copt.maxBytes = spec.cacheMaxBytes;
  FeatureCache cache(copt);
  at::Tensor imageFeats = methods::clipImageFeatures(
      *model, res.modelHash, *ds, items, cache, spec.batchSize,
      [&](std::int64_t done, std::int64_t total) {
        report(0.05 + 0.9 * done / total, done, total, "image features");
      },
      &res.cacheHits, &res.cacheMisses);
  res.imageSeconds = since(ti);

  const auto ts = Clock::now();
  report(0.95, 0, 0, "scoring");
  at::Tensor logits = methods::zeroShotLogits(*model, imageFeats, classEmb);
  res.items = methods::scoredItems(logits, items);
  res.metrics = computeMetrics(res.items, static_cast<int>(res.classNames.size()), spec.metrics);
  if (!spec.keepScores)
    for (auto& it : res.items) it.scores.clear();
  res.scoreSeconds = since(ts);
  res.seconds = since(t0);
  res.itemsPerSecond = res.seconds > 0 ? static_cast<double>(items.size()) / res.seconds : 0;
  if (ctx)
    ctx->progress(1.0, static_cast<std::int64_t>(items.size()),
                  static_cast<std::int64_t>(items.size()), "done",
                  {{"accuracy", res.metrics.accuracy}, {"top5", res.metrics.top5}});
  return res;
}

}  // namespace pd
