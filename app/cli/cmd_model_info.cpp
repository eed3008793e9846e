// promptdesk-cli model-info --model PATH: CLIP architecture (JSON) of any supported checkpoint.
#include <iostream>

#include "command_registry.h"
#include <nlohmann/json.hpp>

#include "promptdesk/models.h"

namespace {
pd::cli::Registrar reg("model-info", [](CLI::App& root, pd::cli::Outcome& out) {
  auto* cmd = root.add_subcommand(
      "model-info", "Print a checkpoint's model family, architecture, format, hash and parameter count");
  static std::string model;
  cmd->add_option("--model,-m", model, "OpenAI .pt, .safetensors or Hugging Face folder")
      ->required();
  cmd->callback([&out] {
    std::cerr << "reading " << model << " ...\n";
    const pd::ModelDescription d = pd::describeModel(model);
    nlohmann::json j = nlohmann::json::parse(d.architectureJson);
    j["family"] = d.family;
    j["title"] = d.title;
    std::cout << j.dump(1) << "\n";
    out.code = 0;
  });
});
}  // namespace
