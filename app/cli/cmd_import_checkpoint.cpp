// promptdesk-cli import-checkpoint IN --out OUT.safetensors: any supported checkpoint (OpenAI
// TorchScript .pt, safetensors, Hugging Face CLIP or text-model folder) -> safetensors whose
// metadata records the source format and SHA-256 (CLIP in the OpenAI layout; a text model's names
// kept, with its config.json). A folder whose weights are pytorch_model.bin (a pickle) is converted
// by the isolated importer (promptdesk/checkpoint_import.h) unless --allow-pickle is given, which
// that importer passes when this command is its child.
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/checkpoint.h"
#include "promptdesk/checkpoint_import.h"

namespace {
pd::cli::Registrar reg("import-checkpoint", [](CLI::App& root, pd::cli::Outcome& out) {
  auto* cmd = root.add_subcommand(
      "import-checkpoint",
      "Convert a checkpoint (.pt TorchScript, safetensors, HF folder) to safetensors");
  static std::string in, output;
  static bool json = false, allowPickle = false;
  cmd->add_option("IN", in, "checkpoint file or Hugging Face model folder")->required();
  cmd->add_option("--out,-o", output, "output .safetensors file (written atomically)")->required();
  cmd->add_flag("--json", json, "print one JSON object as the last line");
  cmd->add_flag("--allow-pickle", allowPickle,
                "unpickle a folder's pytorch_model.bin in this process (what the isolated "
                "importer does as a child); without it such a folder is converted in a child "
                "process with memory and time limits");
  cmd->callback([&out] {
    std::cerr << "reading " << in << " ...\n";
    std::error_code ec;
    const bool pickleFolder = std::filesystem::is_directory(in, ec) && pd::needsIsolatedImport(in);
    nlohmann::json j{{"input", in}, {"output", output}};
    if (pickleFolder && !allowPickle) {
      std::cerr << "importing " << in << " in a separate process ...\n";
      pd::importCheckpointIsolated(in, output);
      const pd::CheckpointSummary s = pd::inspectCheckpoint(output);
      std::cout << "wrote " << output << ": " << s.tensorCount << " tensors, " << s.parameterCount
                << " parameters, from pytorch_model.bin by the isolated importer (output sha256 "
                << s.contentHash << ")\n";
      j.update({{"format", "hf-folder (pytorch_model.bin)"},
                {"output_sha256", s.contentHash},
                {"tensors", s.tensorCount},
                {"parameters", s.parameterCount}});
    } else {
      const pd::CheckpointSummary s = pd::convertCheckpointToSafetensors(in, output, allowPickle);
      std::cout << "wrote " << output << ": " << s.tensorCount << " tensors, " << s.parameterCount
                << " parameters, from " << s.format << " (sha256 " << s.contentHash << ")\n";
      j.update({{"format", s.format},
                {"sha256", s.contentHash},
                {"tensors", s.tensorCount},
                {"parameters", s.parameterCount}});
    }
    if (json) std::cout << j.dump() << "\n";
    out.code = 0;
  });
});
}  // namespace
