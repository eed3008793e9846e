// promptdesk-cli export-prompt RUN --project P --format peft --out DIR: a text run's learned
// tensors written as a PEFT adapter folder (adapter_model.safetensors + adapter_config.json);
// --format safetensors writes the learned file as stored (reference names + metadata).
// promptdesk-cli import-prompt DIR --model M: reads a PEFT adapter folder back and checks it
// against the model (prints what it holds and the method it maps to).
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/error.h"
#include "promptdesk/project.h"
#include "promptdesk/text_methods.h"

namespace {
pd::cli::Registrar reg("export-prompt", [](CLI::App& root, pd::cli::Outcome& out) {
  auto* cmd = root.add_subcommand(
      "export-prompt", "Write a run's learned prompt / adapter / BitFit delta: a PEFT adapter "
                       "folder (adapter_model.safetensors + adapter_config.json) or the raw file");
  static std::int64_t run = 0;
  static std::string project, format = "peft", outPath;
  cmd->add_option("run", run, "run id in the project")->required();
  cmd->add_option("--project", project, "project (*.pdesk)")->required();
  cmd->add_option("--format", format, "peft (a folder) or safetensors (one file)")
      ->check(CLI::IsMember({"peft", "safetensors"}));
  cmd->add_option("--out,-o", outPath, "output folder (peft) or file (safetensors)")->required();
  cmd->callback([&out] {
    auto p = pd::Project::open(project);
    std::optional<pd::ArtifactRecord> a = p->lastArtifact(run, "prompt");
    if (!a)
      throw pd::Error("run " + std::to_string(run) + " has no learned prompt or adapter", project);
    const std::string bytes = p->artifactBytes(a->id);
    if (format == "safetensors") {
      std::ofstream(outPath, std::ios::binary) << bytes;
      std::cout << nlohmann::json{{"output", outPath}, {"artifact", a->name}}.dump() << "\n";
      out.code = 0;
      return;
    }
    const auto tmp = std::filesystem::temp_directory_path() /
                     ("promptdesk-export-" + std::to_string(run) + ".safetensors");
    std::ofstream(tmp, std::ios::binary) << bytes;
    pd::PeftExportResult r;
    try {
      r = pd::exportPeftAdapter(tmp.string(), outPath);
    } catch (const pd::Error& e) {
      std::filesystem::remove(tmp);
      if (std::string(e.what()).find("not a learned-parameters file") != std::string::npos)
        throw pd::Error("run " + std::to_string(run) + "'s prompt artifact '" + a->name +
                            "' is not a text method's learned file (CLIP prompts export with "
                            "--format safetensors)",
                        project);
      throw;
    }
    std::filesystem::remove(tmp);
    std::cout << nlohmann::json{{"output", r.dir}, {"peft_type", r.peftType}, {"tensors", r.tensors}}
                     .dump()
              << "\n";
    out.code = 0;
  });
});

pd::cli::Registrar reg2("import-prompt", [](CLI::App& root, pd::cli::Outcome& out) {
  auto* cmd = root.add_subcommand(
      "import-prompt", "Read a PEFT adapter folder back and check it against a text model");
  static std::string dir, model;
  cmd->add_option("dir", dir, "folder with adapter_config.json + adapter_model.safetensors")
      ->required();
  cmd->add_option("--model,-m", model, "the text model it belongs to")->required();
  cmd->callback([&out] {
    const pd::PeftReadResult r = pd::readPeftAdapter(dir, model);
    nlohmann::json shapes = nlohmann::json::object();
    for (const auto& [k, v] : r.shapes) shapes[k] = v;
    std::cout << nlohmann::json{{"peft_type", r.peftType}, {"method", r.method},
                                {"tensors", shapes}}
                     .dump()
              << "\n";
    out.code = 0;
  });
});
}  // namespace
