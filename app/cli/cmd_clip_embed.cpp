// promptdesk-cli clip-embed: image/text features (and logits) from a CLIP checkpoint.
//   --in IN.safetensors  (`images` (N,3,R,R) preprocessed, and/or `text_tokens` (M,L) ids)
//   or --image FILE... and/or --text "..." (CLIP preprocessing / tokenizer applied here)
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/clip.h"

namespace {
// Per image: softmax over the texts of logits_per_image, as CLIP's README example prints.
void printProbabilities(const pd::ClipEmbedRequest& req, const pd::ClipEmbedResult& r) {
  const auto& rows = r.logitsPerImage;
  if (rows.empty() || req.texts.empty() || req.imageFiles.size() != rows.size()) return;
  std::cerr << "probabilities (softmax over the texts):\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const float mx = *std::max_element(rows[i].begin(), rows[i].end());
    double sum = 0;
    for (float v : rows[i]) sum += std::exp(double(v) - mx);
    std::cerr << "  " << req.imageFiles[i] << "\n";
    for (std::size_t t = 0; t < rows[i].size() && t < req.texts.size(); ++t)
      std::cerr << "    " << std::fixed << std::setprecision(4)
                << std::exp(double(rows[i][t]) - mx) / sum << "  " << req.texts[t] << "\n";
  }
}

pd::cli::Registrar reg("clip-embed", [](CLI::App& root, pd::cli::Outcome& out) {
  auto* cmd = root.add_subcommand(
      "clip-embed", "Encode images and/or texts with CLIP; write features as safetensors");
  static pd::ClipEmbedRequest req;
  cmd->add_option("--model,-m", req.modelPath, "OpenAI .pt, .safetensors or HF folder")->required();
  auto* in = cmd->add_option("--in", req.inputSafetensors,
                             "safetensors with `images` and/or `text_tokens`");
  auto* img = cmd->add_option("--image", req.imageFiles, "image file(s) (JPEG/PNG)");
  auto* txt = cmd->add_option("--text", req.texts, "text(s) to encode");
  in->excludes(img)->excludes(txt);
  cmd->add_option("--out,-o", req.outputSafetensors,
                  "output: image_features, text_features, logits_per_image")
      ->required();
  cmd->add_option("--batch", req.batchSize, "items encoded at once")->check(CLI::Range(1, 4096));
  cmd->callback([&out] {
    if (req.inputSafetensors.empty() && req.imageFiles.empty() && req.texts.empty())
      throw CLI::ValidationError("clip-embed", "give --in, or --image and/or --text");
    std::cerr << "encoding with " << req.modelPath << " ...\n";
    pd::ClipEmbedResult r = pd::clipEmbed(req);
    std::cerr << "encoded " << r.images << " image(s), " << r.texts << " text(s) in " << std::fixed
              << std::setprecision(3) << r.seconds << " s; wrote " << req.outputSafetensors << "\n";
    printProbabilities(req, r);
    nlohmann::json j{{"output", req.outputSafetensors},
                     {"images", r.images},
                     {"texts", r.texts},
                     {"embed_dim", r.architecture.embedDim}};
    if (!r.logitsPerImage.empty()) j["logits_per_image"] = r.logitsPerImage;
    std::cout << j.dump() << "\n";
    out.code = 0;
  });
});
}  // namespace
