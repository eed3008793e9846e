// Zero-shot text classification: templates rendered for the model's tokenizer, scored by cloze
// (masked LM) or by the label continuation (causal LM), optional contextual calibration, template
// ensembles as the mean of class log-probabilities.
#include <chrono>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/text_split.h"
#include "io/json_limits.h"
#include "methods/text_common/text_setup.h"
#include "methods/zero_shot/text_scoring.h"
#include "models/text_lm.h"
#include "promptdesk/error.h"
#include "promptdesk/hash.h"
#include "promptdesk/text_models.h"
#include "promptdesk/version.h"

namespace pd {

namespace fs = std::filesystem;

bool isTextModel(const std::string& path) {
  std::error_code ec;
  const fs::path cfg = fs::is_directory(path, ec) ? fs::path(path) / "config.json"
                                                  : fs::path(path).parent_path() / "config.json";
  if (!fs::is_regular_file(cfg, ec)) return false;
  nlohmann::json j;
  try {
    j = io::parseJsonLimited(io::readJsonFileText(cfg.string()), cfg.string());
  } catch (const Error&) {
    return false;
  }
  if (!j.is_object()) return false;
  const std::string t = io::stringOr(j, "model_type");
  return t == "bert" || t == "roberta" || t == "gpt2";
}

TextZeroShotResult runTextZeroShot(const TextZeroShotSpec& spec, JobContext* ctx) {
  const auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  TextZeroShotResult out;
  ZeroShotResult& r = out.result;
  if (ctx) ctx->progress(0, 0, 0, "loading the dataset");
  auto ds = openDataset(spec.datasetSpec, spec.datasetOptions);
  ds->requireUsable();
  if (ds->modality() != "text")
    throw Error("a text model needs a text dataset; this one holds " + ds->modality() + " items",
                spec.datasetSpec);
  // Zero-shot needs no training data: a dataset with one split (the installed sentiment sets)
  // is evaluated on it when the default "test" split is absent.
  std::string split = spec.split;
  if (split == "test" && !ds->hasSplit(split) && ds->splitNames().size() == 1)
    split = ds->splitNames().front();
  const std::vector<ItemRef>& all = ds->items(split);
  std::vector<ItemRef> items(all.begin(),
                             spec.limit > 0 && static_cast<std::size_t>(spec.limit) < all.size()
                                 ? all.begin() + spec.limit
                                 : all.end());
  if (items.empty()) throw Error("the split '" + split + "' has no items", spec.datasetSpec);
  const std::vector<std::string>& classes = ds->classNames();

  if (ctx) ctx->progress(0, 0, 0, "loading the model");
  io::LoadedCheckpoint ck = io::readCheckpoint(spec.modelPath);
  auto model = models::buildTextModel(ck, ck.weights.source.empty() ? spec.modelPath : ck.weights.source);
  if (ctx && ctx->threads() > 0) at::set_num_threads(ctx->threads());
  const models::TextModelConfig& cfg = model->config();
  r.modelSeconds = seconds();
  TextTokenizer tok = methods::textTokenizerFor(spec.modelPath, spec.tokenizer, cfg, out.tokenizer);
  if (tok.vocabSize() > cfg.vocabSize)
    throw Error("the tokenizer (" + tok.describe() + ") has ids up to " +
                    std::to_string(tok.vocabSize() - 1) + " but the model's vocabulary has " +
                    std::to_string(cfg.vocabSize) + " rows",
                out.tokenizer);
  const Family fam = cfg.causal ? Family::CausalLM : Family::MaskedLM;
  const methods::TextScoring scoring = methods::parseTextScoring(spec.scoring, cfg.causal);
  out.family = cfg.family;
  out.scoring = methods::textScoringName(scoring);

  std::vector<std::string> sources = spec.templates;
  if (sources.empty()) sources = {cfg.causal ? "{text} It was" : "{text} It was {mask}."};
  std::vector<Template> tmpls;
  for (const auto& s : sources) {
    Template t = Template::parse(s);
    t.validate(fam);
    tmpls.push_back(std::move(t));
  }
  const Verbalizer verb = methods::verbalizerFor(spec.verbalizerFile, spec.labelWords, classes);
  const prompts::TextPromptEncoder enc(tok, fam, static_cast<int>(cfg.maxInputLength()));
  methods::TextScorer scorer(*model, verb, scoring, spec.batchSize);

  // Label words per spacing (after a space or not), shared by the items.
  methods::LabelWords words[2];
  for (int sp = 0; sp < 2; ++sp)
    for (const auto& c : classes) {
      std::vector<std::vector<int>> ws;
      for (const auto& w : verb.labelWords(c)) {
        try {
          ws.push_back(enc.labelWordIds(w, sp == 1));
        } catch (const Error& e) {
          throw Error(e.what(), (spec.verbalizerFile.empty() ? std::string("label words")
                                                             : spec.verbalizerFile) +
                                    ": class '" + c + "', word '" + w + "'");
        }
      }
      words[sp].ids.push_back(std::move(ws));
    }

  const std::size_t n = items.size();
  std::vector<std::vector<double>> sum(n, std::vector<double>(classes.size(), 0.0));
  std::vector<char> truncated(n, 0);
  const std::int64_t totalSteps = static_cast<std::int64_t>(tmpls.size() * n);
  std::int64_t done = 0;
  const auto tText = std::chrono::steady_clock::now();
  for (std::size_t ti = 0; ti < tmpls.size(); ++ti) {
    const Template& t = tmpls[ti];
    // Content-free calibration input for this template.
    std::vector<float> calib;
    if (spec.calibrate) {
      RenderInput cf;
      cf.text = cf.textA = cf.textB = spec.contentFree;
      prompts::EncodedPrompt p = enc.encode(t, cf);
      const methods::LabelWords* lw = &words[p.spaceBeforeLabel ? 1 : 0];
      calib = methods::TextScorer::wordProbabilities(scorer.wordScores({p}, {lw})[0]);
      if (ti == 0) out.calibration = calib;
    }
    if (ti == 0) {
      RenderInput probe;
      probe.text = probe.textA = probe.textB = items[0].text.empty() ? "x" : items[0].text;
      const bool space = enc.encode(t, probe).spaceBeforeLabel;
      for (const auto& k : prompts::checkLabelWords(enc, verb, classes, space))
        out.labelWords.push_back({k.className, k.word, k.ids, k.pieces, k.bareTokens,
                                  k.singleToken, k.note});
    }
    const std::size_t chunk = static_cast<std::size_t>(std::max(1, spec.batchSize)) * 8;
    for (std::size_t b = 0; b < n; b += chunk) {
      if (ctx) ctx->checkCancelled();
      const std::size_t e = std::min(n, b + chunk);
      std::vector<prompts::EncodedPrompt> ps;
      std::vector<const methods::LabelWords*> lws;
      for (std::size_t i = b; i < e; ++i) {
        RenderInput in;
        in.text = items[i].text;
        in.textA = items[i].text;
        in.textB = items[i].text2;
        try {
          ps.push_back(enc.encode(t, in));
        } catch (const TemplateError& err) {
          throw Error(err.what(), "template " + std::to_string(ti + 1) + " '" + sources[ti] + "'");
        } catch (const Error& err) {
          throw Error(err.what(), "item " + items[i].id);
        }
        if (ps.back().truncated) truncated[i] = 1;
        lws.push_back(&words[ps.back().spaceBeforeLabel ? 1 : 0]);
      }
      const auto ws = scorer.wordScores(ps, lws);
      for (std::size_t i = b; i < e; ++i) {
        std::vector<float> cs = scorer.classScores(ws[i - b], *lws[i - b], calib);
        // Class log-probabilities of this template, then the ensemble's mean.
        double mx = -INFINITY, z = 0;
        for (float x : cs) mx = std::max(mx, double(x));
        for (float x : cs) z += std::exp(double(x) - mx);
        for (std::size_t c = 0; c < cs.size(); ++c) sum[i][c] += double(cs[c]) - mx - std::log(z);
      }
      done += static_cast<std::int64_t>(e - b);
      if (ctx)
        ctx->progress(static_cast<double>(done) / static_cast<double>(totalSteps), done, totalSteps,
                      "scoring template " + std::to_string(ti + 1) + "/" +
                          std::to_string(tmpls.size()));
    }
  }
  r.textSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - tText).count();
  for (std::size_t i = 0; i < n; ++i) {
    ScoredItem s;
    s.id = items[i].id;
    s.label = items[i].label;
    for (double v : sum[i]) s.scores.push_back(static_cast<float>(v / static_cast<double>(tmpls.size())));
    r.items.push_back(std::move(s));
    out.truncatedItems += truncated[i];
  }
  r.metrics = computeMetrics(r.items, static_cast<int>(classes.size()), spec.metrics);
  r.classNames = classes;
  for (const auto& c : classes) r.promptNames.push_back(c);
  r.templates = sources;
  r.modelPath = spec.modelPath;
  r.modelHash = ck.contentHash;
  r.preprocess = out.tokenizer;
  r.datasetSpec = spec.datasetSpec;
  r.datasetName = ds->name();
  r.split = split;
  r.seconds = seconds();
  r.itemsPerSecond = r.seconds > 0 ? static_cast<double>(n) / r.seconds : 0;
  if (ctx) ctx->progress(1.0, totalSteps, totalSteps, "done");
  return out;
}

std::string TextZeroShotResult::toJson(bool includeItems, int indent) const {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(result.toJson(includeItems, -1));
  j["family"] = family;
  j["tokenizer"] = tokenizer;
  j["scoring"] = scoring;
  j["truncated_items"] = truncatedItems;
  if (!calibration.empty()) j["calibration"] = calibration;
  nlohmann::ordered_json lw = nlohmann::ordered_json::array();
  for (const auto& w : labelWords)
    lw.push_back({{"class", w.className},
                  {"word", w.word},
                  {"ids", w.ids},
                  {"pieces", w.pieces},
                  {"without_space", w.bareTokens},
                  {"single_token", w.singleToken},
                  {"note", w.note}});
  j["label_words"] = lw;
  return j.dump(indent);
}

}  // namespace pd
