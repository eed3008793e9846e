#pragma once
// Prompt preview: how a template renders for each class (or sample item), how many tokens the
// model sees, and whether the context window cuts it.
#include <string>
#include <vector>

#include "promptdesk/template.h"

namespace pd {

class ClipTokenizer;

struct PreviewRow {
  std::string label;       // the class name (or the item's text) the row is for
  std::string text;        // the rendered prompt ("" when it could not be rendered)
  int tokenCount = 0;      // tokens the model sees, start/end markers included
  bool truncated = false;  // tokenCount > contextLength: the end is cut
  std::string warning;     // "" when all is well; e.g. the class name is cut off, empty class
};

// One row per class name. `tokenize` returns ids without start/end markers; `specialTokens` of
// them are added (2 for CLIP: <|startoftext|> and <|endoftext|>). Never throws for a bad class
// name: the row carries the warning instead.
std::vector<PreviewRow> previewTemplate(const Template& tmpl,
                                        const std::vector<std::string>& classNames,
                                        const TokenizeFn& tokenize, int contextLength = 77,
                                        int specialTokens = 2, const RenderOptions& options = {});
// One row per sample item (text/text_a/text_b/label word filled from the item). A separate name
// so that a braced list of strings is never ambiguous.
std::vector<PreviewRow> previewTemplateItems(const Template& tmpl,
                                             const std::vector<RenderInput>& items,
                                             const TokenizeFn& tokenize, int contextLength = 77,
                                             int specialTokens = 2,
                                             const RenderOptions& options = {});
// CLIP's tokenizer (context 77, start/end markers counted).
std::vector<PreviewRow> previewTemplate(const Template& tmpl,
                                        const std::vector<std::string>& classNames,
                                        const ClipTokenizer& tokenizer, int contextLength = 77);

}  // namespace pd
