// Prompt preview rows: rendered text, token counts, truncation and warnings.
#include "promptdesk/prompt_preview.h"

#include <map>

#include "prompts/utf8_util.h"

namespace pd {

namespace {

// The kinds whose loss to truncation breaks the prompt.
const char* vitalName(PartKind k) {
  switch (k) {
    case PartKind::Class:
      return "the class name";
    case PartKind::Mask:
      return "the mask";
    case PartKind::Label:
      return "the label word";
    case PartKind::Soft:
      return "learnable vectors";
    default:
      return nullptr;
  }
}

PreviewRow previewOne(const Template& tmpl, const RenderInput& in, const std::string& label,
                      const TokenizeFn& tokenize, int contextLength, int specialTokens,
                      const RenderOptions& options) {
  PreviewRow row;
  row.label = label;
  Rendered r;
  try {
    r = render(tmpl, in, options, tokenize);
  } catch (const Error& e) {
    row.warning = e.what();
    return row;
  }
  row.text = r.text;
  const int content = static_cast<int>(r.tokens.size());
  row.tokenCount = content + specialTokens;
  const int room = contextLength - specialTokens;
  if (row.tokenCount > contextLength) {
    row.truncated = true;
    row.warning = std::to_string(row.tokenCount) + " tokens, the context holds " +
                  std::to_string(contextLength) + ": the last " + std::to_string(content - room) +
                  " are cut";
    for (const RenderedSpan& s : r.spans) {
      const char* what = vitalName(s.kind);
      if (what && s.tokenEnd > room && s.tokenEnd > s.tokenBegin) {
        row.warning += std::string(", including ") + what + "!";
        break;
      }
    }
  }
  return row;
}

void flagDuplicates(std::vector<PreviewRow>& rows) {
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].text.empty()) continue;
    auto [it, fresh] = seen.emplace(rows[i].text, i);
    if (fresh) continue;
    std::string w =
        "same prompt as '" + rows[it->second].label + "': the classes cannot be told apart";
    rows[i].warning = rows[i].warning.empty() ? w : rows[i].warning + "; " + w;
  }
}

}  // namespace

std::vector<PreviewRow> previewTemplate(const Template& tmpl,
                                        const std::vector<std::string>& classNames,
                                        const TokenizeFn& tokenize, int contextLength,
                                        int specialTokens, const RenderOptions& options) {
  if (!tokenize) throw Error("no tokenizer given", "preview");
  std::vector<PreviewRow> rows;
  for (std::size_t i = 0; i < classNames.size(); ++i) {
    rows.push_back(previewOne(tmpl, RenderInput::ofClass(classNames[i]), classNames[i], tokenize,
                              contextLength, specialTokens, options));
    if (prompts::isBlank(classNames[i]))
      rows.back().warning = "class " + std::to_string(i) + ": empty class name";
  }
  flagDuplicates(rows);
  return rows;
}

std::vector<PreviewRow> previewTemplateItems(const Template& tmpl,
                                             const std::vector<RenderInput>& items,
                                             const TokenizeFn& tokenize, int contextLength,
                                             int specialTokens, const RenderOptions& options) {
  if (!tokenize) throw Error("no tokenizer given", "preview");
  std::vector<PreviewRow> rows;
  for (const RenderInput& in : items) {
    std::string label = !in.className.empty() ? in.className
                        : !in.text.empty()    ? in.text
                                              : in.textA;
    rows.push_back(previewOne(tmpl, in, label, tokenize, contextLength, specialTokens, options));
  }
  return rows;
}

}  // namespace pd
