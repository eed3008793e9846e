// clipEmbed: the public, torch-free entry point behind `promptdesk-cli clip-embed`.
#include <chrono>

#include "io/safetensors.h"
#include "models/clip/clip_model.h"
#include "promptdesk/clip.h"
#include "promptdesk/error.h"
#include "promptdesk/image.h"
#include "promptdesk/tokenizer.h"

namespace pd {

ClipEmbedResult clipEmbed(const ClipEmbedRequest& req) {
  const bool fromFiles = !req.imageFiles.empty() || !req.texts.empty();
  if (fromFiles == !req.inputSafetensors.empty())
    throw pd::Error(fromFiles ? "give either an input safetensors file or images/texts, not both"
                              : "nothing to encode: give an input safetensors file or images/texts",
                    "clip-embed");
  if (req.outputSafetensors.empty()) throw pd::Error("no output file given", "clip-embed");
  auto model = models::loadClipModel(req.modelPath);
  const ClipArchitecture& arch = model->architecture();

  at::Tensor images, tokens;
  if (!req.inputSafetensors.empty()) {
    io::StateDict in = io::readSafetensors(req.inputSafetensors);
    if (in.has("images")) images = in.at("images");
    if (in.has("text_tokens")) tokens = in.at("text_tokens");
    if (!images.defined() && !tokens.defined())
      throw pd::Error("holds neither 'images' nor 'text_tokens'", req.inputSafetensors);
    if (images.defined() && !at::isFloatingType(images.scalar_type()))
      throw pd::Error("'images' must be a floating-point tensor", req.inputSafetensors);
    if (tokens.defined() &&
        (at::isFloatingType(tokens.scalar_type()) || tokens.scalar_type() == at::kBool))
      throw pd::Error("'text_tokens' must be an integer tensor", req.inputSafetensors);
  } else {
    const std::int64_t r = arch.imageResolution;
    if (!req.imageFiles.empty()) {
      images = at::empty({static_cast<std::int64_t>(req.imageFiles.size()), 3, r, r});
      for (size_t i = 0; i < req.imageFiles.size(); ++i) {
        std::vector<float> px = preprocessImageFileForClip(req.imageFiles[i], static_cast<int>(r));
        images[static_cast<std::int64_t>(i)].copy_(at::from_blob(px.data(), {3, r, r}, at::kFloat));
      }
    }
    if (!req.texts.empty()) {
      ClipTokenizer tok = ClipTokenizer::fromDataDir();
      const std::int64_t len = arch.contextLength;
      tokens = at::zeros({static_cast<std::int64_t>(req.texts.size()), len}, at::kLong);
      for (size_t i = 0; i < req.texts.size(); ++i) {
        std::vector<int> ids = tok.tokenize(req.texts[i], static_cast<int>(len), true);
        for (size_t j = 0; j < ids.size() && static_cast<std::int64_t>(j) < len; ++j)
          tokens[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(j)] = ids[j];
      }
    }
  }

  ClipEmbedResult res;
  res.architecture = arch;
  std::map<std::string, at::Tensor> out;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    if (images.defined()) {
      out["image_features"] = model->encode_image(images, req.batchSize);
      res.images = images.size(0);
    }
    if (tokens.defined()) {
      out["text_features"] = model->encode_text(tokens, req.batchSize);
      res.texts = tokens.size(0);
    }
  } catch (const pd::Error& e) {
    throw pd::Error(e.what(), req.inputSafetensors.empty() ? "clip-embed" : req.inputSafetensors);
  }
  if (images.defined() && tokens.defined()) {
    torch::NoGradGuard ng;
    at::Tensor logits = model->logits(out["image_features"], out["text_features"]).contiguous();
    out["logits_per_image"] = logits;
    auto acc = logits.accessor<float, 2>();
    for (std::int64_t i = 0; i < logits.size(0); ++i) {
      res.logitsPerImage.emplace_back();
      for (std::int64_t j = 0; j < logits.size(1); ++j)
        res.logitsPerImage.back().push_back(acc[i][j]);
    }
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  io::writeSafetensors(req.outputSafetensors, out, {{"model", req.modelPath}});
  return res;
}

}  // namespace pd
