// Template-set JSON (a prompt library: datasets, class aliases, named sets of templates).
#include <cstdint>
#include <string>

#include "promptdesk/error.h"
#include "promptdesk/template.h"
#include "promptdesk/template_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    pd::TemplateLibrary lib = pd::TemplateLibrary::fromJson(text, "fuzz.json");
    const std::string again = lib.toJson();
    pd::TemplateLibrary back = pd::TemplateLibrary::fromJson(again, "fuzz-roundtrip.json");
    for (const auto& d : back.datasets())
      for (const auto& s : d.sets) (void)s.parsed();
  } catch (const pd::Error&) {
  }
  return 0;
}
