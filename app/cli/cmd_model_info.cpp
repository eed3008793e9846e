// promptdesk-cli model-info --model PATH: CLIP architecture (JSON) of any supported checkpoint.
#include <iostream>

#include "command_registry.h"
#include "promptdesk/clip.h"

namespace {
pd::cli::Registrar reg("model-info", [](CLI::App& root, pd::cli::Outcome& out) {
  auto* cmd = root.add_subcommand(
      "model-info", "Print a CLIP checkpoint's architecture, format, hash and parameter count");
  static std::string model;
  cmd->add_option("--model,-m", model, "OpenAI .pt, .safetensors or Hugging Face folder")
      ->required();
  cmd->callback([&out] {
    std::cerr << "reading " << model << " ...\n";
    pd::ClipArchitecture a = pd::inspectClipModel(model);
    std::cout << a.toJson(1) << "\n";
    out.code = 0;
  });
});
}  // namespace
