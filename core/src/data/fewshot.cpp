// The few-shot protocols, with our own generator (algorithm in data/prng.h). Shared by both:
//  - a split's items are grouped by label; inside a class they are ordered by id (byte order), so
//    the loader's file order cannot change the result;
//  - class c draws from its own stream SplitMix64(deriveSeed(seed, "<tag>/<c>")) a partial
//    Fisher-Yates sample of size min(n_c, wanted), in draw order.
// CoOp ("coop"; tags fewshot/train, fewshot/val):
//  - train: min(n_c, k + kv) when validation comes from the same split (the first k are train, the
//    next kv are val), else min(n_c, k);
//  - with a separate val split, class c of it draws min(n, kv) from "fewshot/val/<c>";
//  - kv = min(k, 4) unless FewShotOptions::valShots says otherwise.
// LM-BFF ("lmbff"; tag lmbff/train): class c of the train split draws min(n_c, 2K); the first K are
// train, the next K dev (LM-BFF's generate_k_shot_data.py takes K per label for train and the next
// K per label for dev from one shuffle of the original training set). The test split is the
// dataset's own ("test", else "val").
// The split is recorded as ids in draw order, class by class, and hashHex("train\n" + ids joined
// by '\n' + "\nval\n" + ids...); for lmbff the string starts with "lmbff\n" so that its hash can
// never equal a CoOp split's.
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

// Per class c: up to `want` positions of `items` (label c), drawn from stream "<tag>/<c>".
std::vector<std::vector<std::size_t>> drawPerClass(const std::vector<ItemRef>& items, int classes,
                                                   std::uint64_t seed, const std::string& tag,
                                                   std::size_t want) {
  const auto lists = byClass(items, classes);
  std::vector<std::vector<std::size_t>> out(classes);
  for (int c = 0; c < classes; ++c) {
    data::SplitMix64 rng(data::deriveSeed(seed, tag + "/" + std::to_string(c)));
    for (std::size_t p : rng.pick(lists[c].size(), want)) out[c].push_back(lists[c][p]);
  }
  return out;
}

std::size_t classSize(const std::vector<ItemRef>& items, int c) {
  std::size_t n = 0;
  for (auto& it : items) n += it.label == c;
  return n;
}

std::string idsHash(const std::string& prefix, const FewShotSplit& r) {
  std::string all = prefix + "train\n";
  for (auto& id : r.trainIds) all += id + "\n";
  all += "val\n";
  for (auto& id : r.valIds) all += id + "\n";
  return hashHex(all);
}

FewShotSplit sampleLmbff(const Dataset& dataset, const FewShotOptions& opt) {
  FewShotSplit r;
  r.protocol = "lmbff";
  r.shots = opt.shots;
  r.seed = opt.seed;
  r.trainSplit = opt.trainSplit;
  r.valSplit = opt.trainSplit;
  for (const char* s : {"test", "val"})
    if (s != opt.trainSplit && dataset.hasSplit(s)) {
      r.testSplit = s;
      break;
    }
  const auto& train = dataset.items(opt.trainSplit);
  const int classes = static_cast<int>(dataset.classNames().size());
  const std::size_t k = static_cast<std::size_t>(opt.shots);
  const auto picks = drawPerClass(train, classes, opt.seed, "lmbff/train", 2 * k);
  for (int c = 0; c < classes; ++c) {
    const auto& list = picks[c];
    if (list.size() < 2 * k) {
      ++r.shortClasses;
      r.warnings.push_back("class " + std::to_string(c) + " '" + dataset.classNames()[c] + "': " +
                           std::to_string(classSize(train, c)) + " " + opt.trainSplit +
                           " item(s) < " + std::to_string(2 * k) + " (K train + K dev); took " +
                           std::to_string(std::min(list.size(), k)) + " + " +
                           std::to_string(list.size() > k ? list.size() - k : 0));
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      (i < k ? r.trainIndex : r.valIndex).push_back(list[i]);
      (i < k ? r.trainIds : r.valIds).push_back(train[list[i]].id);
    }
  }
  r.idsHash = idsHash("lmbff\n", r);
  return r;
}
}  // namespace

const std::vector<std::string>& fewShotProtocols() {
  static const std::vector<std::string> p = {"coop", "lmbff"};
  return p;
}

const std::vector<std::uint64_t>& lmbffSeeds() {
  static const std::vector<std::uint64_t> s = {13, 21, 42, 87, 100};
  return s;
}

FewShotSplit sampleFewShot(const Dataset& dataset, const FewShotOptions& opt) {
  if (opt.shots < 1) throw Error("shots must be at least 1", "--shots");
  if (opt.protocol == "lmbff") return sampleLmbff(dataset, opt);
  if (opt.protocol != "coop")
    throw Error("unknown few-shot protocol '" + opt.protocol + "' (coop, lmbff)", "--protocol");
  FewShotSplit r;
  r.protocol = "coop";
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
  if (dataset.hasSplit("test")) r.testSplit = "test";

  auto warn = [&](int c, const std::string& what) {
    r.warnings.push_back("class " + std::to_string(c) + " '" + dataset.classNames()[c] +
                         "': " + what);
  };

  const auto trainPicks =
      drawPerClass(train, classes, opt.seed, "fewshot/train", separateVal ? k : k + kv);
  for (int c = 0; c < classes; ++c) {
    const std::size_t n = classSize(train, c);
    const auto& picks = trainPicks[c];
    if (n < k) {
      ++r.shortClasses;
      warn(c, std::to_string(n) + " " + opt.trainSplit + " item(s) < " + std::to_string(k) +
                  " shots; took all of them");
    }
    for (std::size_t i = 0; i < picks.size(); ++i) {
      const std::size_t idx = picks[i];
      if (i < k) {
        r.trainIndex.push_back(idx);
        r.trainIds.push_back(train[idx].id);
      } else {
        r.valIndex.push_back(idx);
        r.valIds.push_back(train[idx].id);
      }
    }
    if (!separateVal && kv > 0 && n < k + kv)
      warn(c, std::to_string(n > k ? n - k : 0) +
                  " item(s) left for validation < " + std::to_string(kv));
  }
  if (separateVal) {
    const auto& val = dataset.items(opt.valSplit);
    const auto valPicks = drawPerClass(val, classes, opt.seed, "fewshot/val", kv);
    for (int c = 0; c < classes; ++c) {
      const std::size_t n = classSize(val, c);
      if (n < kv)
        warn(c, std::to_string(n) + " " + opt.valSplit + " item(s) < " + std::to_string(kv) +
                    " validation shots; took all of them");
      for (std::size_t idx : valPicks[c]) {
        r.valIndex.push_back(idx);
        r.valIds.push_back(val[idx].id);
      }
    }
  }
  r.idsHash = idsHash("", r);
  return r;
}

}  // namespace pd
