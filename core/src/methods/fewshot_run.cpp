// runFewShot: one few-shot run (CoOp, CoCoOp, linear probe, zero-shot, template ensemble) on a
// dataset, with image features from the feature cache and the text side trained/evaluated here.
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
#include "methods/clip_towers.h"
#include "methods/coop_trainer.h"
#include "methods/linear_probe.h"
#include "methods/prompt_artifact.h"
#include "models/clip_model.h"
#include "promptdesk/coop.h"
#include "promptdesk/error.h"
#include "promptdesk/feature_cache.h"
#include "promptdesk/jobs.h"
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

const std::vector<std::string> kEnsembleTemplates = {
    "itap of a {}.",           "a bad photo of the {}.",
    "a origami {}.",           "a photo of the large {}.",
    "a {} in a video game.",   "art of the {}.",
    "a photo of the small {}."};

std::string fill(const std::string& tpl, const std::string& name) {
  for (const std::string mark : {"{class}", "{}"}) {
    auto p = tpl.find(mark);
    if (p != std::string::npos) return tpl.substr(0, p) + name + tpl.substr(p + mark.size());
  }
  throw Error("the template has no {class} placeholder", tpl);
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
                    std::to_string(o.verifyImages) + "\n" + std::to_string(o.maxDecompressedBytes);
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

}  // namespace

FewShotRunResult runFewShot(const FewShotRunSpec& spec, JobContext* job) {
  const std::set<std::string> methods{"coop", "cocoop", "linear-probe", "zeroshot", "ensemble"};
  if (!methods.count(spec.method)) throw Error("unknown method '" + spec.method + "'", "method");
  if (spec.outDir.empty()) throw Error("an output folder is needed", "--out");
  std::filesystem::create_directories(spec.outDir);
  auto report = [&](double f, const std::string& msg) {
    if (job) job->progress(f, 0, 0, msg);
  };
  report(0, "loading model");
  io::LoadedCheckpoint ck = io::readCheckpoint(spec.modelPath);
  if (ck.weights.source.empty()) ck.weights.source = spec.modelPath;
  const nlohmann::json cfg = io::checkpointConfig(ck);
  auto model = models::buildClipModel(ck.weights, cfg);
  const int textHeads = cfg.is_object() ? cfg.value("transformer_heads", 0) : 0;
  methods::ClipTowers towers = methods::towersFromStateDict(ck.weights, textHeads, 0);
  towers.textHeads = static_cast<int>(model->architecture().transformerHeads);
  const int nPx = static_cast<int>(model->architecture().imageResolution);
  const std::string modelHash = ck.contentHash.empty() ? hashHex(spec.modelPath) : ck.contentHash;

  std::shared_ptr<const Dataset> ds = openDatasetCached(spec.datasetSpec, spec.datasetOptions);
  if (ds->modality() != "image")
    throw Error("few-shot runs need an image dataset", spec.datasetSpec);
  FewShotOptions fo;
  fo.shots = spec.shots;
  fo.seed = spec.seed;
  FewShotSplit fs = sampleFewShot(*ds, fo);
  Split train = pick(*ds, fs.trainSplit, fs.trainIndex);
  Split val = pick(*ds, fs.valSplit, fs.valIndex);
  Split test;
  if (ds->hasSplit("test")) {
    const auto& all = ds->items("test");
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < all.size() && (spec.testLimit <= 0 || (int64_t)i < spec.testLimit);
         ++i)
      idx.push_back(i);
    test = pick(*ds, "test", idx);
  }

  FeatureCacheOptions copt;
  copt.dir = spec.cacheDir.empty() ? dataPath("feature-cache") : spec.cacheDir;
  FeatureCache cache(copt);
  const std::string pre = "clip-openai/" + std::to_string(nPx) + "/bicubic-aa/center-crop/exif";
  auto features = [&](const std::vector<ItemRef>& items, int views, const std::string& what) {
    if (items.empty()) return at::Tensor();
    const std::string p = views > 0 ? pre + "/rrc(0.08-1,3:4-4:3)+hflip" : pre;
    auto req = data::makeFeatureRequests(*ds, items, modelHash, p, views, spec.seed);
    data::FeatureExtractor ex = [&](const std::vector<const data::FeatureRequest*>& batch) {
      if (job) job->checkCancelled();
      std::vector<at::Tensor> imgs;
      for (auto* r : batch) imgs.push_back(preprocess(*ds, *r, nPx));
      return model->encode_image(at::stack(imgs), 64);
    };
    return data::cachedFeatures(cache, req, ex, 64, [&](int64_t d, int64_t t) {
      report(-1, what + " features " + std::to_string(d) + "/" + std::to_string(t));
    });
  };
  // Train: plain view first, then K augmented views -> (N, 1+K, E).
  at::Tensor trainF = features(train.items, 0, "train").unsqueeze(1);
  if (spec.views > 0 && (spec.method == "coop" || spec.method == "cocoop")) {
    auto aug = features(train.items, spec.views, "augmented train");
    trainF =
        at::cat({trainF, aug.view({static_cast<int64_t>(train.items.size()), spec.views, -1})}, 1);
  }
  at::Tensor valF = features(val.items, 0, "val"), testF = features(test.items, 0, "test");

  ClipTokenizer tok = ClipTokenizer::fromDataDir();
  std::vector<std::string> names;
  for (const auto& n : ds->classNames()) names.push_back(cleanName(n));
  auto tokens = [&](const std::vector<std::string>& texts) {
    std::vector<int64_t> flat;
    for (const auto& t : texts) {
      auto ids = tok.tokenize(t, towers.contextLength(), true);
      flat.insert(flat.end(), ids.begin(), ids.end());
    }
    return at::tensor(flat, at::kLong).view({static_cast<int64_t>(texts.size()), -1});
  };
  auto zeroShotText = [&](const std::vector<std::string>& templates) {
    at::NoGradGuard ng;
    at::Tensor sum;
    for (const auto& tpl : templates) {
      std::vector<std::string> texts;
      for (const auto& n : names) texts.push_back(fill(tpl, n));
      auto t = tokens(texts);
      auto f = methods::encodeTextEmbeddings(towers, at::embedding(towers.tokenEmbedding, t),
                                             t.argmax(-1), true);
      f = f / f.norm(2, -1, true);
      sum = sum.defined() ? sum + f : f;
    }
    return sum;
  };

  FewShotRunResult res;
  res.method = spec.method;
  res.shots = spec.shots;
  res.seed = spec.seed;
  res.modelHash = modelHash;
  res.datasetName = ds->name();
  res.fewShotIdsHash = fs.idsHash;
  res.classNames = ds->classNames();
  res.trainIds = fs.trainIds;
  res.valIds = fs.valIds;
  nlohmann::json out{{"method", spec.method},
                     {"shots", spec.shots},
                     {"seed", spec.seed},
                     {"model", spec.modelPath},
                     {"model_hash", modelHash},
                     {"dataset", spec.datasetSpec},
                     {"classes", names.size()},
                     {"train_items", train.items.size()},
                     {"val_items", val.items.size()},
                     {"test_items", test.items.size()},
                     {"few_shot_ids_hash", fs.idsHash}};
  auto t0 = Clock::now();
  // Scores every test item with `logitsOf` (batched) and keeps them for the metrics.
  at::Tensor testLogits;
  auto scoreTest = [&](const std::function<at::Tensor(const at::Tensor&)>& logitsOf) {
    if (!testF.defined()) return;
    at::NoGradGuard ng;
    std::vector<at::Tensor> parts;
    for (int64_t i = 0; i < testF.size(0); i += 256) {
      if (job) job->checkCancelled();
      parts.push_back(logitsOf(testF.narrow(0, i, std::min<int64_t>(256, testF.size(0) - i))));
    }
    testLogits = at::cat(parts, 0).to(at::kFloat).contiguous();
    res.testAccuracy = acc(testLogits, test.labels);
  };
  auto evalText = [&](const at::Tensor& text) {
    if (valF.defined())
      res.valAccuracy = acc(methods::clipLogits(towers.logitScale, valF, text), val.labels);
    scoreTest([&](const at::Tensor& f) { return methods::clipLogits(towers.logitScale, f, text); });
  };
  if (spec.method == "zeroshot" || spec.method == "ensemble") {
    std::vector<std::string> templates = spec.templates;
    if (templates.empty())
      templates = spec.method == "zeroshot" ? std::vector<std::string>{"a photo of a {}."}
                                            : kEnsembleTemplates;
    for (const auto& t : templates) fill(t, "x");  // refuse a template without a placeholder
    out["templates"] = templates;
    evalText(zeroShotText(templates));
  } else if (spec.method == "linear-probe") {
    auto lp = methods::trainLinearProbe(trainF.select(1, 0), train.labels, valF, val.labels,
                                        static_cast<int64_t>(names.size()));
    res.valAccuracy = lp.valAccuracy;
    scoreTest([&](const at::Tensor& f) { return lp.logits(f); });
    out["c"] = lp.c;
  } else {
    CoopSpec cs = spec.coop;
    cs.method = spec.method;
    cs.shots = spec.shots;
    cs.seed = spec.seed;
    int nCtx = cs.nCtx;
    at::Tensor init;
    std::string lead;
    if (!cs.ctxInit.empty()) {
      auto ids = tok.encode(cs.ctxInit);
      nCtx = static_cast<int>(ids.size());
      init = towers.tokenEmbedding.index_select(
          0, at::tensor(std::vector<int64_t>(ids.begin(), ids.end()), at::kLong));
      lead = cs.ctxInit;
    } else {
      for (int i = 0; i < nCtx; ++i) lead += i ? " X" : "X";
    }
    std::vector<std::string> texts;
    for (const auto& n : names) texts.push_back(lead + " " + n + ".");
    methods::ClassPrompts prompts{tokens(texts), nCtx};
    methods::CoopData data;
    data.labels = train.labels;
    // views = 0 means no augmentation in both modes (so the two modes are comparable).
    if (spec.views == 0) cs.augment = false;
    if (cs.referenceMode) {
      // The plain loop: the image tower runs on every batch (augmented in tensor space when
      // augmentation is on), all 77 positions per class prompt.
      towers.imageEncoder = [&](const at::Tensor& imgs) { return model->encode_image(imgs, 64); };
      std::vector<at::Tensor> imgs;
      for (const auto& item : train.items) {
        if (job) job->checkCancelled();
        data::FeatureRequest r;
        r.item = &item;
        imgs.push_back(preprocess(*ds, r, nPx));
      }
      data.images = at::stack(imgs, 0);
    } else {
      data.features = trainF;
    }
    methods::CoopTrainer tr(towers, prompts, cs, init);
    const std::string ckPath = spec.outDir + "/checkpoint.safetensors";
    if (spec.resume && std::filesystem::exists(ckPath)) tr.loadCheckpoint(ckPath);
    std::function<void(const methods::StepInfo&)> onStep;
    if (spec.hooks.onStep)
      onStep = [&](const methods::StepInfo& i) {
        spec.hooks.onStep({i.epoch, i.step, i.globalStep, i.totalSteps, i.loss, i.lr, i.accuracy});
      };
    while (tr.epoch() < tr.epochs()) {
      tr.runEpoch(data, job, onStep);
      tr.saveCheckpoint(ckPath);
      if (spec.hooks.onCheckpoint)
        spec.hooks.onCheckpoint(tr.epoch(), static_cast<int>(tr.losses().size()), ckPath);
    }
    res.epochs = tr.epochs();
    res.steps = static_cast<int>(tr.losses().size());
    res.finalLoss = tr.losses().empty() ? -1 : tr.losses().back();
    at::NoGradGuard ng;
    auto logitsOf = [&](const at::Tensor& f) {
      std::vector<at::Tensor> parts;
      for (int64_t i = 0; i < f.size(0); i += 64)
        parts.push_back(tr.logits(f.narrow(0, i, std::min<int64_t>(64, f.size(0) - i)), true));
      return at::cat(parts, 0);
    };
    if (valF.defined()) res.valAccuracy = acc(logitsOf(valF), val.labels);
    scoreTest(logitsOf);
    res.promptFile = spec.outDir + "/prompt.safetensors";
    methods::saveLearnedPrompt(
        res.promptFile,
        methods::learnedPromptFrom(tr, {{"classnames", names}, {"model_hash", modelHash}}));
    out["spec"] = methods::specToJson(tr.spec());
    out["losses"] = tr.losses();
  }
  if (testLogits.defined()) {
    const int64_t C = testLogits.size(1);
    const float* lp = testLogits.data_ptr<float>();
    res.testItems.reserve(test.items.size());
    for (std::size_t i = 0; i < test.items.size(); ++i) {
      ScoredItem it;
      it.id = test.items[i].id;
      it.label = static_cast<int>(test.items[i].label);
      it.scores.assign(lp + int64_t(i) * C, lp + int64_t(i + 1) * C);
      res.testItems.push_back(std::move(it));
    }
    res.testMetrics = computeMetrics(res.testItems, static_cast<int>(C));
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
