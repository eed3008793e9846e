// Image decoding (PNG/JPEG by signature, EXIF orientation) and CLIP preprocessing. The pixel limit
// is 4 megapixels here so a header claiming a huge image is refused (as in the app, with its larger
// default) and the fuzzer does not spend its time resizing big images.
#include <cstdint>
#include <string>
#include <vector>

#include "data/image_decode.h"
#include "fuzz_util.h"
#include "promptdesk/error.h"
#include "promptdesk/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path file = pd_fuzz::freshDir("image") / "image.bin";
  const std::vector<uint8_t> bytes(data, data + size);
  pd::ImageDecodeOptions opt;
  opt.maxPixels = 4'000'000;
  try {
    if (pd::data::isPng(bytes))
      (void)pd::data::probePng(bytes, "fuzz.png");
    else if (pd::data::isJpeg(bytes))
      (void)pd::data::probeJpeg(bytes, "fuzz.jpg");
  } catch (const pd::Error&) {
  }
  try {
    pd::data::DecodedImage im = pd::data::isPng(bytes)
                                    ? pd::data::decodePng(bytes, "fuzz.png", opt)
                                    : pd::data::decodeJpeg(bytes, "fuzz.jpg", opt);
    if (im.pixels.size() != size_t(im.width) * im.height * im.channels) __builtin_trap();
  } catch (const pd::Error&) {
  }
  // The public path: probe + decode + resize/crop/normalise from a file.
  pd_fuzz::writeFile(file, data, size);
  try {
    (void)pd::probeImage(file.string());
    std::vector<float> v = pd::preprocessImageFileForClip(file.string(), 32, opt);
    if (v.size() != 3u * 32 * 32) __builtin_trap();
  } catch (const pd::Error&) {
  }
  return 0;
}
