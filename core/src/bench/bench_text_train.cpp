// `promptdesk-cli bench prompt-tuning | prefix-tuning | p-tuning-v2`: training steps of a text
// method at BERT-base shapes (random weights) on a real 16-shot sample, ours against a plain
// PyTorch loop of the PEFT-style reference (bench/text_train_reference.py) in the same bench run,
// from the same weights, initial tensors and batches, with the same optimiser (AdamW, the linear
// schedule, clipping by global norm) and dropout off on both sides.
//
// Ours is the method's own setup / encode / loss (the registry's TextMethod, as the training loop
// builds it) stepped by the training loop's AdamW (methods/text_common/text_adamw.h): batches
// are cut from the items sorted by length and padded per batch, the verbalizer head runs the LM
// head only at the mask over the label words, only the method's tensors require gradients, and
// the final scoring runs under c10::InferenceMode. The reference pads every input to 128, runs
// the MLM head over the whole vocabulary at every position of the batch before picking the mask
// position's label-word logits, and trains with normal autograd and torch.optim.AdamW.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "bench/bench_text_common.h"
#include "io/safetensors.h"
#include "methods/common/method.h"
#include "methods/text_common/text_adamw.h"
#include "methods/text_common/text_head.h"
#include "methods/text_common/text_method.h"
#include "models/text_lm.h"
#include "promptdesk/bench.h"
#include "promptdesk/dataset.h"
#include "promptdesk/error.h"
#include "promptdesk/template.h"
#include "promptdesk/text_tokenizer.h"
#include "promptdesk/verbalizer.h"
#include "promptdesk/version.h"
#include "prompts/text_prompt.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace pd {
namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

const char* kDataset = "sentiment-amazon";

// One encoded training item (the loop's Example: ids with the special tokens, the mask
// position, the class).
struct Item {
  std::vector<int> ids, typeIds;
  int maskPos = 0;
  int label = 0;
};

// Right-padded batch of items[idx] (as the training loop pads: to the longest row of the batch).
methods::TextBatch makeBatch(const std::vector<Item>& items, const std::vector<std::size_t>& idx,
                             int padId) {
  std::size_t t = 0;
  for (auto i : idx) t = std::max(t, items[i].ids.size());
  const auto n = static_cast<std::int64_t>(idx.size()), tt = static_cast<std::int64_t>(t);
  at::Tensor ids = at::full({n, tt}, padId, at::kLong), mask = at::zeros({n, tt}, at::kLong),
             types = at::zeros({n, tt}, at::kLong), pos = at::zeros({n}, at::kLong),
             labels = at::zeros({n}, at::kLong);
  auto* pi = ids.data_ptr<std::int64_t>();
  auto* pm = mask.data_ptr<std::int64_t>();
  auto* pt = types.data_ptr<std::int64_t>();
  auto* pp = pos.data_ptr<std::int64_t>();
  auto* pl = labels.data_ptr<std::int64_t>();
  for (std::int64_t r = 0; r < n; ++r) {
    const Item& e = items[idx[static_cast<std::size_t>(r)]];
    for (std::size_t j = 0; j < e.ids.size(); ++j) {
      const std::int64_t k = r * tt + static_cast<std::int64_t>(j);
      pi[k] = e.ids[j];
      pm[k] = 1;
      pt[k] = j < e.typeIds.size() ? e.typeIds[j] : 0;
    }
    pp[r] = e.maskPos;
    pl[r] = e.label;
  }
  methods::TextBatch b;
  b.inputIds = ids;
  b.attentionMask = mask;
  b.tokenTypeIds = types;
  b.maskPos = pos;
  b.labels = labels;
  return b;
}

// The loop's length buckets: items sorted by length (stable), cut into batches in order.
std::vector<std::vector<std::size_t>> lengthBuckets(const std::vector<Item>& items,
                                                    std::size_t batch) {
  std::vector<std::size_t> order(items.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](auto a, auto b) { return items[a].ids.size() < items[b].ids.size(); });
  std::vector<std::vector<std::size_t>> out;
  for (std::size_t i = 0; i < order.size(); i += batch)
    out.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(i),
                     order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), i + batch)));
  return out;
}

// Method options for the bench: the method's defaults (lr, P, ...), with the schedule over the
// bench's steps, the bench's batch and length, the cloze head and dropout off.
json benchOptions(const TextTrainBenchOptions& o) {
  json j{{"max_steps", o.steps}, {"batch_size", o.batch}, {"max_length", o.referenceLength}};
  if (o.method == "p-tuning-v2") {
    j["head"] = "verbalizer";
    j["hidden_dropout_prob"] = 0.0;
  }
  return j;
}

}  // namespace

TextTrainBenchResult benchTextTrain(const TextTrainBenchOptions& o) {
  const std::string where = "bench " + o.method;
  if (o.method != "prompt-tuning" && o.method != "prefix-tuning" && o.method != "p-tuning-v2")
    throw Error("the training bench runs prompt-tuning, prefix-tuning or p-tuning-v2, not '" +
                    o.method + "'",
                "method");
  if (o.layers < 1 || o.steps < 1 || o.batch < 1 || o.shots < 1)
    throw Error("layers, steps, batch and shots must be positive", where);
  const std::string script = bench::checkReference(o.referenceScript, "text_train_reference.py", o.python,
                                                    o.skipReference, o.referenceLength);
  const int threads = o.threads > 0 ? o.threads : hardwareCores();
  at::set_num_threads(threads);

  TextTrainBenchResult r;
  r.method = o.method;
  r.dataset = kDataset;
  r.layers = o.layers;
  r.steps = o.steps;
  r.batch = o.batch;
  r.shots = o.shots;
  r.threads = threads;
  r.referenceLength = o.referenceLength;

  // The few-shot sample, drawn as the training loop draws it (LM-BFF: K per class from train).
  auto ds = openDataset(kDataset);
  ds->requireUsable();
  FewShotOptions fo;
  fo.protocol = "lmbff";
  fo.shots = o.shots;
  fo.seed = o.seed;
  if (!ds->hasSplit(fo.trainSplit) && ds->splitNames().size() == 1)
    fo.trainSplit = ds->splitNames().front();
  const FewShotSplit split = sampleFewShot(*ds, fo);
  const std::vector<ItemRef>& splitItems = ds->items(split.trainSplit);
  const std::vector<std::string> classes = ds->classNames();
  if (classes != std::vector<std::string>{"negative", "positive"})
    throw Error("expected the classes negative, positive", kDataset);
  if (split.trainIndex.empty()) throw Error("the few-shot sample is empty", kDataset);

  bench::WorkDir work(o.workDir, "promptdesk-bench-train");
  r.workDir = o.workDir;
  std::cerr << where << ": writing a random BERT-base checkpoint (" << o.layers << " layers) to "
            << work.path.string() << " ...\n";
  bench::writeRandomBert(work.path / "model", o.layers, 0);
  std::shared_ptr<models::TextLM> model = models::loadTextModel((work.path / "model").string());
  const models::TextModelConfig& cfg = model->config();
  r.hidden = static_cast<int>(cfg.hidden);
  r.heads = static_cast<int>(cfg.heads);
  r.vocab = static_cast<int>(cfg.vocabSize);

  // The method, built as the training loop builds it.
  const TextTokenizer tok = TextTokenizer::fromName("bert-base-uncased");
  const Template tmpl = Template::parse("{text} It was {mask}.");
  Verbalizer verb;
  verb.setLabelWords("negative", {"terrible"});
  verb.setLabelWords("positive", {"great"});
  const methods::MethodEntry& entry = methods::methodEntry(o.method);
  if (!entry.makeText) throw Error("not a text method", o.method);
  std::unique_ptr<methods::TextMethod> method = entry.makeText(benchOptions(o));
  const std::int64_t modelMax = cfg.maxInputLength();
  prompts::TextPromptEncoder probeEnc(
      tok, Family::MaskedLM,
      static_cast<int>(std::min<std::int64_t>(modelMax, o.referenceLength)));
  RenderInput probe;
  probe.text = probe.textA = splitItems[split.trainIndex.front()].text;
  const bool space = probeEnc.encode(tmpl, probe).spaceBeforeLabel;
  methods::TextTaskSpec task;
  task.classNames = classes;
  task.head = "verbalizer";
  task.seed = o.seed;
  std::vector<std::int64_t> labelIds;  // one single-token word per class
  for (const auto& c : classes) {
    std::vector<std::vector<int>> ws;
    for (const auto& w : verb.labelWords(c)) ws.push_back(probeEnc.labelWordIds(w, space));
    if (ws.size() != 1 || ws[0].size() != 1)
      throw Error("the bench expects one single-token label word per class", c);
    labelIds.push_back(ws[0][0]);
    task.labelWordIds.push_back(std::move(ws));
  }
  methods::TextBackbone backbone;
  backbone.model = model;
  backbone.tokenizer = &tok;
  backbone.modelPath = (work.path / "model").string();
  method->setup(backbone, task);
  const methods::TextTrainOptions topt = method->trainOptions();
  r.lr = topt.lr;
  const std::int64_t reserved = method->reservedPositions();
  const std::int64_t budget = std::min<std::int64_t>(o.referenceLength, modelMax - reserved);
  const prompts::TextPromptEncoder enc(tok, Family::MaskedLM, static_cast<int>(budget));
  const int padId = cfg.padTokenId >= 0 ? static_cast<int>(cfg.padTokenId) : 0;

  std::vector<Item> items;
  for (std::size_t i : split.trainIndex) {
    RenderInput in;
    in.text = in.textA = splitItems[i].text;
    const prompts::EncodedPrompt p = enc.encode(tmpl, in);
    Item e;
    e.ids = p.ids;
    e.typeIds = p.typeIds;
    e.maskPos = p.maskPos;
    e.label = splitItems[i].label;
    items.push_back(std::move(e));
  }
  const auto n = static_cast<std::int64_t>(items.size());
  r.items = static_cast<int>(n);
  {
    std::vector<std::size_t> lens;
    for (const auto& e : items) lens.push_back(e.ids.size());
    r.minLength = static_cast<int>(*std::min_element(lens.begin(), lens.end()));
    r.maxLength = static_cast<int>(*std::max_element(lens.begin(), lens.end()));
    r.meanLength = std::accumulate(lens.begin(), lens.end(), 0.0) / static_cast<double>(n);
  }

  // The batches of every step: the loop's length buckets, their order shuffled per epoch.
  std::vector<std::vector<std::size_t>> schedule;
  {
    std::mt19937_64 rng(o.seed * 0x9E3779B97F4A7C15ull + 17);
    std::vector<std::vector<std::size_t>> epoch;
    std::size_t cursor = 0;
    while (static_cast<int>(schedule.size()) < o.steps) {
      if (cursor >= epoch.size()) {
        epoch = lengthBuckets(items, static_cast<std::size_t>(o.batch));
        std::shuffle(epoch.begin(), epoch.end(), rng);
        cursor = 0;
      }
      schedule.push_back(epoch[cursor++]);
    }
  }

  // Trainable tensors (unique leaves) and the optimiser, as the loop sets them up.
  std::vector<methods::NamedTensor> named = method->trainable();
  r.trained = methods::countTrainable(named, *model).trained;
  methods::AdamW opt;
  opt.weightDecay = topt.weightDecay;
  std::map<std::string, at::Tensor> init;
  {
    std::set<const void*> seen;
    for (const auto& t : named) {
      init["init." + t.name] = t.value().detach().clone().contiguous();
      if (seen.insert(t.leaf.unsafeGetTensorImpl()).second) opt.add(t.name, t.leaf);
    }
  }
  r.virtualTokens = static_cast<int>(reserved);  // P: virtual tokens / prefix length

  // The reference's inputs: the same ids, right-padded to referenceLength with [PAD].
  {
    const std::int64_t T = o.referenceLength;
    at::Tensor ids = at::full({n, T}, padId, at::kLong), amask = at::zeros({n, T}, at::kLong);
    at::Tensor mpos = at::empty({n}, at::kLong), labels = at::empty({n}, at::kLong);
    auto ia = ids.accessor<std::int64_t, 2>();
    auto ma = amask.accessor<std::int64_t, 2>();
    for (std::int64_t i = 0; i < n; ++i) {
      const Item& e = items[static_cast<std::size_t>(i)];
      for (std::size_t j = 0; j < e.ids.size(); ++j) {
        ia[i][static_cast<std::int64_t>(j)] = e.ids[j];
        ma[i][static_cast<std::int64_t>(j)] = 1;
      }
      mpos[i] = e.maskPos;
      labels[i] = e.label;
    }
    at::Tensor batches = at::full({o.steps, o.batch}, -1, at::kLong);
    for (int s = 0; s < o.steps; ++s)
      for (std::size_t k = 0; k < schedule[static_cast<std::size_t>(s)].size(); ++k)
        batches[s][static_cast<std::int64_t>(k)] =
            static_cast<std::int64_t>(schedule[static_cast<std::size_t>(s)][k]);
    std::map<std::string, at::Tensor> t = init;
    t["input_ids"] = ids;
    t["attention_mask"] = amask;
    t["mask_pos"] = mpos;
    t["labels"] = labels;
    t["label_ids"] = at::tensor(labelIds, at::kLong);
    t["batches"] = batches;
    io::writeSafetensors((work.path / "inputs.safetensors").string(), t);
    const json train{{"method", o.method},
                     {"lr", topt.lr},
                     {"weight_decay", topt.weightDecay},
                     {"max_grad_norm", topt.maxGradNorm},
                     {"warmup_steps", topt.warmupSteps},
                     {"max_steps", topt.maxSteps},
                     {"steps", o.steps},
                     {"eval_batch", 32},
                     {"options", json::parse(benchOptions(o).dump())}};
    std::ofstream(work.path / "train.json") << train.dump(1) << "\n";
  }

  // Ours: one untimed forward + backward (allocator and kernels warm), then the timed steps.
  std::cerr << where << ": ours, " << o.steps << " steps of batch " << o.batch << " over " << n
            << " items (" << r.minLength << ".." << r.maxLength << " tokens), " << threads
            << " thread(s) ...\n";
  const std::int64_t insertedTokens = o.method == "prompt-tuning" ? reserved : 0;
  {
    methods::TextBatch tb = makeBatch(items, schedule.front(), padId);
    method->head().setTraining(true);
    method->loss(method->encode(tb, true), tb).backward();
    opt.zeroGrad();
  }
  double positions = 0;
  for (int s = 0; s < o.steps; ++s) {
    const auto t0 = Clock::now();
    const std::vector<std::size_t>& b = schedule[static_cast<std::size_t>(s)];
    methods::TextBatch tb = makeBatch(items, b, padId);
    method->head().setTraining(true);
    const double lr = methods::scheduledLr(topt, s);
    opt.zeroGrad();
    at::Tensor loss = method->loss(method->encode(tb, true), tb);
    const double lv = loss.item<double>();
    if (!std::isfinite(lv))
      throw Error("loss became NaN at step " + std::to_string(s + 1), where);
    loss.backward();
    const double norm = methods::clipGradNorm(opt.params, topt.maxGradNorm);
    if (!std::isfinite(norm))
      throw Error("non-finite gradients at step " + std::to_string(s + 1), where);
    opt.step(lr);
    r.oursStepSeconds.push_back(since(t0));
    r.oursLosses.push_back(lv);
    positions += static_cast<double>(tb.inputIds.size(0) * (tb.inputIds.size(1) + insertedTokens));
    std::cerr << "  step " << (s + 1) << "/" << o.steps << ": loss " << lv << ", "
              << r.oursStepSeconds.back() << " s\n";
  }
  r.oursPositions = positions / o.steps;
  r.referencePositions =
      static_cast<double>(o.batch) * static_cast<double>(o.referenceLength + insertedTokens);
  r.oursStepMean = std::accumulate(r.oursStepSeconds.begin(), r.oursStepSeconds.end(), 0.0) /
                   static_cast<double>(o.steps);

  // Ours: scoring every item after training, as the loop evaluates (inference mode, buckets of
  // 32).
  at::Tensor oursScores;
  {
    const auto t0 = Clock::now();
    c10::InferenceMode guard;
    method->head().setTraining(false);
    for (const auto& b : lengthBuckets(items, 32)) {
      methods::TextBatch tb = makeBatch(items, b, padId);
      at::Tensor logits = method->classLogits(method->encode(tb, false), tb).to(at::kFloat);
      if (!oursScores.defined()) oursScores = at::zeros({n, logits.size(1)});
      for (std::size_t k = 0; k < b.size(); ++k)
        oursScores[static_cast<std::int64_t>(b[k])].copy_(logits[static_cast<std::int64_t>(k)]);
    }
    r.oursEvalSeconds = since(t0);
  }
  oursScores = oursScores.clone();  // an ordinary tensor outside inference mode
  method.reset();
  model.reset();

  if (!o.skipReference) {
    std::cerr << where << ": the reference loop (" << o.python << " " << script << ") ...\n";
    const fs::path out = work.path / "reference_train.safetensors";
    const std::string cmd =
        bench::shellQuote(o.python) + " " + bench::shellQuote(script) + " --model " +
        bench::shellQuote((work.path / "model").string()) + " --in " +
        bench::shellQuote((work.path / "inputs.safetensors").string()) + " --train " +
        bench::shellQuote((work.path / "train.json").string()) + " --out " +
        bench::shellQuote(out.string()) + " --threads " + std::to_string(threads);
    const std::string line = bench::runReference(cmd, where);
    try {
      const json j = json::parse(line);
      r.referenceStepMean = j.at("step_mean_s").get<double>();
      r.referenceEvalSeconds = j.at("eval_s").get<double>();
      r.referenceTorch = j.value("torch", "");
      r.referenceThreads = j.value("threads", 0);
    } catch (const json::exception& e) {
      throw Error(
          std::string("the reference's last line is not its JSON (") + e.what() + "): " + line,
          where);
    }
    const io::StateDict sd = io::readSafetensors(out.string());
    for (const char* k : {"losses", "step_s", "scores"})
      if (!sd.has(k)) throw Error(std::string("no ") + k + " in the reference's output", out.string());
    const at::Tensor rl = sd.tensors.at("losses").to(at::kDouble);
    const at::Tensor rt = sd.tensors.at("step_s").to(at::kDouble);
    const at::Tensor rs = sd.tensors.at("scores").to(at::kFloat);
    if (rl.numel() != o.steps || rt.numel() != o.steps || rs.sizes() != oursScores.sizes())
      throw Error("the reference's output has other shapes than ours", out.string());
    for (int s = 0; s < o.steps; ++s) {
      r.referenceLosses.push_back(rl[s].item<double>());
      r.referenceStepSeconds.push_back(rt[s].item<double>());
    }
    r.maxLossDiff = 0;
    for (int s = 0; s < o.steps; ++s) {
      const double d = std::abs(r.oursLosses[static_cast<std::size_t>(s)] -
                                r.referenceLosses[static_cast<std::size_t>(s)]);
      r.maxLossDiff = std::isnan(d) ? INFINITY : std::max(r.maxLossDiff, d);
    }
    r.maxScoreDiff = (rs - oursScores).abs().max().item<double>();
  }
  return r;
}

}  // namespace pd
