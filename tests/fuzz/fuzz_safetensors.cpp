// safetensors: header length, JSON header, tensor table (dtype, shape, data_offsets) and data.
#include <cstdint>
#include <string>

#include "io/safetensors.h"
#include "promptdesk/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    pd::io::StateDict sd = pd::io::readSafetensorsBytes(bytes, "fuzz.safetensors");
    // Touch every tensor so a wrong size/offset shows up under ASan.
    for (const auto& [name, t] : sd.tensors)
      if (t.numel() > 0) (void)t.sum().item<double>();
  } catch (const pd::Error&) {
  }
  return 0;
}
