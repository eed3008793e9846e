// promptdesk-cli forward: run a text model (BERT, RoBERTa, GPT-2) on given inputs and write its
// last hidden state and full-vocabulary logits, for checking against a reference implementation.
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/text_models.h"

namespace {
pd::cli::Registrar reg("forward", [](CLI::App& root, pd::cli::Outcome& out) {
  auto* cmd = root.add_subcommand(
      "forward",
      "Run a text model on inputs (input_ids, attention_mask, token_type_ids, position_ids, "
      "labels) from a safetensors file; write last_hidden_state and logits");
  static pd::TextForwardRequest req;
  static bool noLogits = false;
  cmd->add_option("--model,-m", req.modelPath, "Hugging Face folder (config.json + weights)")
      ->required();
  cmd->add_option("--in", req.inputSafetensors,
                  "safetensors with input_ids (N,T) [or inputs_embeds], optional "
                  "attention_mask, token_type_ids, position_ids, labels")
      ->required();
  cmd->add_option("--out,-o", req.outputSafetensors,
                  "output: last_hidden_state (N,T,D), logits (N,T,V), loss (with labels)")
      ->required();
  cmd->add_flag("--no-logits", noLogits, "write only last_hidden_state (and loss)");
  cmd->callback([&out] {
    req.writeLogits = !noLogits;
    const pd::TextForwardResult r = pd::runTextForward(req);
    for (const auto& k : r.ignoredInputs) std::cerr << "ignored input tensor: " << k << "\n";
    std::cerr << r.family << ": " << r.batch << " x " << r.length << " tokens in " << std::fixed
              << std::setprecision(3) << r.seconds << " s; wrote " << req.outputSafetensors << "\n";
    nlohmann::json j{{"output", req.outputSafetensors}, {"family", r.family},
                     {"batch", r.batch},               {"length", r.length},
                     {"width", r.width},               {"vocab", r.vocab}};
    if (r.hasLoss) j["loss"] = r.loss;
    std::cout << j.dump() << "\n";
    out.code = 0;
  });
});
}  // namespace
