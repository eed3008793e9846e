// runFewShot: one few-shot run of a registered method on a dataset, in stages: the backbone
// (checkpoint -> CLIP model, weights held once), the task (dataset, few-shot split, image features from the
// feature cache), the method (registry -> setup -> fit), evaluation (val accuracy, test logits and
// metrics) and the record (result.json, learned prompt).
#include <ATen/Parallel.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>

#include "data/augment.h"
#include "data/cached_features.h"
#include "data/clip_preprocess.h"
#include "data/image_decode.h"
#include "io/checkpoint.h"
#include "methods/common/method.h"
#include "methods/zero_shot/zero_shot.h"
#include "models/clip/clip_model.h"
#include "promptdesk/coop.h"
#include "promptdesk/error.h"
#include "promptdesk/feature_cache.h"
#include "promptdesk/jobs.h"
#include "promptdesk/methods.h"
#include "promptdesk/paths.h"
#include "promptdesk/tokenizer.h"

namespace pd {
namespace {
using Clock = std::chrono::steady_clock;

at::Tensor pixels(const Image& img) {
  return at::from_blob(const_cast<std::uint8_t*>(img.pixels.data()),
                       {img.height, img.width, img.channels}, at::kByte)
      .clone();
}

at::Tensor preprocess(const Dataset& ds, const data::FeatureRequest& r, int nPx) {
  const ItemRef& item = *r.item;
  try {
    if (r.key.view == 0) {
      if (!item.path.empty()) return data::clipPreprocessFile(item.path, nPx);
      return data::clipPreprocessPixels(pixels(ds.loadImage(item)), nPx);
    }
    Image img;
    if (item.path.empty()) {
      img = ds.loadImage(item);
    } else {
      auto d = data::decodeImageFile(item.path);
      img.width = d.width, img.height = d.height, img.channels = d.channels;
      img.pixels = std::move(d.pixels);
    }
    return data::clipPreprocessPixels(pixels(data::randomResizedCropFlip(img, nPx, r.key.viewSeed)),
                                      nPx);
  } catch (const Error& e) {
    throw Error(e.what(), item.id);
  }
}

struct Split {
  std::vector<ItemRef> items;
  at::Tensor labels;
};

Split pick(const Dataset& ds, const std::string& split, const std::vector<std::size_t>& index) {
  Split s;
  const auto& all = ds.items(split);
  std::vector<int64_t> y;
  for (auto i : index) {
    if (i >= all.size()) throw Error("few-shot index out of range", split);
    s.items.push_back(all[i]);
    y.push_back(all[i].label);
  }
  s.labels = at::tensor(y, at::kLong);
  return s;
}

std::string cleanName(std::string s) {
  for (auto& ch : s)
    if (ch == '_') ch = ' ';
  return s;
}

double acc(const at::Tensor& logits, const at::Tensor& labels) {
  return logits.argmax(-1).eq(labels).to(at::kDouble).mean().item<double>();
}

// Opening a dataset can take a while (Fashion-MNIST: ~1.5 s to decode its IDX files), and an
// experiment opens the same one for every cell: keep the last two per process, keyed by spec and
// options, and re-opened when the files' sizes or modification times change.
std::string fileStamp(const std::string& spec) {
  std::string path = spec;
  auto colon = spec.find(':');
  if (!std::filesystem::exists(path) && colon != std::string::npos) path = spec.substr(colon + 1);
  std::error_code ec;
  std::string stamp;
  auto add = [&](const std::filesystem::path& p) {
    auto t = std::filesystem::last_write_time(p, ec);
    stamp += p.filename().string() + ":" +
             std::to_string(ec ? 0 : t.time_since_epoch().count()) + ":" +
             std::to_string(std::filesystem::is_regular_file(p, ec)
                                ? std::filesystem::file_size(p, ec)
                                : 0) +
             ";";
  };
  add(path);
  if (std::filesystem::is_directory(path, ec))
    for (const auto& e : std::filesystem::directory_iterator(path, ec)) add(e.path());
  return stamp;
}

std::shared_ptr<const Dataset> openDatasetCached(const std::string& spec, const DatasetOptions& o) {
  static std::mutex mutex;
  static std::vector<std::pair<std::string, std::shared_ptr<const Dataset>>> cache;  // newest last
  std::string key = spec + "\n" + o.imageRoot + "\n" + o.classNamesFile + "\n" + o.textColumn +
                    "\n" + o.text2Column + "\n" + o.labelColumn + "\n" +
                    std::to_string(o.verifyImages) + "\n" + std::to_string(o.maxDecompressedBytes) +
                    "\n" + std::to_string(o.inspect);
  for (const auto& n : o.labelNames) key += "\n" + n;
  key += "\n" + fileStamp(spec) + "\n" + fileStamp(o.imageRoot) + "\n" + fileStamp(o.classNamesFile);
  std::lock_guard<std::mutex> lock(mutex);
  for (const auto& [k, ds] : cache)
    if (k == key) return ds;
  std::shared_ptr<const Dataset> ds = openDataset(spec, o);
  cache.emplace_back(key, ds);
  if (cache.size() > 2) cache.erase(cache.begin());
  return ds;
}

// ---- stage 1: the backbone ------------------------------------------------------------------
struct Backbone {
  std::shared_ptr<models::ClipModel> model;
  ClipTokenizer tokenizer = ClipTokenizer::fromDataDir();
  std::string modelHash;
  int nPx = 224;
  methods::ClipBackbone view() const {
    methods::ClipBackbone b;
    b.model = model.get();
    b.tokenizer = &tokenizer;
    b.modelHash = modelHash;
    b.resolution = nPx;
    return b;
  }
};

std::unique_ptr<Backbone> loadBackbone(const std::string& modelPath) {
  io::LoadedCheckpoint ck = io::readCheckpoint(modelPath);
  if (ck.weights.source.empty()) ck.weights.source = modelPath;
  const nlohmann::json cfg = io::checkpointConfig(ck);
  auto b = std::make_unique<Backbone>();
  b->model = models::buildClipModel(ck.weights, cfg);
  // One copy of the weights: the model's (the checkpoint's tensors are freed with `ck`).
  b->nPx = static_cast<int>(b->model->architecture().imageResolution);
  b->modelHash = ck.contentHash.empty() ? hashHex(modelPath) : ck.contentHash;
  return b;
}

// ---- stage 2: the task (data and features) ----------------------------------------------------
struct TaskData {
  std::shared_ptr<const Dataset> ds;
  FewShotSplit fs;
  Split train, val, test;
  methods::FewShotTask task;
  at::Tensor testF;
};

TaskData prepareTask(const FewShotRunSpec& spec, const Backbone& bb, const methods::Method& method,
                     JobContext* job) {
  auto report = [&](const std::string& msg) {
    if (job) job->progress(-1, 0, 0, msg);
  };
  TaskData t;
  t.ds = openDatasetCached(spec.datasetSpec, spec.datasetOptions);
  const Dataset& ds = *t.ds;
  ds.requireUsable();  // refused items (labels off the class list, paths outside the root)
  if (ds.modality() != "image") throw Error("few-shot runs need an image dataset", spec.datasetSpec);
  FewShotOptions fo;
  fo.shots = spec.shots;
  fo.seed = spec.seed;
  fo.protocol = spec.protocol;
  t.fs = sampleFewShot(ds, fo);
  t.train = pick(ds, t.fs.trainSplit, t.fs.trainIndex);
  t.val = pick(ds, t.fs.valSplit, t.fs.valIndex);
  if (!t.fs.testSplit.empty()) {
    const auto& all = ds.items(t.fs.testSplit);
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < all.size() && (spec.testLimit <= 0 || (int64_t)i < spec.testLimit);
         ++i)
      idx.push_back(i);
    t.test = pick(ds, t.fs.testSplit, idx);
  }

  FeatureCacheOptions copt;
  copt.dir = spec.cacheDir.empty() ? dataPath("feature-cache") : spec.cacheDir;
  FeatureCache cache(copt);
  const int nPx = bb.nPx;
  const std::string pre = "clip-openai/" + std::to_string(nPx) + "/bicubic-aa/center-crop/exif";
  auto features = [&](const std::vector<ItemRef>& items, int views, const std::string& what) {
    if (items.empty()) return at::Tensor();
    const std::string p = views > 0 ? pre + "/rrc(0.08-1,3:4-4:3)+hflip" : pre;
    auto req = data::makeFeatureRequests(ds, items, bb.modelHash, p, views, spec.seed);
    data::FeatureExtractor ex = [&](const std::vector<const data::FeatureRequest*>& batch) {
      if (job) job->checkCancelled();
      std::vector<at::Tensor> imgs;
      for (auto* r : batch) imgs.push_back(preprocess(ds, *r, nPx));
      return bb.model->encode_image(at::stack(imgs), 64);
    };
    return data::cachedFeatures(cache, req, ex, 64, [&](int64_t d, int64_t n) {
      report(what + " features " + std::to_string(d) + "/" + std::to_string(n));
    });
  };
  // Train: plain view first, then K augmented views -> (N, 1+K, E).
  at::Tensor trainF = features(t.train.items, 0, "train").unsqueeze(1);
  const int views = method.trainViews();
  if (views > 0) {
    auto aug = features(t.train.items, views, "augmented train");
    trainF = at::cat({trainF, aug.view({static_cast<int64_t>(t.train.items.size()), views, -1})}, 1);
  }
  t.task.train.features = trainF;
  t.task.train.labels = t.train.labels;
  t.task.val.features = features(t.val.items, 0, "val");
  t.task.val.labels = t.val.labels;
  t.testF = features(t.test.items, 0, "test");
  if (method.needsTrainImages()) {
    // The plain loop: the image tower runs on every batch (augmented in tensor space when
    // augmentation is on).
    std::vector<at::Tensor> imgs;
    for (const auto& item : t.train.items) {
      if (job) job->checkCancelled();
      data::FeatureRequest r;
      r.item = &item;
      imgs.push_back(preprocess(ds, r, nPx));
    }
    t.task.train.images = at::stack(imgs, 0);
  }
  for (const auto& n : ds.classNames()) t.task.classNames.push_back(cleanName(n));
  t.task.shots = spec.shots;
  t.task.seed = spec.seed;
  return t;
}

// ---- stage 4: evaluation ------------------------------------------------------------------------
// Logits of every row of `f` in batches of 256 (cancellable).
at::Tensor scoreAll(const methods::Method& m, const at::Tensor& f, JobContext* job) {
  at::NoGradGuard ng;
  std::vector<at::Tensor> parts;
  for (int64_t i = 0; i < f.size(0); i += 256) {
    if (job) job->checkCancelled();
    parts.push_back(m.logits(f.narrow(0, i, std::min<int64_t>(256, f.size(0) - i))));
  }
  return at::cat(parts, 0).to(at::kFloat).contiguous();
}

}  // namespace

FewShotRunResult runFewShot(const FewShotRunSpec& spec, JobContext* job) {
  const ResolvedMethod rm = resolveMethod(spec.method, spec.optionsJson, spec.method);
  if (spec.outDir.empty()) throw Error("an output folder is needed", "--out");
  std::filesystem::create_directories(spec.outDir);
  if (job) job->progress(0, 0, 0, "loading model");
  const auto bb = loadBackbone(spec.modelPath);
  // Stage 3a: the method from the registry, with its completed options.
  const nlohmann::json options = nlohmann::json::parse(rm.optionsJson);
  const methods::MethodEntry& entry = methods::methodEntry(rm.method->name);
  if (!entry.make) {
    std::string fams;
    for (const auto& f : entry.info.families) fams += (fams.empty() ? "" : ", ") + f;
    throw Error("method '" + rm.method->name + "' does not work on CLIP models (it works on: " +
                    fams + ")",
                "method");
  }
  std::unique_ptr<methods::Method> method = entry.make(options);
  TaskData t = prepareTask(spec, *bb, *method, job);
  const auto& names = t.task.classNames;

  FewShotRunResult res;
  res.method = spec.method;
  res.shots = spec.shots;
  res.seed = spec.seed;
  res.modelHash = bb->modelHash;
  res.datasetName = t.ds->name();
  res.fewShotIdsHash = t.fs.idsHash;
  res.classNames = t.ds->classNames();
  res.trainIds = t.fs.trainIds;
  res.valIds = t.fs.valIds;
  nlohmann::json out{{"method", spec.method},
                     {"shots", spec.shots},
                     {"seed", spec.seed},
                     {"model", spec.modelPath},
                     {"model_hash", bb->modelHash},
                     {"dataset", spec.datasetSpec},
                     {"classes", names.size()},
                     {"train_items", t.train.items.size()},
                     {"val_items", t.val.items.size()},
                     {"test_items", t.test.items.size()},
                     {"few_shot_ids_hash", t.fs.idsHash},
                     {"options", options}};
  auto t0 = Clock::now();
  // Stage 3b: set up and fit.
  method->setup(bb->view(), t.task);
  methods::FitContext fit;
  fit.job = job;
  fit.checkpointPath = spec.outDir + "/checkpoint.safetensors";
  fit.resume = spec.resume;
  fit.hooks = spec.hooks;
  method->fit(t.task, fit);
  if (const auto* l = method->losses()) {
    res.steps = static_cast<int>(l->size());
    res.finalLoss = l->empty() ? -1 : l->back();
  }
  res.epochs = method->epochs();
  // Stage 4: evaluation.
  if (t.task.val.features.defined())
    res.valAccuracy = acc(scoreAll(*method, t.task.val.features, job), t.val.labels);
  at::Tensor testLogits;
  if (t.testF.defined()) {
    testLogits = scoreAll(*method, t.testF, job);
    res.testAccuracy = acc(testLogits, t.test.labels);
  }
  // Stage 5: the record.
  nlohmann::json rec = method->record();
  for (auto it = rec.begin(); it != rec.end(); ++it) out[it.key()] = it.value();
  if (method->hasLearnedPrompt()) {
    res.promptFile = spec.outDir + "/prompt.safetensors";
    method->saveLearned(res.promptFile, {{"classnames", names}, {"model_hash", bb->modelHash}});
  }
  if (testLogits.defined()) {
    res.testItems = methods::scoredItems(testLogits, t.test.items);
    res.testMetrics = computeMetrics(res.testItems, static_cast<int>(testLogits.size(1)));
    out["test_macro_f1"] = res.testMetrics.macroF1;
    out["test_ci"] = {res.testMetrics.ciLow, res.testMetrics.ciHigh};
  }
  res.trainSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
  out["val_accuracy"] = res.valAccuracy;
  out["test_accuracy"] = res.testAccuracy;
  out["final_loss"] = res.finalLoss;
  out["epochs"] = res.epochs;
  out["seconds"] = res.trainSeconds;
  res.resultJson = out.dump();
  std::ofstream(spec.outDir + "/result.json") << out.dump(1) << "\n";
  return res;
}

}  // namespace pd
