// Prompt preview with CLIP's BPE tokenizer.
#include "promptdesk/prompt_preview.h"
#include "promptdesk/tokenizer.h"

namespace pd {

std::vector<PreviewRow> previewTemplate(const Template& tmpl,
                                        const std::vector<std::string>& classNames,
                                        const ClipTokenizer& tokenizer, int contextLength) {
  TokenizeFn fn = [&tokenizer](const std::string& text) { return tokenizer.encode(text); };
  return previewTemplate(tmpl, classNames, fn, contextLength, 2);
}

}  // namespace pd
