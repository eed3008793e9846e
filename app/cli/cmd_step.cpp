// promptdesk-cli step: one forward and backward of a text method on a golden case (dropout off),
// writing out.* and grad.* under the golden's names; --compare checks them against the golden.
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/text_methods.h"

namespace {
pd::cli::Registrar reg("step", [](CLI::App& root, pd::cli::Outcome& out) {
  auto* cmd = root.add_subcommand(
      "step",
      "One forward + backward of a text method on a golden case (in.*, param.*, frozen.*, the "
      "JSON's config); writes out.loss, out.* and grad.* under the golden's names");
  static pd::TextStepRequest req;
  cmd->add_option("--model,-m", req.modelPath,
                  "Hugging Face folder (default: the config's model_dir, relative to it)");
  cmd->add_option("--method", req.method,
                  "prompt-tuning, p-tuning, prefix-tuning, p-tuning-v2, adapter, bitfit, ...")
      ->required();
  cmd->add_option("--golden", req.goldenPath, "golden.safetensors (in.*, param.*, frozen.*)")
      ->required();
  cmd->add_option("--config", req.configPath, "golden.json (its \"config\") or a JSON object");
  cmd->add_option("--options", req.optionsJson, "extra method options as a JSON object");
  cmd->add_option("--out,-o", req.outPath, "output safetensors (out.*, grad.*)")->required();
  cmd->add_flag("--compare", req.compare,
                "compare with the golden's out.* and grad.* (fixture tolerances); exit 1 on a "
                "difference");
  cmd->callback([&out] {
    const pd::TextStepResult r = pd::runTextStep(req);
    nlohmann::json j{{"output", req.outPath}, {"family", r.family}, {"method", r.method},
                     {"head", r.head},        {"loss", r.loss},     {"trainable", r.trainable},
                     {"backbone", r.backbone}, {"config_used", r.configUsed},
                     {"config_ignored", r.configIgnored}, {"inputs_unused", r.inputsUnused}};
    if (req.compare) {
      nlohmann::json cmp = nlohmann::json::array();
      for (const auto& c : r.comparisons) {
        std::cerr << (c.ok ? "  ok   " : "  FAIL ") << std::left << std::setw(58) << c.name
                  << " max|diff| " << std::scientific << std::setprecision(2) << c.maxAbsDiff
                  << (c.note.empty() ? "" : "  (" + c.note + ")") << "\n";
        cmp.push_back({{"name", c.name}, {"max_abs_diff", c.maxAbsDiff}, {"ok", c.ok},
                       {"note", c.note}});
      }
      j["comparisons"] = cmp;
      j["ok"] = r.allOk;
    }
    std::cout << j.dump() << "\n";
    out.code = (req.compare && !r.allOk) ? 1 : 0;
  });
});
}  // namespace
