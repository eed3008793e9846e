// `promptdesk-cli bench text-encode`: cloze scoring of real sentences with a BERT-base masked LM
// (random weights, HF initialisation) by our TextScorer (sorted by length, padded per batch, the
// LM head only at the mask over the label words) against the usual reference loop (padded to 128,
// the MLM head over the whole vocabulary at every position), which bench/text_encode_reference.py
// runs on the same weights and ids in the same bench run; and the plain forward on the
// reference's padded batches against its encoder alone.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>

#include <nlohmann/json.hpp>

#include "bench/bench_text_common.h"
#include "io/safetensors.h"
#include "methods/zero_shot/text_scoring.h"
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

namespace pd {
namespace {
const char* kWhere = "bench text-encode";
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// `count` sentences taken in turn from the installed sentiment datasets (amazon, imdb, yelp:
// 1000 review sentences each, 3..~800 characters), every 11th of each: a fixed, mixed-length set.
std::vector<ItemRef> benchSentences(int count, std::vector<std::string>& classes) {
  const std::vector<std::string> names{"sentiment-amazon", "sentiment-imdb", "sentiment-yelp"};
  std::vector<std::vector<ItemRef>> items;
  for (const auto& n : names) {
    auto ds = openDataset(n);
    ds->requireUsable();
    if (classes.empty()) classes = ds->classNames();
    if (ds->classNames() != classes)
      throw Error("the sentiment datasets do not share one class list", n);
    items.push_back(ds->items(ds->splitNames().front()));
  }
  std::vector<ItemRef> out;
  for (int i = 0; i < count; ++i) {
    const auto& from = items[static_cast<std::size_t>(i) % items.size()];
    if (from.empty()) throw Error("an installed sentiment dataset is empty", kWhere);
    out.push_back(from[(static_cast<std::size_t>(i) / items.size() * 11) % from.size()]);
  }
  return out;
}

}  // namespace

TextEncodeBenchResult benchTextEncode(const TextEncodeBenchOptions& o) {
  if (o.sentences < 1 || o.layers < 1 || o.batch < 1 || o.reps < 1)
    throw Error("sentences, layers, batch and reps must be positive", kWhere);
  const std::string script = bench::checkReference(o.referenceScript, "text_encode_reference.py", o.python,
                                                    o.skipReference, o.referenceLength);
  const int threads = o.threads > 0 ? o.threads : hardwareCores();
  at::set_num_threads(threads);

  TextEncodeBenchResult r;
  r.sentences = o.sentences;
  r.layers = o.layers;
  r.batch = o.batch;
  r.reps = o.reps;
  r.threads = threads;
  r.referenceLength = o.referenceLength;

  // Sentences, template and label words; the prompts are cut to the reference's length so that
  // both sides see the same ids.
  std::vector<std::string> classes;
  const std::vector<ItemRef> items = benchSentences(o.sentences, classes);
  if (classes != std::vector<std::string>{"negative", "positive"})
    throw Error("expected the classes negative, positive", "sentiment-amazon");
  const TextTokenizer tok = TextTokenizer::fromName("bert-base-uncased");
  const Template tmpl = Template::parse("{text} It was {mask}.");
  const prompts::TextPromptEncoder enc(tok, Family::MaskedLM, o.referenceLength);
  Verbalizer verb;
  verb.setLabelWords("negative", {"terrible"});
  verb.setLabelWords("positive", {"great"});
  methods::LabelWords words;
  std::vector<std::int64_t> labelIds;  // the first token of each word (multi_token "first")
  for (const auto& c : classes) {
    std::vector<std::vector<int>> ws;
    for (const auto& w : verb.labelWords(c)) {
      ws.push_back(enc.labelWordIds(w, false));
      labelIds.push_back(ws.back().front());
    }
    words.ids.push_back(std::move(ws));
  }
  r.labelWords = static_cast<int>(labelIds.size());
  std::vector<prompts::EncodedPrompt> ps;
  for (const auto& it : items) {
    RenderInput in;
    in.text = in.textA = it.text;
    ps.push_back(enc.encode(tmpl, in));
  }
  const std::vector<const methods::LabelWords*> lws(ps.size(), &words);
  const auto n = static_cast<std::int64_t>(ps.size());
  const std::int64_t T = o.referenceLength;
  {
    std::vector<std::size_t> lens;
    for (const auto& p : ps) lens.push_back(p.ids.size());
    r.minLength = static_cast<int>(*std::min_element(lens.begin(), lens.end()));
    r.maxLength = static_cast<int>(*std::max_element(lens.begin(), lens.end()));
    r.meanLength = std::accumulate(lens.begin(), lens.end(), 0.0) / static_cast<double>(n);
    std::stable_sort(lens.begin(), lens.end());  // the scorer's buckets
    for (std::size_t b = 0; b < lens.size(); b += static_cast<std::size_t>(o.batch)) {
      const std::size_t e = std::min(lens.size(), b + static_cast<std::size_t>(o.batch));
      r.paddedTokens += static_cast<double>((e - b) * lens[e - 1]);
      ++r.batchesPadded;
    }
  }
  // The reference's inputs: right-padded to T with [PAD] (0).
  at::Tensor ids = at::zeros({n, T}, at::kLong), amask = at::zeros({n, T}, at::kLong);
  at::Tensor mpos = at::empty({n}, at::kLong);
  {
    auto ia = ids.accessor<std::int64_t, 2>();
    auto ma = amask.accessor<std::int64_t, 2>();
    auto pa = mpos.accessor<std::int64_t, 1>();
    for (std::int64_t i = 0; i < n; ++i) {
      const auto& p = ps[static_cast<std::size_t>(i)];
      for (std::size_t j = 0; j < p.ids.size(); ++j) {
        ia[i][static_cast<std::int64_t>(j)] = p.ids[j];
        ma[i][static_cast<std::int64_t>(j)] = 1;
      }
      pa[i] = p.maskPos;
    }
  }

  bench::WorkDir work(o.workDir, "promptdesk-bench-text");
  r.workDir = o.workDir;
  std::cerr << "bench text-encode: writing a random BERT-base checkpoint (" << o.layers
            << " layers) to " << work.path.string() << " ...\n";
  bench::writeRandomBert(work.path / "model", o.layers, 0);
  io::writeSafetensors((work.path / "inputs.safetensors").string(),
                       {{"input_ids", ids},
                        {"attention_mask", amask},
                        {"mask_pos", mpos},
                        {"label_ids", at::tensor(labelIds, at::kLong)}});
  auto model = models::loadTextModel((work.path / "model").string());
  const auto& cfg = model->config();
  r.hidden = static_cast<int>(cfg.hidden);
  r.heads = static_cast<int>(cfg.heads);
  r.vocab = static_cast<int>(cfg.vocabSize);

  // Ours: cloze scoring (length buckets, head at the mask over the label words).
  std::cerr << "bench text-encode: ours, " << n << " sentences (" << r.minLength << ".."
            << r.maxLength << " tokens), " << threads << " thread(s) ...\n";
  methods::TextScorer scorer(*model, verb, methods::TextScoring::Cloze, o.batch);
  scorer.wordScores({ps[0]}, {&words});  // warm-up
  std::vector<std::vector<float>> ours;
  auto t0 = Clock::now();
  for (int k = 0; k < o.reps; ++k) ours = scorer.wordScores(ps, lws);
  r.oursSeconds = since(t0) / o.reps;
  at::Tensor oursScores = at::empty({n, static_cast<std::int64_t>(labelIds.size())});
  for (std::int64_t i = 0; i < n; ++i)
    for (std::size_t w = 0; w < labelIds.size(); ++w)
      oursScores[i][static_cast<std::int64_t>(w)] = ours[static_cast<std::size_t>(i)][w];

  // Ours: the plain forward on the reference's batches (padded to T, dataset order).
  at::Tensor oursHidden;
  {
    at::NoGradGuard ng;
    auto batchIn = [&](std::int64_t b, std::int64_t e) {
      models::TextInputs in;
      in.inputIds = ids.slice(0, b, e);
      in.attentionMask = amask.slice(0, b, e);
      return in;
    };
    model->hiddenStates(batchIn(0, std::min<std::int64_t>(n, 2)));  // warm-up
    t0 = Clock::now();
    for (int k = 0; k < o.reps; ++k) {
      std::vector<at::Tensor> hs;
      for (std::int64_t b = 0; b < n; b += o.batch) {
        const std::int64_t e = std::min<std::int64_t>(n, b + o.batch);
        at::Tensor h = model->hiddenStates(batchIn(b, e));
        hs.push_back(h.index({at::arange(e - b), mpos.slice(0, b, e)}));
      }
      oursHidden = at::cat(hs);
    }
    r.oursForwardSeconds = since(t0) / o.reps;
  }
  model.reset();

  if (!o.skipReference) {
    std::cerr << "bench text-encode: the reference loop (" << o.python << " " << script
              << ") ...\n";
    const fs::path out = work.path / "reference_scores.safetensors";
    const std::string cmd = bench::shellQuote(o.python) + " " + bench::shellQuote(script) + " --model " +
                            bench::shellQuote((work.path / "model").string()) + " --in " +
                            bench::shellQuote((work.path / "inputs.safetensors").string()) + " --out " +
                            bench::shellQuote(out.string()) + " --batch " + std::to_string(o.batch) +
                            " --reps " + std::to_string(o.reps) + " --threads " +
                            std::to_string(threads);
    const std::string line = bench::runReference(cmd, kWhere);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
      r.referenceSeconds = j.at("reference_s").get<double>();
      r.referenceForwardSeconds = j.at("reference_forward_s").get<double>();
      r.referenceTorch = j.value("torch", "");
      r.referenceThreads = j.value("threads", 0);
    } catch (const nlohmann::json::exception& e) {
      throw Error(
          std::string("the reference's last line is not its JSON (") + e.what() + "): " + line,
          kWhere);
    }
    const io::StateDict sd = io::readSafetensors(out.string());
    if (!sd.has("scores") || !sd.has("mask_hidden"))
      throw Error("no scores / mask_hidden in the reference's output", out.string());
    const at::Tensor& rs = sd.tensors.at("scores");
    const at::Tensor& rh = sd.tensors.at("mask_hidden");
    if (rs.sizes() != oursScores.sizes() || rh.sizes() != oursHidden.sizes())
      throw Error("the reference's output has other shapes than ours", out.string());
    r.maxScoreDiff = (rs - oursScores).abs().max().item<double>();
    r.maxHiddenDiff = (rh - oursHidden).abs().max().item<double>();
  }
  return r;
}

}  // namespace pd
