// KPT's knowledgeable verbalizer (Hu et al., ACL 2022: thunlp/KnowledgeablePromptTuning on
// OpenPrompt's KnowledgeableVerbalizer): many label words per class, here expanded from WordNet
// (data/wordnet.h) instead of KPT's related-words lists; filtered by token count
// (max_token_split) and by the contextualised prior on the training inputs
// (register_calibrate_logits: words with a token among the candidate_frac of the vocabulary of
// lowest mean logit are removed, then probabilities are divided by the prior); learned per-word
// weights (label_words_weights, softmax within the class, zeros at first) aggregate the log
// probabilities of a class's words. What the head does exactly is in text_heads.h.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "data/wordnet.h"
#include "methods/text_common/heads/text_heads.h"
#include "promptdesk/error.h"
#include "promptdesk/text_tokenizer.h"

namespace pd::methods {

namespace {

std::string lower(const std::string& s) {
  std::string o = s;
  for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// WordNet relatives of `word`: the other words of its synsets (every part of speech), of their
// direct hyponyms (~, ~i) and of adjectives' similar-to synsets (&); single words only.
std::vector<std::string> relatives(const data::WordNet& wn, const std::string& word) {
  std::vector<std::string> out;
  std::set<std::string> seen{lower(word)};
  auto add = [&](const data::WnSynset& s) {
    for (const auto& w : s.words) {
      if (w.empty() || w.find('_') != std::string::npos) continue;
      if (seen.insert(lower(w)).second) out.push_back(w);
    }
  };
  for (data::WnPos pos : {data::WnPos::Noun, data::WnPos::Verb, data::WnPos::Adj, data::WnPos::Adv}) {
    if (!wn.has(pos)) continue;
    for (const data::WnSynset* s : wn.synsetsOf(word, pos)) {
      add(*s);
      for (const auto& p : s->pointers)
        if (p.symbol == "~" || p.symbol == "~i" || p.symbol == "&")
          if (const data::WnSynset* t = wn.resolve(p)) add(*t);
    }
  }
  return out;
}

}  // namespace

KnowledgeableHead::KnowledgeableHead(const TextBackbone& b, const TextTaskSpec& task)
    : classNames_(task.classNames),
      candidateFrac_(task.kptCandidateFrac),
      calibrate_(task.kptCalibrate) {
  if (!b.model->hasLmHead())
    throw Error("the knowledgeable head reads the model's LM head, and this checkpoint has none "
                "(an encoder-only checkpoint: use the 'classifier' or 'mlp' head)",
                "head");
  if (!(candidateFrac_ >= 0 && candidateFrac_ < 1))
    throw Error("kpt_candidate_frac " + std::to_string(candidateFrac_) + " is outside [0, 1)",
                "kpt_candidate_frac");
  const std::size_t c = task.labelWordIds.size();
  if (c < 2) throw Error("the knowledgeable head needs label words for at least 2 classes", "head");
  classNames_.resize(std::max(classNames_.size(), c));
  for (std::size_t k = 0; k < c; ++k)
    if (classNames_[k].empty()) classNames_[k] = std::to_string(k);
  const std::int64_t vocab = b.model->config().vocabSize;
  const TextTokenizer* tok = b.tokenizer;

  // The task's own words first.
  words_.resize(c);
  std::set<int> scored;  // first tokens taken
  bool spaceBefore = false, spaceKnown = false;
  for (std::size_t k = 0; k < c; ++k) {
    if (task.labelWordIds[k].empty())
      throw Error("class '" + classNames_[k] + "' has no label word", "head");
    for (const auto& ids : task.labelWordIds[k]) {
      if (ids.empty()) throw Error("an empty label word in class '" + classNames_[k] + "'", "head");
      for (int id : ids)
        if (id < 0 || id >= vocab)
          throw Error("label word token " + std::to_string(id) + " of class '" + classNames_[k] +
                          "' is outside the vocabulary (" + std::to_string(vocab) + ")",
                      "head");
      Word w;
      w.ids = ids;
      if (tok) {
        const std::string dec = tok->decode(ids);
        if (!spaceKnown) {
          spaceBefore = tok->kind() == TextTokenizerKind::ByteLevelBpe && !dec.empty() &&
                        dec[0] == ' ';
          spaceKnown = true;
        }
        w.text = trim(dec);
      }
      scored.insert(ids[0]);
      words_[k].push_back(std::move(w));
    }
  }

  // WordNet expansions (with a tokenizer to spell them).
  if (tok) {
    const std::string dir = task.wordnetDir.empty() ? data::WordNet::defaultDir() : task.wordnetDir;
    std::shared_ptr<const data::WordNet> wn;
    try {
      wn = data::WordNet::shared(dir);
    } catch (const Error& e) {
      throw Error(std::string("the knowledgeable head expands the label words from WordNet: ") +
                      e.what(),
                  "wordnet_dir");
    }
    std::set<std::string> given;
    for (const auto& ws : words_)
      for (const auto& w : ws) given.insert(lower(w.text));
    std::vector<std::vector<std::string>> cand(c);
    std::map<std::string, int> classesOf;
    for (std::size_t k = 0; k < c; ++k) {
      std::set<std::string> mine;
      for (const auto& w : words_[k]) {
        if (w.text.empty()) continue;
        for (const auto& r : relatives(*wn, w.text)) {
          const std::string key = lower(r);
          if (given.count(key) || !mine.insert(key).second) continue;
          cand[k].push_back(r);
          ++classesOf[key];
        }
      }
    }
    const int unk = tok->unkId();
    for (std::size_t k = 0; k < c; ++k) {
      for (const auto& r : cand[k]) {
        if (classesOf[lower(r)] > 1) continue;  // ambiguous between classes
        std::vector<int> ids = tok->encode((spaceBefore ? " " : "") + r);
        if (ids.empty()) continue;
        bool bad = false;
        for (int id : ids) bad = bad || id == unk || id < 0 || id >= vocab;
        if (bad || !scored.insert(ids[0]).second) continue;
        Word w;
        w.text = r;
        w.ids = std::move(ids);
        w.expanded = true;
        words_[k].push_back(std::move(w));
      }
    }
  }

  // max_token_split.
  if (task.kptMaxTokenSplit > 0) {
    const std::size_t lim = static_cast<std::size_t>(task.kptMaxTokenSplit);
    for (std::size_t k = 0; k < c; ++k) {
      auto& ws = words_[k];
      ws.erase(std::remove_if(ws.begin(), ws.end(), [&](const Word& w) { return w.ids.size() > lim; }),
               ws.end());
      if (ws.empty())
        throw Error("class '" + classNames_[k] + "' has no label word of at most " +
                        std::to_string(lim) + " tokens",
                    "kpt_max_token_split");
    }
  }
  rebuild();
}

void KnowledgeableHead::rebuild() {
  std::vector<std::int64_t> ids, cls, slot;
  std::int64_t wmax = 0;
  for (std::size_t k = 0; k < words_.size(); ++k) {
    wmax = std::max<std::int64_t>(wmax, static_cast<std::int64_t>(words_[k].size()));
    for (std::size_t j = 0; j < words_[k].size(); ++j) {
      ids.push_back(words_[k][j].ids[0]);
      cls.push_back(static_cast<std::int64_t>(k));
      slot.push_back(static_cast<std::int64_t>(j));
    }
  }
  ids_ = at::tensor(ids, at::kLong);
  classOf_ = at::tensor(cls, at::kLong);
  slot_ = at::tensor(slot, at::kLong);
  const std::int64_t c = static_cast<std::int64_t>(words_.size());
  mask_ = at::zeros({c, wmax});
  mask_.index_put_({classOf_, slot_}, 1.0);
  weights_ = at::zeros({c, wmax}).requires_grad_(true);
  prior_ = at::Tensor();
}

std::vector<NamedTensor> KnowledgeableHead::trainable() {
  return {{"label_words_weights", weights_, {}}};
}

at::Tensor KnowledgeableHead::wordWeights() const {
  return at::softmax(weights_ - 10000.0 * (1 - mask_), -1) * mask_;
}

at::Tensor KnowledgeableHead::wordProbabilities(const at::Tensor& wordLogits) const {
  at::Tensor p = at::softmax(wordLogits, -1);
  if (prior_.defined()) {
    p = p / (prior_ + 1e-15);
    p = p / p.sum(-1, true);
  }
  return p;
}

at::Tensor KnowledgeableHead::classLogits(models::TextLM& model, const TextEncoded& enc,
                                          const TextBatch& batch) {
  at::Tensor h = hiddenAtMask(enc, batch);
  at::Tensor lp = at::log(wordProbabilities(model.lmLogits(h, ids_)) + 1e-15);  // (N, W)
  at::Tensor alpha = wordWeights().index({classOf_, slot_});                     // (W)
  return at::zeros({lp.size(0), static_cast<std::int64_t>(words_.size())}, lp.options())
      .index_add(1, classOf_, lp * alpha.to(lp.scalar_type()));
}

void KnowledgeableHead::refine(const at::Tensor& priorLogits) {
  if (!priorLogits.defined() || priorLogits.dim() != 1)
    throw Error("the prior is not a vector of vocabulary logits", "prior");
  at::Tensor prior = priorLogits.detach().to(at::kFloat).contiguous();
  const std::int64_t v = prior.size(0);
  for (const auto& ws : words_)
    for (const auto& w : ws)
      for (int id : w.ids)
        if (id >= v)
          throw Error("the prior has " + std::to_string(v) + " logits, label word token " +
                          std::to_string(id) + " is beyond them",
                      "prior");
  const std::int64_t nrm =
      std::clamp<std::int64_t>(static_cast<std::int64_t>(candidateFrac_ * double(v)), 0, v);
  std::vector<char> removed(static_cast<std::size_t>(v), 0);
  if (nrm > 0) {
    at::Tensor low = at::argsort(prior).narrow(0, 0, nrm).contiguous();
    const std::int64_t* p = low.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < nrm; ++i) removed[static_cast<std::size_t>(p[i])] = 1;
  }
  const float* pr = prior.data_ptr<float>();
  for (auto& ws : words_) {
    std::vector<Word> kept;
    for (const auto& w : ws) {
      bool drop = false;
      for (int id : w.ids) drop = drop || removed[static_cast<std::size_t>(id)];
      if (!drop) kept.push_back(w);
    }
    if (kept.empty()) {
      auto best = std::max_element(ws.begin(), ws.end(), [&](const Word& a, const Word& b) {
        return pr[a.ids[0]] < pr[b.ids[0]];
      });
      kept.push_back(*best);
    }
    ws = std::move(kept);
  }
  rebuild();
  if (calibrate_) prior_ = at::softmax(prior.index_select(0, ids_), -1);
  refined_ = true;
}

std::unique_ptr<TextHead> makeKnowledgeableHead(const TextBackbone& b, const TextTaskSpec& task) {
  return std::make_unique<KnowledgeableHead>(b, task);
}

bool headUsesPrior(const TextHead& head) {
  return dynamic_cast<const KnowledgeableHead*>(&head) != nullptr;
}

void refineHeadWithPrior(TextHead& head, const at::Tensor& meanMaskLogits) {
  if (auto* k = dynamic_cast<KnowledgeableHead*>(&head)) k->refine(meanMaskLogits);
}

void refineTextHead(TextMethod& method, const std::vector<TextBatch>& batches) {
  if (!headUsesPrior(method.head())) return;
  if (batches.empty()) throw Error("the prior needs training inputs, and there are none", "head");
  at::Tensor sum;
  std::int64_t n = 0;
  {
    at::NoGradGuard ng;
    method.head().setTraining(false);
    for (const auto& b : batches) {
      TextEncoded enc = method.encode(b, false);
      at::Tensor logits = method.model().lmLogits(hiddenAtMask(enc, b)).to(at::kFloat);  // (N, V)
      sum = sum.defined() ? sum + logits.sum(0) : logits.sum(0);
      n += logits.size(0);
    }
  }
  refineHeadWithPrior(method.head(), sum / double(n));
}

}  // namespace pd::methods
