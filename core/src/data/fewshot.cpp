// CoOp's few-shot protocol with our own generator (algorithm in data/prng.h):
//  - the train split's items are grouped by label; inside a class they are ordered by id (byte
//    order), so the loader's file order cannot change the result;
//  - class c draws from its own stream SplitMix64(deriveSeed(seed, "fewshot/train/<c>")) a partial
//    Fisher-Yates sample of size min(n_c, k + kv) when validation comes from the same split (the
//    first k are train, the next kv are val), else of size min(n_c, k);
//  - with a separate val split, class c of it draws min(n, kv) from "fewshot/val/<c>";
//  - kv = min(k, 4) unless FewShotOptions::valShots says otherwise.
// The split is recorded as ids in draw order, class by class, and hashHex("train\n" + ids joined
// by '\n' + "\nval\n" + ids...).
#include <algorithm>

#include "data/prng.h"
#include "promptdesk/dataset.h"
#include "promptdesk/error.h"

namespace pd {

namespace {
std::vector<std::vector<std::size_t>> byClass(const std::vector<ItemRef>& items, int classes) {
  std::vector<std::vector<std::size_t>> out(classes);
  for (std::size_t i = 0; i < items.size(); ++i)
    if (items[i].label >= 0 && items[i].label < classes) out[items[i].label].push_back(i);
  for (auto& list : out)
    std::sort(list.begin(), list.end(),
              [&](std::size_t a, std::size_t b) { return items[a].id < items[b].id; });
  return out;
}
}  // namespace

FewShotSplit sampleFewShot(const Dataset& dataset, const FewShotOptions& opt) {
  if (opt.shots < 1) throw Error("shots must be at least 1", "--shots");
  FewShotSplit r;
  r.shots = opt.shots;
  r.seed = opt.seed;
  r.trainSplit = opt.trainSplit;
  const auto& train = dataset.items(opt.trainSplit);
  const int classes = static_cast<int>(dataset.classNames().size());
  const std::size_t k = static_cast<std::size_t>(opt.shots);
  const std::size_t kv =
      static_cast<std::size_t>(opt.valShots >= 0 ? opt.valShots : std::min(opt.shots, 4));
  const bool separateVal = kv > 0 && !opt.valSplit.empty() && opt.valSplit != opt.trainSplit &&
                           dataset.hasSplit(opt.valSplit);
  r.valSplit = kv == 0 ? "" : separateVal ? opt.valSplit : opt.trainSplit;

  auto warn = [&](int c, const std::string& what) {
    r.warnings.push_back("class " + std::to_string(c) + " '" + dataset.classNames()[c] +
                         "': " + what);
  };

  const auto trainByClass = byClass(train, classes);
  for (int c = 0; c < classes; ++c) {
    const auto& list = trainByClass[c];
    data::SplitMix64 rng(data::deriveSeed(opt.seed, "fewshot/train/" + std::to_string(c)));
    const std::size_t want = separateVal ? k : k + kv;
    auto picks = rng.pick(list.size(), want);
    if (list.size() < k) {
      ++r.shortClasses;
      warn(c, std::to_string(list.size()) + " " + opt.trainSplit + " item(s) < " +
                  std::to_string(k) + " shots; took all of them");
    }
    for (std::size_t i = 0; i < picks.size(); ++i) {
      const std::size_t idx = list[picks[i]];
      if (i < k) {
        r.trainIndex.push_back(idx);
        r.trainIds.push_back(train[idx].id);
      } else {
        r.valIndex.push_back(idx);
        r.valIds.push_back(train[idx].id);
      }
    }
    if (!separateVal && kv > 0 && list.size() < k + kv)
      warn(c, std::to_string(list.size() > k ? list.size() - k : 0) +
                  " item(s) left for validation < " + std::to_string(kv));
  }
  if (separateVal) {
    const auto& val = dataset.items(opt.valSplit);
    const auto valByClass = byClass(val, classes);
    for (int c = 0; c < classes; ++c) {
      const auto& list = valByClass[c];
      data::SplitMix64 rng(data::deriveSeed(opt.seed, "fewshot/val/" + std::to_string(c)));
      auto picks = rng.pick(list.size(), kv);
      if (list.size() < kv)
        warn(c, std::to_string(list.size()) + " " + opt.valSplit + " item(s) < " +
                    std::to_string(kv) + " validation shots; took all of them");
      for (std::size_t p : picks) {
        r.valIndex.push_back(list[p]);
        r.valIds.push_back(val[list[p]].id);
      }
    }
  }
  std::string all = "train\n";
  for (auto& id : r.trainIds) all += id + "\n";
  all += "val\n";
  for (auto& id : r.valIds) all += id + "\n";
  r.idsHash = hashHex(all);
  return r;
}

}  // namespace pd
