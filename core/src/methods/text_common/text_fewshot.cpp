// runTextFewShot: one few-shot run of a text method under LM-BFF's protocol (K per class for
// train and for dev from the train split, model selection on dev every N steps, test on the
// test split), with the shared training loop:
//   - AdamW (decoupled weight decay, PyTorch's formula) written out here so that its state is
//     checkpointed by the tensors' reference names; linear warm-up then linear decay to 0 (HF's
//     get_linear_schedule_with_warmup); gradient clipping by global norm;
//   - length-bucketed batches (items sorted by length, cut into batches, the batch order
//     shuffled per epoch from the seed), padded per batch only;
//   - the head at the mask / prediction position only, over the label words only;
//   - no gradient buffers for frozen weights (only the method's tensors require grad);
//   - dev and test evaluation under c10::InferenceMode;
//   - "loss became NaN at step N": the run stops and the last good checkpoint stays.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <set>

#include "io/checkpoint.h"
#include "io/safetensors.h"
#include "methods/common/method.h"
#include "methods/text_common/heads/text_heads.h"
#include "methods/text_common/text_adamw.h"
#include "methods/text_common/text_head.h"
#include "methods/text_common/text_method.h"
#include "methods/text_common/text_setup.h"
#include "models/text_lm.h"
#include "prompts/text_prompt.h"
#include "promptdesk/error.h"
#include "promptdesk/jobs.h"
#include "promptdesk/methods.h"
#include "promptdesk/template.h"
#include "promptdesk/text_methods.h"
#include "promptdesk/version.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace pd {

std::vector<std::string> textMethodChoices() {
  std::vector<std::string> out;
  for (const auto& e : methods::methodEntries()) {
    if (!e.makeText) continue;
    out.push_back(e.info.name);
    for (const auto& p : e.info.presets) out.push_back(p.name);
  }
  return out;
}

bool isTextMethod(const std::string& name) {
  for (const auto& n : textMethodChoices())
    if (n == name) return true;
  return false;
}

namespace methods {
namespace {

using Clock = std::chrono::steady_clock;

struct Example {
  std::vector<int> ids, typeIds, softSlots;
  int predictPos = 0;  // mask (masked LM) or last context token (causal LM)
  int label = 0;
};

// Pads examples[idx] into a batch (right padding; exact for both kinds of model).
TextBatch makeBatch(const std::vector<Example>& ex, const std::vector<std::size_t>& idx,
                    int padId) {
  std::size_t t = 0;
  bool soft = false;
  for (auto i : idx) t = std::max(t, ex[i].ids.size()), soft = soft || !ex[i].softSlots.empty();
  const auto n = static_cast<std::int64_t>(idx.size()), tt = static_cast<std::int64_t>(t);
  at::Tensor ids = at::full({n, tt}, padId, at::kLong), mask = at::zeros({n, tt}, at::kLong),
             types = at::zeros({n, tt}, at::kLong), pos = at::zeros({n}, at::kLong),
             labels = at::zeros({n}, at::kLong), slots;
  if (soft) slots = at::full({n, tt}, -1, at::kLong);
  auto* pi = ids.data_ptr<std::int64_t>();
  auto* pm = mask.data_ptr<std::int64_t>();
  auto* pt = types.data_ptr<std::int64_t>();
  for (std::int64_t r = 0; r < n; ++r) {
    const Example& e = ex[idx[static_cast<std::size_t>(r)]];
    for (std::size_t j = 0; j < e.ids.size(); ++j) {
      pi[r * tt + static_cast<std::int64_t>(j)] = e.ids[j];
      pm[r * tt + static_cast<std::int64_t>(j)] = 1;
      pt[r * tt + static_cast<std::int64_t>(j)] = j < e.typeIds.size() ? e.typeIds[j] : 0;
    }
    if (soft)
      for (std::size_t j = 0; j < e.softSlots.size(); ++j)
        slots[r][static_cast<std::int64_t>(j)] = e.softSlots[j];
    pos[r] = e.predictPos;
    labels[r] = e.label;
  }
  TextBatch b;
  b.inputIds = ids;
  b.attentionMask = mask;
  b.tokenTypeIds = types;
  b.maskPos = pos;
  b.labels = labels;
  b.softSlots = slots;
  return b;
}

// Batches of indices of similar length (sorted by length, cut in order).
std::vector<std::vector<std::size_t>> lengthBuckets(const std::vector<Example>& ex,
                                                    std::size_t batch) {
  std::vector<std::size_t> order(ex.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](auto a, auto b) { return ex[a].ids.size() < ex[b].ids.size(); });
  std::vector<std::vector<std::size_t>> out;
  for (std::size_t i = 0; i < order.size(); i += batch)
    out.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(i),
                     order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), i + batch)));
  return out;
}

// Class scores of every example, batched by length, in inference mode.
at::Tensor scoreAll(TextMethod& method, const std::vector<Example>& ex, int padId,
                    std::size_t batch, JobContext* ctx) {
  c10::InferenceMode guard;
  method.head().setTraining(false);
  std::vector<at::Tensor> parts(ex.size());
  at::Tensor out;
  for (const auto& b : lengthBuckets(ex, batch)) {
    if (ctx) ctx->checkCancelled();
    TextBatch tb = makeBatch(ex, b, padId);
    at::Tensor logits = method.classLogits(method.encode(tb, false), tb).to(at::kFloat);
    if (!out.defined()) out = at::zeros({static_cast<std::int64_t>(ex.size()), logits.size(1)});
    for (std::size_t r = 0; r < b.size(); ++r)
      out[static_cast<std::int64_t>(b[r])].copy_(logits[static_cast<std::int64_t>(r)]);
  }
  return out;
}

double accuracyOf(const at::Tensor& logits, const std::vector<Example>& ex) {
  if (ex.empty()) return -1;
  at::Tensor pred = logits.argmax(1);
  std::int64_t right = 0;
  for (std::size_t i = 0; i < ex.size(); ++i)
    right += pred[static_cast<std::int64_t>(i)].item<std::int64_t>() == ex[i].label;
  return double(right) / double(ex.size());
}

std::string optionsHash(const std::string& method, const std::string& options,
                        const std::string& modelHash) {
  return hashHex(method + "\n" + options + "\n" + modelHash);
}

}  // namespace
}  // namespace methods

TextFewShotResult runTextFewShot(const TextFewShotSpec& spec, JobContext* ctx) {
  using namespace methods;
  const auto t0 = Clock::now();
  TextFewShotResult res;
  res.method = spec.method;
  res.shots = spec.shots;
  res.seed = spec.seed;
  if (spec.outDir.empty()) throw Error("a training run needs an output folder", "out");
  fs::create_directories(spec.outDir);

  const ResolvedMethod rm = resolveMethod(spec.method, spec.optionsJson, spec.method);
  const MethodEntry& entry = methodEntry(rm.method->name);
  if (!entry.makeText) {
    std::string fams;
    for (const auto& f : entry.info.families) fams += (fams.empty() ? "" : ", ") + f;
    throw Error("method '" + spec.method + "' does not work on text models (it works on: " + fams +
                    ")",
                "method");
  }

  if (ctx) ctx->progress(0, 0, 0, "loading the dataset");
  auto ds = openDataset(spec.datasetSpec, spec.datasetOptions);
  ds->requireUsable();
  if (ds->modality() != "text")
    throw Error("a text method needs a text dataset; this one holds " + ds->modality() + " items",
                spec.datasetSpec);
  FewShotOptions fo;
  fo.protocol = "lmbff";
  fo.shots = spec.shots;
  fo.seed = spec.seed;
  if (!ds->hasSplit(fo.trainSplit) && ds->splitNames().size() == 1)
    fo.trainSplit = ds->splitNames().front();
  const FewShotSplit split = sampleFewShot(*ds, fo);
  res.classNames = ds->classNames();
  res.trainIds = split.trainIds;
  res.valIds = split.valIds;
  res.fewShotIdsHash = split.idsHash;
  res.datasetName = ds->name();

  // The test items: the dataset's test split, or (a dataset with one split) every item of it
  // that was not drawn for train or dev.
  std::vector<ItemRef> testItems;
  if (!split.testSplit.empty() && split.testSplit != split.trainSplit) {
    testItems = ds->items(split.testSplit);
    res.testSplit = split.testSplit;
  } else {
    std::set<std::string> drawn(split.trainIds.begin(), split.trainIds.end());
    drawn.insert(split.valIds.begin(), split.valIds.end());
    for (const auto& it : ds->items(split.trainSplit))
      if (!drawn.count(it.id)) testItems.push_back(it);
    res.testSplit = split.trainSplit + " minus train/dev";
  }
  if (spec.testLimit > 0 && static_cast<std::size_t>(spec.testLimit) < testItems.size())
    testItems.resize(static_cast<std::size_t>(spec.testLimit));

  if (ctx) ctx->progress(0, 0, 0, "loading the model");
  io::LoadedCheckpoint ck = io::readCheckpoint(spec.modelPath);
  std::shared_ptr<models::TextLM> model =
      models::buildTextModel(ck, ck.weights.source.empty() ? spec.modelPath : ck.weights.source);
  res.modelHash = ck.contentHash;
  const int threads = spec.threads > 0 ? spec.threads : (ctx ? ctx->threads() : 0);
  if (threads > 0) at::set_num_threads(threads);
  const models::TextModelConfig& cfg = model->config();
  res.family = cfg.family;
  if (std::find(entry.info.families.begin(), entry.info.families.end(), cfg.family) ==
      entry.info.families.end()) {
    std::string fams;
    for (const auto& f : entry.info.families) fams += (fams.empty() ? "" : ", ") + f;
    throw Error("method '" + spec.method + "' does not support the " + cfg.family +
                    " family (it supports: " + fams + ")",
                "method");
  }
  TextTokenizer tok = textTokenizerFor(spec.modelPath, spec.tokenizer, cfg, res.tokenizer);
  const Family fam = cfg.causal ? Family::CausalLM : Family::MaskedLM;
  const Verbalizer verb = verbalizerFor(spec.verbalizerFile, spec.labelWords, res.classNames);

  std::unique_ptr<TextMethod> method = entry.makeText(json::parse(rm.optionsJson));
  TextBackbone backbone;
  backbone.model = model;
  backbone.tokenizer = &tok;
  backbone.modelPath = spec.modelPath;
  backbone.modelHash = ck.contentHash;

  // Encoding: the template for this model, cut to max_length and to the positions the method
  // leaves (virtual tokens, prefixes).
  const std::string tmplText = spec.templateText.empty()
                                   ? (cfg.causal ? "{text} It was" : "{text} It was {mask}.")
                                   : spec.templateText;
  Template tmpl = Template::parse(tmplText);
  tmpl.validate(fam);

  // Label words for the task (spacing as the template gives it, probed on the first item).
  const std::vector<ItemRef>& trainSplitItems = ds->items(split.trainSplit);
  TextTaskSpec task;
  task.classNames = res.classNames;
  task.head = spec.head;
  task.seed = spec.seed;

  // A first setup with a provisional budget gives reservedPositions(); then the encoder.
  const TextTrainOptions& topt0 = [&]() -> const TextTrainOptions& {
    return method->trainOptions();
  }();
  const std::int64_t modelMax = cfg.maxInputLength();
  prompts::TextPromptEncoder probeEnc(tok, fam, static_cast<int>(std::min<std::int64_t>(modelMax, topt0.maxLength)));
  RenderInput probe;
  probe.text = probe.textA = trainSplitItems.empty() ? "x" : trainSplitItems.front().text;
  probe.textB = trainSplitItems.empty() ? "" : trainSplitItems.front().text2;
  const bool space = probeEnc.encode(tmpl, probe).spaceBeforeLabel;
  for (const auto& c : res.classNames) {
    std::vector<std::vector<int>> ws;
    for (const auto& w : verb.labelWords(c)) {
      try {
        ws.push_back(probeEnc.labelWordIds(w, space));
      } catch (const Error& e) {
        throw Error(e.what(), "label words: class '" + c + "', word '" + w + "'");
      }
    }
    task.labelWordIds.push_back(std::move(ws));
  }
  // Soft slots of the template ({soft:N}, {soft:"words"}) go to methods with virtual tokens;
  // any other method refuses a template that has them (its encode names the method).
  const std::vector<int> slotInit = probeEnc.softSlotInit(tmpl);
  if (!slotInit.empty() && !method->takeTemplateSlots(slotInit))
    throw Error("the template has " + std::to_string(slotInit.size()) +
                    " soft slots, and method '" + spec.method +
                    "' has no virtual tokens to put there (use prompt-tuning or p-tuning)",
                "template '" + tmplText + "'");
  method->setup(backbone, task);
  const TextTrainOptions topt = method->trainOptions();
  const std::int64_t reserved = method->reservedPositions();
  const std::int64_t budget = std::min<std::int64_t>(topt.maxLength, modelMax - reserved);
  if (budget < 4)
    throw Error("the method takes " + std::to_string(reserved) + " of the model's " +
                    std::to_string(modelMax) + " positions, leaving " + std::to_string(budget) +
                    " for the text",
                "num_virtual_tokens");
  const prompts::TextPromptEncoder enc(tok, fam, static_cast<int>(budget));
  const int padId = cfg.padTokenId >= 0 ? static_cast<int>(cfg.padTokenId)
                                        : (cfg.eosTokenId >= 0 ? static_cast<int>(cfg.eosTokenId) : 0);
  auto encodeItem = [&](const ItemRef& it) {
    RenderInput in;
    in.text = in.textA = it.text;
    in.textB = it.text2;
    prompts::EncodedPrompt p;
    try {
      p = enc.encode(tmpl, in);
    } catch (const TemplateError& e) {
      throw Error(e.what(), "template '" + tmplText + "'");
    } catch (const Error& e) {
      throw Error(e.what(), "item " + it.id);
    }
    Example e;
    e.ids = p.ids;
    e.typeIds = p.typeIds;
    e.softSlots = p.softSlots;
    e.predictPos = cfg.causal ? static_cast<int>(p.ids.size()) - 1 : p.maskPos;
    e.label = it.label;
    return e;
  };
  std::vector<Example> train, dev, test;
  for (std::size_t i : split.trainIndex) train.push_back(encodeItem(trainSplitItems[i]));
  for (std::size_t i : split.valIndex) dev.push_back(encodeItem(trainSplitItems[i]));
  for (const auto& it : testItems) test.push_back(encodeItem(it));
  if (train.empty()) throw Error("the few-shot sample has no training items", spec.datasetSpec);

  // Heads that refine themselves on the training inputs (knowledgeable) do it now, before
  // their tensors go to the optimiser.
  {
    std::vector<TextBatch> refineBatches;
    for (const auto& b : lengthBuckets(train, static_cast<std::size_t>(std::max(1, topt.batchSize))))
      refineBatches.push_back(makeBatch(train, b, padId));
    refineTextHead(*method, refineBatches);
  }
  // Trainable tensors: unique leaves for the optimiser; every name for checkpoints.
  std::vector<NamedTensor> named = method->trainable();
  const TrainableCount count = countTrainable(named, *model);
  res.trained = count.trained;
  res.backbone = count.backbone;
  res.trainedPercent = count.percent();
  res.head = method->head().kind();
  AdamW opt;
  opt.weightDecay = topt.weightDecay;
  {
    std::set<const void*> seen;
    for (const auto& n : named)
      if (seen.insert(n.leaf.unsafeGetTensorImpl()).second) opt.add(n.name, n.leaf);
  }
  const std::string ckptPath = (fs::path(spec.outDir) / "checkpoint.safetensors").string();
  const std::string hash = optionsHash(rm.method->name, rm.optionsJson, ck.contentHash);

  std::mt19937_64 rng(spec.seed * 0x9E3779B97F4A7C15ull + 17);
  int step = 0, bestStep = 0;
  double bestDev = -1;
  std::map<std::string, at::Tensor> best;  // leaf tensors at the best dev step
  std::string epochRng, resumeRng;
  std::size_t cursor = 0, resumeCursor = 0;
  auto snapshot = [&] {
    std::map<std::string, at::Tensor> s;
    for (std::size_t i = 0; i < opt.params.size(); ++i)
      s[opt.names[i]] = opt.params[i].detach().clone();
    return s;
  };
  auto restore = [&](const std::map<std::string, at::Tensor>& s) {
    at::NoGradGuard ng;
    for (std::size_t i = 0; i < opt.params.size(); ++i) opt.params[i].copy_(s.at(opt.names[i]));
  };
  auto saveCheckpoint = [&] {
    std::map<std::string, at::Tensor> t;
    for (std::size_t i = 0; i < opt.params.size(); ++i) {
      t["param." + opt.names[i]] = opt.params[i].detach();
      t["adam_m." + opt.names[i]] = opt.m[i];
      t["adam_v." + opt.names[i]] = opt.v[i];
      if (!best.empty()) t["best." + opt.names[i]] = best.at(opt.names[i]);
    }
    t["losses"] = at::tensor(std::vector<double>(res.losses.begin(), res.losses.end()), at::kDouble);
    io::writeSafetensors(ckptPath, t,
                         {{"step", std::to_string(step)}, {"adam_t", std::to_string(opt.t)},
                          {"best_step", std::to_string(bestStep)},
                          {"best_dev", std::to_string(bestDev)}, {"rng", epochRng}, {"cursor", std::to_string(cursor)},
                          {"method", rm.method->name}, {"options_hash", hash},
                          {"model_hash", ck.contentHash}});
  };

  if (spec.resume && fs::exists(ckptPath)) {
    io::StateDict c = io::readSafetensors(ckptPath);
    auto meta = [&](const char* k) {
      auto it = c.metadata.find(k);
      if (it == c.metadata.end()) throw Error(std::string("the checkpoint has no ") + k, ckptPath);
      return it->second;
    };
    if (meta("model_hash") != ck.contentHash)
      throw Error("the checkpoint was made with another model (model hash " + meta("model_hash") +
                      ", this model " + ck.contentHash + ")",
                  ckptPath);
    if (meta("method") != rm.method->name || meta("options_hash") != hash)
      throw Error("the checkpoint was made by another method or other options (" +
                      meta("method") + ")",
                  ckptPath);
    at::NoGradGuard ng;
    for (std::size_t i = 0; i < opt.params.size(); ++i) {
      opt.params[i].copy_(c.at("param." + opt.names[i]));
      opt.m[i].copy_(c.at("adam_m." + opt.names[i]));
      opt.v[i].copy_(c.at("adam_v." + opt.names[i]));
      if (c.has("best." + opt.names[i])) best[opt.names[i]] = c.at("best." + opt.names[i]).clone();
    }
    step = std::stoi(meta("step"));
    opt.t = std::stoll(meta("adam_t"));
    bestStep = std::stoi(meta("best_step"));
    bestDev = std::stod(meta("best_dev"));
    resumeRng = meta("rng");
    resumeCursor = static_cast<std::size_t>(std::stoull(meta("cursor")));
    at::Tensor l = c.at("losses");
    for (std::int64_t i = 0; i < l.numel(); ++i) res.losses.push_back(l[i].item<double>());
  }

  const auto tTrain = Clock::now();
  const std::size_t bs = static_cast<std::size_t>(topt.batchSize);
  std::vector<std::vector<std::size_t>> epochBatches;
  // Each epoch's batch order is drawn from the rng; checkpoints keep the rng as it was before
  // the current epoch's draw and the position in it, so a resumed run continues identically.
  auto drawEpoch = [&] {
    std::ostringstream rs;
    rs << rng;
    epochRng = rs.str();
    epochBatches = lengthBuckets(train, bs);
    std::shuffle(epochBatches.begin(), epochBatches.end(), rng);
    cursor = 0;
  };
  if (!resumeRng.empty()) {
    std::istringstream rs(resumeRng);
    rs >> rng;
    drawEpoch();
    cursor = resumeCursor;
  }
  auto nextBatch = [&]() -> const std::vector<std::size_t>& {
    if (cursor >= epochBatches.size()) drawEpoch();
    return epochBatches[cursor++];
  };
  auto evaluate = [&] {
    at::Tensor logits = scoreAll(*method, dev, padId, 32, ctx);
    return accuracyOf(logits, dev);
  };
  while (step < topt.maxSteps) {
    if (ctx) ctx->checkCancelled();
    const std::vector<std::size_t>& b = nextBatch();
    TextBatch tb = makeBatch(train, b, padId);
    method->head().setTraining(true);
    const double lr = scheduledLr(topt, step);
    opt.zeroGrad();
    at::Tensor loss = method->loss(method->encode(tb, true), tb);
    const double lv = loss.item<double>();
    if (!std::isfinite(lv) && step == 0)
      throw Error("loss became NaN at step 1, before any update: the model's weights or the "
                  "method's initial tensors hold non-finite values (check the model file)",
                  "model");
    if (!std::isfinite(lv))
      throw Error("loss became NaN at step " + std::to_string(step + 1) + " (lr " +
                      std::to_string(lr) + "); the last good checkpoint (" +
                      (fs::exists(ckptPath) ? "step " + std::to_string(bestStep) + " best, in " +
                                                  ckptPath
                                            : std::string("none yet")) +
                      ") is kept",
                  "lr");
    loss.backward();
    if (!std::isfinite(clipGradNorm(opt.params, topt.maxGradNorm)))
      throw Error("loss became NaN at step " + std::to_string(step + 1) +
                      " (non-finite gradients); the last good checkpoint is kept",
                  "lr");
    opt.step(lr);
    ++step;
    res.losses.push_back(lv);
    TextTrainStep st;
    st.step = step;
    st.totalSteps = topt.maxSteps;
    st.loss = lv;
    st.lr = lr;
    const bool evalNow = step % topt.evalEvery == 0 || step == topt.maxSteps;
    if (evalNow) {
      st.devAccuracy = dev.empty() ? -1 : evaluate();
      if (dev.empty() || st.devAccuracy > bestDev) {
        bestDev = st.devAccuracy;
        bestStep = step;
        best = snapshot();
      }
      saveCheckpoint();
    }
    if (spec.onStep) spec.onStep(st);
    if (evalNow && spec.onCheckpoint) spec.onCheckpoint(step, ckptPath);
    if (ctx) {
      const double el = std::chrono::duration<double>(Clock::now() - tTrain).count();
      ctx->progress(double(step) / double(topt.maxSteps), step, topt.maxSteps,
                    "step " + std::to_string(step) + " loss " + std::to_string(lv));
      (void)el;
    }
  }
  res.trainSeconds = std::chrono::duration<double>(Clock::now() - tTrain).count();
  res.steps = step;
  res.finalLoss = res.losses.empty() ? -1 : res.losses.back();
  if (!best.empty()) restore(best);
  res.bestStep = bestStep;
  res.devAccuracy = bestDev;

  // Test.
  if (ctx) ctx->progress(1.0, step, topt.maxSteps, "testing");
  if (!test.empty()) {
    at::Tensor logits = scoreAll(*method, test, padId, 32, ctx);
    for (std::size_t i = 0; i < test.size(); ++i) {
      ScoredItem s;
      s.id = testItems[i].id;
      s.label = test[i].label;
      at::Tensor row = logits[static_cast<std::int64_t>(i)].contiguous();
      s.scores.assign(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
      res.testItems.push_back(std::move(s));
    }
    res.testMetrics = computeMetrics(res.testItems, static_cast<int>(res.classNames.size()));
    res.testAccuracy = res.testMetrics.accuracy;
  }

  // Learned tensors (reference names) and the PEFT adapter folder.
  json peft = method->peftConfig();
  json record = method->record();
  std::map<std::string, at::Tensor> learned;
  for (const auto& n : method->trainable()) learned[n.name] = n.value().detach().clone();
  res.learnedFile = (fs::path(spec.outDir) / "learned.safetensors").string();
  std::map<std::string, at::Tensor> peftT = method->peftTensors();
  for (auto& [k, v] : peftT) learned["peft." + k] = v.detach().contiguous();
  io::writeSafetensors(res.learnedFile, learned,
                       {{"method", rm.method->name},
                        {"options", rm.optionsJson},
                        {"family", cfg.family},
                        {"head", res.head},
                        {"classes", json(res.classNames).dump()},
                        {"label_word_ids", json(task.labelWordIds).dump()},
                        {"model_hash", ck.contentHash},
                        {"model_path", spec.modelPath},
                        {"peft_config", peft.dump()},
                        {"promptdesk_version", version()}});
  res.peftDir = exportPeftAdapter(res.learnedFile, (fs::path(spec.outDir) / "peft").string()).dir;

  json j;
  j["method"] = spec.method;
  j["options"] = json::parse(rm.optionsJson);
  j["family"] = cfg.family;
  j["head"] = res.head;
  j["tokenizer"] = res.tokenizer;
  j["template"] = tmplText;
  j["shots"] = spec.shots;
  j["seed"] = spec.seed;
  j["protocol"] = "lmbff";
  j["test_split"] = res.testSplit;
  j["trained_parameters"] = res.trained;
  j["backbone_parameters"] = res.backbone;
  j["trained_percent"] = res.trainedPercent;
  j["steps"] = res.steps;
  j["best_step"] = res.bestStep;
  j["dev_accuracy"] = res.devAccuracy;
  j["test_accuracy"] = res.testAccuracy;
  j["final_loss"] = res.finalLoss;
  j["train_seconds"] = res.trainSeconds;
  j["seconds"] = std::chrono::duration<double>(Clock::now() - t0).count();
  j["method_record"] = record;
  j["peft_config"] = peft;
  j["model_hash"] = ck.contentHash;
  j["dataset"] = res.datasetName;
  j["few_shot_ids_hash"] = res.fewShotIdsHash;
  res.resultJson = j.dump();
  std::ofstream(fs::path(spec.outDir) / "result.json") << j.dump(1) << "\n";
  return res;
}

}  // namespace pd
