// IDX files (MNIST layout): bytes [0,2) give the length L of the images file, then L bytes of
// train-images-idx3-ubyte, the rest is train-labels-idx1-ubyte. Bit 0x80 of byte 2 (when present)
// gzips the images file, so the decompression path is fuzzed too; the decompressed-size limit is
// small (8 MiB) so a valid-but-huge header is refused rather than slowly filled.
#include <zlib.h>

#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "promptdesk/dataset.h"
#include "promptdesk/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const bool gz = data[2] & 0x80;
  size_t len = (size_t(data[0]) << 8) | data[1];
  data += 3;
  size -= 3;
  if (len > size) len = size;
  const auto dir = pd_fuzz::freshDir("idx");
  if (gz) {
    gzFile f = gzopen((dir / "train-images-idx3-ubyte.gz").c_str(), "wb1");
    if (len) gzwrite(f, data, static_cast<unsigned>(len));
    gzclose(f);
  } else {
    pd_fuzz::writeFile(dir / "train-images-idx3-ubyte", data, len);
  }
  pd_fuzz::writeFile(dir / "train-labels-idx1-ubyte", data + len, size - len);
  try {
    pd::DatasetOptions opt;
    opt.maxDecompressedBytes = 8u << 20;
    auto ds = pd::openDataset("idx:" + dir.string(), opt);
    for (const auto& split : ds->splitNames()) {
      const auto& items = ds->items(split);
      for (size_t i = 0; i < items.size() && i < 4; ++i) {
        pd::Image im = ds->loadImage(items[i]);
        (void)ds->contentHash(items[i]);
        (void)im.pixels.size();
      }
    }
  } catch (const pd::Error&) {
  }
  return 0;
}
