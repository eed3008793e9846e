// computeImageFeatures: a frozen CLIP image tower over a dataset split, through the feature cache.
#include <chrono>

#include "data/augment.h"
#include "data/cached_features.h"
#include "data/clip_preprocess.h"
#include "data/image_decode.h"
#include "io/checkpoint.h"
#include "models/clip/clip_model.h"
#include "promptdesk/error.h"
#include "promptdesk/feature_cache.h"
#include "promptdesk/paths.h"

namespace pd {

namespace {

using Clock = std::chrono::steady_clock;

at::Tensor pixelsTensor(const Image& img) {
  return at::from_blob(const_cast<std::uint8_t*>(img.pixels.data()),
                       {img.height, img.width, img.channels}, at::kByte)
      .clone();
}

Image decodedToImage(data::DecodedImage d) {
  Image img;
  img.width = d.width;
  img.height = d.height;
  img.channels = d.channels;
  img.pixels = std::move(d.pixels);
  return img;
}

// (3, nPx, nPx) for one request: CLIP preprocessing of the plain image or of augmented view v.
at::Tensor preprocessRequest(const Dataset& ds, const data::FeatureRequest& r, int nPx) {
  const ItemRef& item = *r.item;
  try {
    if (r.key.view == 0) {
      if (!item.path.empty()) return data::clipPreprocessFile(item.path, nPx);
      return data::clipPreprocessPixels(pixelsTensor(ds.loadImage(item)), nPx);
    }
    Image img =
        item.path.empty() ? ds.loadImage(item) : decodedToImage(data::decodeImageFile(item.path));
    Image view = data::randomResizedCropFlip(img, nPx, r.key.viewSeed);
    return data::clipPreprocessPixels(pixelsTensor(view), nPx);
  } catch (const Error& e) {
    throw Error(e.what(), item.id);
  }
}

}  // namespace

ImageFeaturesResult computeImageFeatures(
    const ImageFeaturesJob& job, const std::function<void(std::int64_t, std::int64_t)>& progress) {
  ImageFeaturesResult res;
  auto ds = openDataset(job.datasetSpec, job.datasetOptions);
  ds->requireUsable();  // refused items: labels off the class list, paths outside the root
  if (ds->modality() != "image")
    throw Error("features need an image dataset (this one is " + ds->modality() + ")",
                job.datasetSpec);
  const auto& all = ds->items(job.split);
  std::size_t n = all.size();
  if (job.limit > 0 && static_cast<std::size_t>(job.limit) < n)
    n = static_cast<std::size_t>(job.limit);
  std::vector<ItemRef> items(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));

  auto t0 = Clock::now();
  io::LoadedCheckpoint ck = io::readCheckpoint(job.modelPath);
  if (ck.weights.source.empty()) ck.weights.source = job.modelPath;
  auto model = models::buildClipModel(ck.weights, io::checkpointConfig(ck));
  ck.weights.tensors.clear();
  res.modelSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const int nPx = static_cast<int>(model->architecture().imageResolution);
  res.modelHash = ck.contentHash.empty() ? hashHex(job.modelPath) : ck.contentHash;
  res.preprocess = "clip-openai/" + std::to_string(nPx) + "/bicubic-aa/center-crop/exif";
  if (job.views > 0) res.preprocess += "/rrc(0.08-1,3:4-4:3)+hflip";

  FeatureCacheOptions copt;
  copt.dir = job.cacheDir.empty() ? dataPath("feature-cache") : job.cacheDir;
  copt.maxBytes = job.maxBytes;
  res.cacheDir = copt.dir;
  FeatureCache cache(copt);

  const auto t1 = Clock::now();
  auto requests =
      data::makeFeatureRequests(*ds, items, res.modelHash, res.preprocess, job.views, job.seed);
  data::FeatureExtractor extractor = [&](const std::vector<const data::FeatureRequest*>& batch) {
    std::vector<at::Tensor> images;
    images.reserve(batch.size());
    for (auto* r : batch) images.push_back(preprocessRequest(*ds, *r, nPx));
    return model->encode_image(at::stack(images), job.batchSize);
  };
  data::CachedFeatureRun run;
  at::Tensor f = data::cachedFeatures(cache, requests, extractor, job.batchSize, progress, &run);
  res.seconds = std::chrono::duration<double>(Clock::now() - t1).count();
  res.items = static_cast<std::int64_t>(items.size());
  res.features = f.size(0);
  res.dim = f.dim() == 2 ? f.size(1) : 0;
  res.hits = run.hits;
  res.misses = run.misses;
  return res;
}

}  // namespace pd
