// CoOp/Dassl split JSON (split_zhou_<Name>.json): the bytes are the split file; two real images
// sit beside it so listed paths can resolve.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "promptdesk/dataset.h"
#include "promptdesk/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path dir = [] {
    auto d = pd_fuzz::freshDir("coop");
    std::filesystem::create_directories(d / "images" / "a");
    // Tiny valid images (1x1 grey PNG) so verifyImages has something to open.
    static const uint8_t png[] = {
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
        0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00,
        0x00, 0x3a, 0x7e, 0x9b, 0x55, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78,
        0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x48, 0xaf, 0xa4, 0x71, 0x00,
        0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
    pd_fuzz::writeFile(d / "images" / "a" / "1.png", png, sizeof png);
    pd_fuzz::writeFile(d / "images" / "a" / "2.png", png, sizeof png);
    return d;
  }();
  const auto file = dir / "split_zhou_Fuzz.json";
  pd_fuzz::writeFile(file, data, size);
  for (bool verify : {false, true}) {
    try {
      pd::DatasetOptions opt;
      opt.verifyImages = verify;
      opt.inspect = verify;  // refused items (labels off the class list, paths outside the root)
      if (size > 0 && (data[0] & 1) && verify) opt.imageRoot = (dir / "images").string();
      auto ds = pd::openDataset("coop-split:" + file.string(), opt);
      pd::DatasetInfo info = ds->info();
      for (const auto& split : ds->splitNames())
        for (const auto& item : ds->items(split)) (void)item.className;
      if (verify) break;
    } catch (const pd::Error&) {
    }
  }
  return 0;
}
