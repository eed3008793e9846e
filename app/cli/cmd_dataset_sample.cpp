// promptdesk-cli dataset sample: the few-shot split (CoOp protocol) for a seed, as item ids.
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "dataset_options.h"

namespace {

pd::cli::Registrar reg("dataset sample", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& ds = pd::cli::group(root, "dataset", "Datasets: inspect, sample few-shot splits");
  auto* cmd = ds.add_subcommand(
      "sample", "Few-shot split: K per class for train, min(K,4) for val; prints the item ids");
  static pd::cli::DatasetArgs args;
  static int shots = 16, valShots = -1;
  static std::uint64_t seed = 1;
  static std::string trainSplit = "train", valSplit = "val";
  static bool json = false;
  args.add(cmd);
  cmd->add_option("--shots", shots, "items per class for training")->check(CLI::Range(1, 100000));
  cmd->add_option("--seed", seed, "random seed (the same seed gives the same split everywhere)");
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
    opt.valShots = valShots;
    opt.trainSplit = trainSplit;
    opt.valSplit = valSplit;
    pd::FewShotSplit s = pd::sampleFewShot(*dataset, opt);
    for (auto& w : s.warnings) std::cerr << "warning: " << w << "\n";
    if (json) {
      nlohmann::json j{{"shots", s.shots},
                       {"seed", s.seed},
                       {"train_split", s.trainSplit},
                       {"val_split", s.valSplit},
                       {"train", s.trainIds},
                       {"val", s.valIds},
                       {"ids_hash", s.idsHash},
                       {"short_classes", s.shortClasses},
                       {"warnings", s.warnings}};
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << "# shots " << s.shots << " seed " << s.seed << " train " << s.trainIds.size()
                << " val " << s.valIds.size() << " hash " << s.idsHash << "\n";
      for (auto& id : s.trainIds) std::cout << "train\t" << id << "\n";
      for (auto& id : s.valIds) std::cout << "val\t" << id << "\n";
    }
    out.code = 0;
  });
});

}  // namespace
