// Text datasets: the first byte picks CSV, TSV or JSONL (and a label/text column option), the
// rest is the file.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "promptdesk/dataset.h"
#include "promptdesk/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const std::filesystem::path dir = pd_fuzz::freshDir("text");
  static const char* kinds[] = {"csv", "tsv", "jsonl"};
  const std::string kind = kinds[data[0] % 3];
  const auto file = dir / ("data." + kind);
  pd_fuzz::writeFile(file, data + 1, size - 1);
  pd::DatasetOptions opt;
  if (data[0] & 0x04) opt.textColumn = "1";
  if (data[0] & 0x08) opt.labelColumn = "label";
  if (data[0] & 0x10) opt.text2Column = "sentence2";
  if (data[0] & 0x20) opt.labelNames = {"negative", "positive"};
  if (data[0] & 0x40) opt.inspect = true;  // open despite refused items (unknown labels)
  if (data[0] & 0x80) opt.labelNames = {"0=negative", "1=positive"};
  try {
    auto ds = pd::openDataset(kind + ":" + file.string(), opt);
    pd::DatasetInfo info = ds->info();
    for (const auto& split : ds->splitNames())
      for (const auto& item : ds->items(split)) (void)ds->contentHash(item);
  } catch (const pd::Error&) {
  }
  return 0;
}
