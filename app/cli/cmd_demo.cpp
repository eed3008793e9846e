// promptdesk-cli demo pretrain: trains (once per recipe) the demo CLIP on Fashion-MNIST.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/demo.h"
#include "promptdesk/error.h"
#include "promptdesk/jobs.h"

namespace {
pd::cli::Registrar reg("demo", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& demo =
      pd::cli::group(root, "demo", "The embedded demo (Fashion-MNIST, own small CLIP)");
  auto* cmd = demo.add_subcommand("pretrain", "Pretrain the demo CLIP (cached by recipe hash)");
  static pd::DemoPretrainOptions o;
  static bool json = false;
  cmd->add_option("--fashion-dir", o.fashionDir, "Fashion-MNIST IDX folder")->capture_default_str();
  cmd->add_option("--out-dir", o.outDir, "where the checkpoint goes (default: <data>/models)");
  cmd->add_option("--epochs", o.epochs, "training epochs")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--items", o.trainItems, "train items used (first N)")
      ->check(CLI::Range(256, 60000))
      ->capture_default_str();
  cmd->add_option("--batch", o.batchSize, "batch size")
      ->check(CLI::Range(8, 4096))
      ->capture_default_str();
  cmd->add_option("--lr", o.learningRate, "peak learning rate (AdamW)")->capture_default_str();
  cmd->add_option("--seed", o.seed, "seed")->capture_default_str();
  cmd->add_flag("--force", o.force, "retrain even when a cached checkpoint exists");
  cmd->add_flag("--json", json, "print the result as one JSON object on the last line");
  cmd->callback([&out] {
    pd::JobRunner runner({1, 0});
    runner.setListener([](const pd::JobEvent& e) {
      if (e.state != pd::JobState::Running || e.step <= 0) return;
      auto loss = e.metrics.find("loss");
      std::cerr << "\r[" << e.step << "/" << e.totalSteps << "] " << e.message;
      if (loss != e.metrics.end()) std::cerr << "  loss " << loss->second;
      if (e.etaSeconds >= 0) std::cerr << "  ETA " << int(e.etaSeconds) << " s   ";
    });
    auto job = std::make_shared<pd::DemoPretrainJob>(o);
    auto id = runner.submit(job);
    runner.wait(id);
    std::cerr << "\n";
    if (runner.state(id) != pd::JobState::Succeeded)
      throw pd::Error(runner.error(id), "demo pretrain");
    const auto& r = job->result();
    std::cout << (r.reused ? "reused " : "trained ") << r.modelPath;
    if (!r.reused)
      std::cout << " in " << r.seconds << " s (" << r.steps << " steps, last-epoch loss "
                << r.finalLoss << ")";
    std::cout << "\n";
    if (json)
      std::cout << nlohmann::json{{"model", r.modelPath},      {"reused", r.reused},
                                  {"seconds", r.seconds},      {"steps", r.steps},
                                  {"final_loss", r.finalLoss}, {"recipe", o.recipeJson()}}
                       .dump()
                << "\n";
    out.code = 0;
  });
});
}  // namespace
