#include "methods/zero_shot/text_scoring.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "promptdesk/error.h"

namespace pd::methods {

TextScoring parseTextScoring(const std::string& name, bool causal) {
  if (name.empty() || name == "auto") return causal ? TextScoring::PrefixSum : TextScoring::Cloze;
  if (name == "cloze") {
    if (causal) throw Error("cloze scoring needs a masked LM (BERT, RoBERTa)", "scoring");
    return TextScoring::Cloze;
  }
  TextScoring s;
  if (name == "sum") s = TextScoring::PrefixSum;
  else if (name == "mean") s = TextScoring::PrefixMean;
  else if (name == "next-token") s = TextScoring::NextToken;
  else
    throw Error("unknown scoring '" + name + "' (auto, cloze, sum, mean, next-token)", "scoring");
  if (!causal)
    throw Error("'" + name + "' scores a continuation: it needs a causal LM (GPT-2)", "scoring");
  return s;
}

const char* textScoringName(TextScoring s) {
  switch (s) {
    case TextScoring::Cloze: return "cloze";
    case TextScoring::PrefixSum: return "sum";
    case TextScoring::PrefixMean: return "mean";
    case TextScoring::NextToken: return "next-token";
  }
  return "?";
}

TextScorer::TextScorer(models::TextLM& model, const Verbalizer& v, TextScoring scoring,
                       std::int64_t batchSize)
    : model_(model), verbalizer_(v), scoring_(scoring), batch_(std::max<std::int64_t>(1, batchSize)) {
  if (!model.hasLmHead()) throw Error("the checkpoint has no LM head to score label words", "model");
}

namespace {
std::int64_t padId(const models::TextLM& m) {
  const auto& c = m.config();
  return c.padTokenId >= 0 ? c.padTokenId : c.eosTokenId >= 0 ? c.eosTokenId : 0;
}

// Right-padded (B, T) batch of sequences `rows` (indices into seqs).
models::TextInputs batchOf(const std::vector<const std::vector<int>*>& seqs,
                           const std::vector<std::size_t>& rows, std::int64_t pad) {
  std::size_t t = 0;
  for (auto r : rows) t = std::max(t, seqs[r]->size());
  const auto b = static_cast<std::int64_t>(rows.size());
  at::Tensor ids = at::full({b, static_cast<std::int64_t>(t)}, pad, at::kLong);
  at::Tensor mask = at::zeros({b, static_cast<std::int64_t>(t)}, at::kLong);
  auto ia = ids.accessor<std::int64_t, 2>();
  auto ma = mask.accessor<std::int64_t, 2>();
  for (std::int64_t i = 0; i < b; ++i) {
    const auto& s = *seqs[rows[static_cast<std::size_t>(i)]];
    for (std::size_t j = 0; j < s.size(); ++j) {
      ia[i][static_cast<std::int64_t>(j)] = s[j];
      ma[i][static_cast<std::int64_t>(j)] = 1;
    }
  }
  models::TextInputs in;
  in.inputIds = ids;
  in.attentionMask = mask;
  return in;
}

// Indices 0..n-1 by length (stable), cut into batches.
std::vector<std::vector<std::size_t>> lengthBatches(const std::vector<const std::vector<int>*>& seqs,
                                                    std::int64_t batch) {
  std::vector<std::size_t> order(seqs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return seqs[a]->size() < seqs[b]->size(); });
  std::vector<std::vector<std::size_t>> out;
  for (std::size_t i = 0; i < order.size(); i += static_cast<std::size_t>(batch))
    out.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(i),
                     order.begin() + static_cast<std::ptrdiff_t>(
                                         std::min(order.size(), i + static_cast<std::size_t>(batch))));
  return out;
}

std::size_t wordCount(const LabelWords& w) {
  std::size_t n = 0;
  for (const auto& c : w.ids) n += c.size();
  return n;
}
}  // namespace

std::vector<std::vector<float>> TextScorer::wordScores(
    const std::vector<prompts::EncodedPrompt>& prompts, const std::vector<const LabelWords*>& words) {
  if (prompts.size() != words.size()) throw Error("one label-word set per prompt is needed", "scoring");
  at::NoGradGuard ng;
  return scoring_ == TextScoring::Cloze ? clozeScores(prompts, words) : prefixScores(prompts, words);
}

std::vector<std::vector<float>> TextScorer::clozeScores(
    const std::vector<prompts::EncodedPrompt>& prompts, const std::vector<const LabelWords*>& words) {
  std::vector<std::vector<float>> out(prompts.size());
  std::vector<const std::vector<int>*> seqs;
  for (const auto& p : prompts) {
    if (p.maskPos < 0) throw Error("the prompt has no mask position", "template");
    seqs.push_back(&p.ids);
  }
  const std::int64_t pad = padId(model_);
  for (const auto& rows : lengthBatches(seqs, batch_)) {
    models::TextInputs in = batchOf(seqs, rows, pad);
    // The label words' token ids of this batch, once each.
    std::map<int, std::int64_t> column;
    for (auto r : rows)
      for (const auto& c : words[r]->ids)
        for (const auto& w : c)
          for (int id : w) column.emplace(id, 0);
    std::vector<std::int64_t> vocab;
    for (auto& [id, col] : column) {
      col = static_cast<std::int64_t>(vocab.size());
      vocab.push_back(id);
    }
    at::Tensor pos = at::empty({static_cast<std::int64_t>(rows.size())}, at::kLong);
    for (std::size_t i = 0; i < rows.size(); ++i)
      pos[static_cast<std::int64_t>(i)] = prompts[rows[i]].maskPos;
    at::Tensor h = model_.hiddenStates(in);
    at::Tensor atMask = h.index({at::arange(h.size(0)), pos});
    at::Tensor logits = model_.lmLogits(atMask, at::tensor(vocab, at::kLong)).contiguous();
    auto la = logits.accessor<float, 2>();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::vector<float>& s = out[rows[i]];
      for (const auto& c : words[rows[i]]->ids)
        for (const auto& w : c) {
          std::vector<float> tl;
          for (int id : w) tl.push_back(la[static_cast<std::int64_t>(i)][column.at(id)]);
          s.push_back(multiTokenScore(tl, verbalizer_.multiToken));
        }
    }
  }
  return out;
}

std::vector<std::vector<float>> TextScorer::prefixScores(
    const std::vector<prompts::EncodedPrompt>& prompts, const std::vector<const LabelWords*>& words) {
  std::vector<std::vector<float>> out(prompts.size());
  const std::int64_t pad = padId(model_);
  const std::int64_t maxLen = model_.config().maxInputLength();
  if (scoring_ == TextScoring::NextToken) {
    std::vector<const std::vector<int>*> seqs;
    for (std::size_t i = 0; i < prompts.size(); ++i) {
      seqs.push_back(&prompts[i].ids);
      for (const auto& c : words[i]->ids)
        for (const auto& w : c)
          if (w.size() != 1)
            throw Error("next-token scoring needs one-token label words; a word here is " +
                            std::to_string(w.size()) + " tokens (use sum or mean)",
                        "verbalizer");
    }
    for (const auto& rows : lengthBatches(seqs, batch_)) {
      models::TextInputs in = batchOf(seqs, rows, pad);
      at::Tensor last = at::empty({static_cast<std::int64_t>(rows.size())}, at::kLong);
      for (std::size_t i = 0; i < rows.size(); ++i)
        last[static_cast<std::int64_t>(i)] = static_cast<std::int64_t>(prompts[rows[i]].ids.size()) - 1;
      at::Tensor h = model_.hiddenStates(in);
      at::Tensor lp = at::log_softmax(model_.lmLogits(h.index({at::arange(h.size(0)), last})), -1)
                          .contiguous();
      auto la = lp.accessor<float, 2>();
      for (std::size_t i = 0; i < rows.size(); ++i)
        for (const auto& c : words[rows[i]]->ids)
          for (const auto& w : c) out[rows[i]].push_back(la[static_cast<std::int64_t>(i)][w[0]]);
    }
    return out;
  }
  // One sequence per (item, word): context ++ word; the word's tokens are scored.
  struct Seq {
    std::size_t item, word;
    std::vector<int> ids;
    std::size_t context;
  };
  std::vector<Seq> all;
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    std::size_t k = 0;
    for (const auto& c : words[i]->ids)
      for (const auto& w : c) {
        Seq s{i, k++, prompts[i].ids, prompts[i].ids.size()};
        s.ids.insert(s.ids.end(), w.begin(), w.end());
        if (static_cast<std::int64_t>(s.ids.size()) > maxLen) {
          // Keep the continuation whole: drop context from the front.
          const std::size_t cut = s.ids.size() - static_cast<std::size_t>(maxLen);
          if (cut >= s.context) throw Error("a label word is longer than the model's context", "verbalizer");
          s.ids.erase(s.ids.begin(), s.ids.begin() + static_cast<std::ptrdiff_t>(cut));
          s.context -= cut;
        }
        if (s.context == 0) throw Error("the prompt renders to no context tokens", "template");
        all.push_back(std::move(s));
      }
    out[i].assign(k, 0.f);
  }
  std::vector<const std::vector<int>*> seqs;
  for (const auto& s : all) seqs.push_back(&s.ids);
  for (const auto& rows : lengthBatches(seqs, batch_)) {
    models::TextInputs in = batchOf(seqs, rows, pad);
    at::Tensor h = model_.hiddenStates(in);  // (B, T, D)
    // Rows predicting the continuation tokens: position j predicts token j + 1.
    std::vector<std::int64_t> bi, pj, target;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Seq& s = all[rows[i]];
      for (std::size_t j = s.context; j < s.ids.size(); ++j) {
        bi.push_back(static_cast<std::int64_t>(i));
        pj.push_back(static_cast<std::int64_t>(j) - 1);
        target.push_back(s.ids[j]);
      }
    }
    at::Tensor rowsH = h.index({at::tensor(bi, at::kLong), at::tensor(pj, at::kLong)});
    at::Tensor lp = at::log_softmax(model_.lmLogits(rowsH), -1)
                        .gather(1, at::tensor(target, at::kLong).unsqueeze(1))
                        .squeeze(1)
                        .contiguous();
    const float* v = lp.data_ptr<float>();
    std::size_t k = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Seq& s = all[rows[i]];
      const std::size_t n = s.ids.size() - s.context;
      double sum = 0;
      for (std::size_t j = 0; j < n; ++j) sum += v[k++];
      out[s.item][s.word] =
          static_cast<float>(scoring_ == TextScoring::PrefixMean ? sum / static_cast<double>(n) : sum);
    }
  }
  return out;
}

std::vector<float> TextScorer::wordProbabilities(const std::vector<float>& s) {
  if (s.empty()) return {};
  const float mx = *std::max_element(s.begin(), s.end());
  std::vector<float> p(s.size());
  double z = 0;
  for (std::size_t i = 0; i < s.size(); ++i) z += std::exp(double(s[i]) - mx);
  for (std::size_t i = 0; i < s.size(); ++i) p[i] = static_cast<float>(std::exp(double(s[i]) - mx) / z);
  return p;
}

std::vector<float> TextScorer::classScores(const std::vector<float>& ws, const LabelWords& words,
                                           const std::vector<float>& calibration) const {
  if (ws.size() != wordCount(words)) throw Error("word scores do not match the label words", "scoring");
  std::vector<float> s = ws;
  if (verbalizer_.normalize || !calibration.empty()) {
    std::vector<float> p = wordProbabilities(ws);
    if (!calibration.empty()) {
      if (calibration.size() != p.size()) throw Error("calibration does not match the label words", "scoring");
      double z = 0;
      for (std::size_t i = 0; i < p.size(); ++i) {
        p[i] = static_cast<float>(p[i] / (double(calibration[i]) + 1e-15));
        z += p[i];
      }
      for (auto& x : p) x = static_cast<float>(x / z);
    }
    for (std::size_t i = 0; i < p.size(); ++i)
      s[i] = static_cast<float>(std::log(std::max(double(p[i]), 1e-38)));
  }
  std::vector<float> out;
  std::size_t k = 0;
  for (const auto& c : words.ids) {
    double acc = verbalizer_.aggregation == WordAggregation::Max ? -INFINITY : 0;
    for (std::size_t w = 0; w < c.size(); ++w, ++k)
      acc = verbalizer_.aggregation == WordAggregation::Max ? std::max(acc, double(s[k])) : acc + s[k];
    if (verbalizer_.aggregation == WordAggregation::Mean) acc /= static_cast<double>(c.size());
    out.push_back(static_cast<float>(acc));
  }
  return out;
}

}  // namespace pd::methods
