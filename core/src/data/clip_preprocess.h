#pragma once
// CLIP's image preprocessing on tensors (internal torch API). Matches OpenAI's
// Compose([Resize(n_px, BICUBIC), CenterCrop(n_px), convert("RGB"), ToTensor(), Normalize(...)])
// on PIL 9.4 within about one grey level: the resize is torch's antialiased bicubic (PIL's kernel,
// a = -0.5) on 0..255 floats, rounded and clamped to uint8 as PIL stores it; images with alpha are
// resized premultiplied and the alpha is then dropped, as PIL's resize + convert("RGB") do; palette
// and 1-bit images are resized with PIL's NEAREST.
#include <ATen/ATen.h>

#include <string>

#include "data/image_decode.h"
#include "promptdesk/image.h"

namespace pd::data {

// (3, nPx, nPx) float32, normalised.
at::Tensor clipPreprocess(const DecodedImage& image, int nPx);
at::Tensor clipPreprocessFile(const std::string& path, int nPx,
                              const ImageDecodeOptions& options = {});
// `pixels`: uint8 (H, W) or (H, W, C) with C in {1, 2, 3, 4}.
at::Tensor clipPreprocessPixels(const at::Tensor& pixels, int nPx);
// A batch (N, 3, nPx, nPx) from files; the first failure throws pd::Error naming its file.
at::Tensor clipPreprocessFiles(const std::vector<std::string>& paths, int nPx,
                               const ImageDecodeOptions& options = {});

// Short side to `shortSide`, long side int(shortSide * long / short) (torchvision's Resize rule).
// Returns uint8 pixels of the same layout.
DecodedImage resizeShortSide(const DecodedImage& image, int shortSide);

}  // namespace pd::data
