// promptdesk-cli dataset sample: the few-shot split of a protocol (CoOp, or LM-BFF's K per class
// for train and dev) for a seed, as item ids.
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "dataset_options.h"

namespace {

pd::cli::Registrar reg("dataset sample", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& ds = pd::cli::group(root, "dataset", "Datasets: inspect, sample few-shot splits");
  auto* cmd = ds.add_subcommand(
      "sample",
      "Few-shot split: K per class for train, and min(K,4) (coop) or K (lmbff) for val/dev; "
      "prints the item ids");
  static pd::cli::DatasetArgs args;
  static int shots = 16, valShots = -1;
  static std::uint64_t seed = 1;
  static std::string trainSplit = "train", valSplit = "val", protocol = "coop";
  static bool json = false, showText = false;
  args.add(cmd);
  cmd->add_option("--shots,--k", shots, "K: items per class for training")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--seed", seed,
                  "random seed (the same seed gives the same split everywhere; LM-BFF's seeds: "
                  "13, 21, 42, 87, 100)");
  cmd->add_option("--protocol", protocol,
                  "coop: K train + min(K,4) val (from the val split when there is one); lmbff: K "
                  "train + K dev per class, both from the train split")
      ->check(CLI::IsMember({"coop", "lmbff"}));
  cmd->add_flag("--text", showText, "text datasets: print each item's class and text too");
  cmd->add_option("--val-shots", valShots, "items per class for validation (default min(K,4))");
  cmd->add_option("--train-split", trainSplit, "split to sample from (default train)");
  cmd->add_option("--val-split", valSplit,
                  "split for validation when present (default val; else the rest of train)");
  cmd->add_flag("--json", json, "print one JSON object");
  cmd->callback([&out] {
    auto dataset = args.open();
    pd::FewShotOptions opt;
    opt.shots = shots;
    opt.seed = seed;
    opt.protocol = protocol;
    opt.valShots = valShots;
    opt.trainSplit = trainSplit;
    opt.valSplit = valSplit;
    pd::FewShotSplit s = pd::sampleFewShot(*dataset, opt);
    for (auto& w : s.warnings) std::cerr << "warning: " << w << "\n";
    if (json) {
      nlohmann::json j{{"protocol", s.protocol},
                       {"shots", s.shots},
                       {"seed", s.seed},
                       {"train_split", s.trainSplit},
                       {"val_split", s.valSplit},
                       {"test_split", s.testSplit},
                       {"train", s.trainIds},
                       {"val", s.valIds},
                       {"ids_hash", s.idsHash},
                       {"short_classes", s.shortClasses},
                       {"warnings", s.warnings}};
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << "# " << (s.protocol == "coop" ? "" : "protocol " + s.protocol + " ") << "shots "
                << s.shots << " seed " << s.seed << " train " << s.trainIds.size() << " val "
                << s.valIds.size() << " hash " << s.idsHash
                << (s.protocol == "lmbff" ? " test " + (s.testSplit.empty() ? "-" : s.testSplit)
                                          : "")
                << "\n";
      auto print = [&](const char* what, const std::string& split,
                       const std::vector<std::size_t>& index, const std::vector<std::string>& ids) {
        for (std::size_t i = 0; i < ids.size(); ++i) {
          std::cout << what << "\t" << ids[i];
          if (showText) {
            const pd::ItemRef& item = dataset->items(split)[index[i]];
            std::string t = item.text + (item.text2.empty() ? "" : " || " + item.text2);
            for (char& c : t)
              if (c == '\n' || c == '\t' || c == '\r') c = ' ';
            if (t.size() > 120) {
              std::size_t cut = 120;
              while (cut > 0 && (static_cast<unsigned char>(t[cut]) & 0xC0) == 0x80) --cut;
              t = t.substr(0, cut) + "...";
            }
            std::cout << "\t" << item.className << "\t" << t;
          }
          std::cout << "\n";
        }
      };
      print("train", s.trainSplit, s.trainIndex, s.trainIds);
      print("val", s.valSplit, s.valIndex, s.valIds);
    }
    out.code = 0;
  });
});

}  // namespace
