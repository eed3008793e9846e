#pragma once
// Web-style captions for Fashion-MNIST items, used to pretrain the demo CLIP contrastively.
// Captions vary wording the way alt-texts do: synonyms, possessives, product-listing styles,
// descriptions, and a little noise (dropped words, an unrelated caption now and then), so that the
// hand-crafted test templates are not the only phrasing the model sees.
#include <cstdint>
#include <string>
#include <vector>

namespace pd::demo {

struct CaptionOptions {
  double noiseWrongClass = 0.03;  // fraction of captions that describe another class
  double noiseDropWord = 0.05;    // fraction with one word dropped
  // Fraction of captions that call the item loosely by a neighbouring category's name, as people
  // do online (a T-shirt called "shirt", a shirt a "top", a pullover a "coat", boots "sneakers").
  // It makes the dataset's literal class names ambiguous for zero-shot prompts, while the images
  // stay separable: what few-shot learning can recover and hand-crafted prompts cannot.
  double looseName = 0.35;
};

// Deterministic: the same (label, itemIndex, view, seed) always gives the same caption.
std::string fashionCaption(int label, std::uint64_t itemIndex, int view, std::uint64_t seed,
                           const CaptionOptions& options = {});

// The ten Fashion-MNIST class names, in label order.
const std::vector<std::string>& fashionClassNames();

}  // namespace pd::demo
