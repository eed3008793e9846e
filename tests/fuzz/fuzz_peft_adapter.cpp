// A PEFT adapter folder on arbitrary bytes: bytes 0-3 (little-endian) give the length n of
// adapter_config.json, the next n bytes are it and the rest is adapter_model.safetensors (an
// empty rest: no weights file). pd::io::parsePeftAdapter reads and type-checks both; then every
// parsed field is used the way readPeftAdapter uses it (sizes, strings, nested id lists, the
// tensors' shapes).
#include <ATen/ATen.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_util.h"
#include "io/peft_adapter.h"
#include "promptdesk/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  std::uint32_t n = 0;
  std::memcpy(&n, data, 4);
  const size_t cfgLen = std::min<size_t>(n, size - 4);
  const std::filesystem::path dir = pd_fuzz::freshDir("peft");
  pd_fuzz::writeFile(dir / "adapter_config.json", data + 4, cfgLen);
  if (size - 4 - cfgLen > 0)
    pd_fuzz::writeFile(dir / "adapter_model.safetensors", data + 4 + cfgLen, size - 4 - cfgLen);
  try {
    const pd::io::PeftAdapterFile f = pd::io::parsePeftAdapter(dir.string());
    std::int64_t sum = f.numVirtualTokens.value_or(0) + f.tokenDim.value_or(0) +
                       f.numLayers.value_or(0) + f.numAttentionHeads.value_or(0);
    sum += static_cast<std::int64_t>(f.peftType.size() + f.method.size() + f.head.size() +
                                     f.options.dump().size());
    for (const auto& c : f.classes) sum += static_cast<std::int64_t>(c.size());
    for (const auto& cls : f.labelWordIds)
      for (const auto& w : cls)
        for (int id : w) sum += id;
    for (const auto& [k, t] : f.weights.tensors) sum += t.numel() + static_cast<std::int64_t>(k.size());
    (void)sum;
  } catch (const pd::Error&) {
  }
  return 0;
}
