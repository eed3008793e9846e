// The template language: parse, validate for each family, print, and render with a class name.
#include <cstdint>
#include <string>

#include "promptdesk/error.h"
#include "promptdesk/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string source(reinterpret_cast<const char*>(data), size);
  try {
    pd::Template t = pd::Template::parse(source);
    (void)t.toString();
    (void)t.softTokenCount();
    for (pd::Family f : {pd::Family::Clip, pd::Family::MaskedLM, pd::Family::CausalLM})
      (void)t.problems(f);
    pd::RenderInput in = pd::RenderInput::ofClass("T-shirt/top");
    in.textA = "a \xe2\x80\x9cquoted\xe2\x80\x9d sentence";
    in.textB = "second";
    (void)pd::render(t, in);
    (void)pd::renderClass(t, "dog");
  } catch (const pd::Error&) {
  }
  return 0;
}
