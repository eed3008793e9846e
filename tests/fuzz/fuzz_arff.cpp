// Weka ARFF: the parser (data::parseArff) on the bytes, then the same bytes as an ARFF text
// dataset (openDataset("arff:...")); byte 0 picks the column/class options, the rest is the file.
#include <cstdint>
#include <string>

#include "data/arff_reader.h"
#include "fuzz_util.h"
#include "promptdesk/dataset.h"
#include "promptdesk/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const std::filesystem::path dir = pd_fuzz::freshDir("arff");
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const pd::data::ArffFile f = pd::data::parseArff(text, "fuzz.arff");
    for (const auto& row : f.rows)
      if (row.error.empty() && (row.values.size() != f.attributes.size() ||
                                row.missing.size() != f.attributes.size()))
        __builtin_trap();  // a row without an error has one value per attribute
  } catch (const pd::Error&) {
  }
  const auto file = dir / "data.arff";
  pd_fuzz::writeFile(file, data + 1, size - 1);
  pd::DatasetOptions opt;
  opt.inspect = (data[0] & 0x01) != 0;
  if (data[0] & 0x02) opt.textColumn = "0";
  if (data[0] & 0x04) opt.labelColumn = "class";
  if (data[0] & 0x08) opt.text2Column = "1";
  if (data[0] & 0x10) opt.labelNames = {"0=other", "1=grain"};
  if (data[0] & 0x20) opt.labelNames = {"negative", "positive"};
  try {
    auto ds = pd::openDataset("arff:" + file.string(), opt);
    pd::DatasetInfo info = ds->info();
    for (const auto& split : ds->splitNames())
      for (const auto& item : ds->items(split)) (void)ds->contentHash(item);
  } catch (const pd::Error&) {
  }
  return 0;
}
