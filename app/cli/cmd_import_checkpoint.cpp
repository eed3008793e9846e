// promptdesk-cli import-checkpoint IN --out OUT.safetensors: any supported CLIP checkpoint
// (OpenAI TorchScript .pt, safetensors, Hugging Face CLIPModel folder) -> OpenAI-layout float32
// safetensors whose metadata records the source format and SHA-256.
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/checkpoint.h"

namespace {
pd::cli::Registrar reg("import-checkpoint", [](CLI::App& root, pd::cli::Outcome& out) {
  auto* cmd = root.add_subcommand(
      "import-checkpoint",
      "Convert a CLIP checkpoint (.pt TorchScript, safetensors, HF folder) to safetensors");
  static std::string in, output;
  static bool json = false;
  cmd->add_option("IN", in, "checkpoint file or Hugging Face model folder")->required();
  cmd->add_option("--out,-o", output, "output .safetensors file (written atomically)")->required();
  cmd->add_flag("--json", json, "print one JSON object as the last line");
  cmd->callback([&out] {
    std::cerr << "reading " << in << " ...\n";
    pd::CheckpointSummary s = pd::convertCheckpointToSafetensors(in, output);
    std::cout << "wrote " << output << ": " << s.tensorCount << " tensors, " << s.parameterCount
              << " parameters, from " << s.format << " (sha256 " << s.contentHash << ")\n";
    if (json)
      std::cout << nlohmann::json{{"input", in},
                                  {"output", output},
                                  {"format", s.format},
                                  {"sha256", s.contentHash},
                                  {"tensors", s.tensorCount},
                                  {"parameters", s.parameterCount}}
                       .dump()
                << "\n";
    out.code = 0;
  });
});
}  // namespace
