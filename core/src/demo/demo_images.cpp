#include "demo/demo_images.h"

#include <cstring>

#include "promptdesk/dataset.h"
#include "promptdesk/error.h"

namespace pd::demo {

FashionImages loadFashionSplit(const std::string& dir, const std::string& split,
                               std::int64_t limit) {
  std::unique_ptr<Dataset> ds = openDataset("idx:" + dir);
  const std::vector<ItemRef>& items = ds->items(split);
  const std::int64_t n =
      limit > 0 ? std::min<std::int64_t>(limit, static_cast<std::int64_t>(items.size()))
                : static_cast<std::int64_t>(items.size());
  if (n == 0) throw Error("split '" + split + "' has no items", dir);
  FashionImages out;
  out.images = at::empty({n, 28, 28}, at::kByte);
  out.labelVector.resize(static_cast<std::size_t>(n));
  std::uint8_t* dst = out.images.data_ptr<std::uint8_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    const ItemRef& item = items[static_cast<std::size_t>(i)];
    Image img = ds->loadImage(item);
    if (img.width != 28 || img.height != 28 || img.channels != 1)
      throw Error("expected a 28x28 grey image", item.id);
    std::memcpy(dst + i * 28 * 28, img.pixels.data(), 28 * 28);
    out.labelVector[static_cast<std::size_t>(i)] = item.label;
  }
  out.labels = at::tensor(out.labelVector, at::kLong);
  return out;
}

at::Tensor clipNormalise(const at::Tensor& greyU8) {
  at::Tensor x = greyU8.to(at::kFloat).div_(255.0).unsqueeze(1).expand({-1, 3, -1, -1});
  at::Tensor mean = at::tensor({0.48145466f, 0.4578275f, 0.40821073f}).view({1, 3, 1, 1});
  at::Tensor stdv = at::tensor({0.26862954f, 0.26130258f, 0.27577711f}).view({1, 3, 1, 1});
  return ((x - mean) / stdv).contiguous();
}

}  // namespace pd::demo
