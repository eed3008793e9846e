// Per-family validation of templates, and class-name checks.
#include <map>

#include "promptdesk/template.h"
#include "prompts/utf8_util.h"

namespace pd {

namespace {

struct Problem {
  std::string message;
  int line = 0, column = 0;
};

const TemplatePart* nth(const std::vector<TemplatePart>& parts, PartKind kind, int n) {
  for (const TemplatePart& p : parts)
    if (p.kind == kind && n-- == 0) return &p;
  return nullptr;
}

std::vector<Problem> collect(const Template& t, Family family) {
  std::vector<Problem> out;
  const auto& parts = t.parts();
  auto at = [&](const TemplatePart& p, const std::string& msg) {
    out.push_back({msg, p.line, p.column});
  };
  auto whole = [&](const std::string& msg) { out.push_back({msg, 0, 0}); };

  bool content = false;
  for (const TemplatePart& p : parts)
    content |= p.kind != PartKind::Text || !prompts::isBlank(p.text);
  if (!content) {
    whole("the template is empty");
    return out;
  }

  // Placeholders that do not belong to the family, in source order.
  for (const TemplatePart& p : parts) {
    switch (p.kind) {
      case PartKind::Class:
        if (family != Family::Clip)
          at(p, std::string("{class} is for CLIP templates; a ") +
                    (family == Family::MaskedLM
                         ? "masked LM predicts the class at {mask}"
                         : "causal LM predicts the label word after the prompt") +
                    " through the verbalizer");
        break;
      case PartKind::Input:
      case PartKind::InputA:
      case PartKind::InputB:
        if (family == Family::Clip)
          at(p, std::string("{") + partKindName(p.kind) +
                    "} is for language-model templates; a CLIP template describes the class with "
                    "{class}");
        break;
      case PartKind::Mask:
        if (family == Family::Clip)
          at(p, "{mask} is for masked-LM templates; a CLIP template names the class with {class}");
        else if (family == Family::CausalLM)
          at(p,
             "a causal LM has no {mask}: end the template where the label word goes, or write "
             "{label}");
        break;
      case PartKind::Label:
        if (family != Family::CausalLM)
          at(p, std::string("{label} is for causal-LM templates; a ") +
                    (family == Family::Clip ? "CLIP template uses {class}"
                                            : "masked-LM template uses {mask}"));
        break;
      default:
        break;
    }
  }

  if (family == Family::Clip) {
    if (!t.has(PartKind::Class))
      whole("a CLIP template needs {class} (e.g. \"a photo of a {class}.\")");
    return out;
  }

  // Language models: the input text.
  const bool single = t.has(PartKind::Input), pairA = t.has(PartKind::InputA),
             pairB = t.has(PartKind::InputB);
  if (single && (pairA || pairB))
    at(*nth(parts, pairA ? PartKind::InputA : PartKind::InputB, 0),
       "do not mix {text} with {text_a}/{text_b}: use {text} for one sentence, {text_a} and "
       "{text_b} for pairs");
  if (pairB && !pairA) at(*nth(parts, PartKind::InputB, 0), "{text_b} needs {text_a}");
  if (!single && !pairA && !pairB)
    whole(std::string("a ") + (family == Family::MaskedLM ? "masked" : "causal") +
          "-LM template needs the input: {text} (or {text_a}/{text_b} for sentence pairs)");

  if (family == Family::MaskedLM) {
    int masks = t.count(PartKind::Mask);
    if (masks == 0)
      whole("a masked-LM (cloze) template needs {mask} (e.g. \"{text} It was {mask}.\")");
    if (masks > 1)
      at(*nth(parts, PartKind::Mask, 1),
         "a second {mask}: the verbalizer reads one position, write one {mask}");
  } else {
    if (t.count(PartKind::Label) > 1)
      at(*nth(parts, PartKind::Label, 1), "a second {label}: write {label} at most once");
  }
  return out;
}

}  // namespace

void Template::validate(Family family) const {
  auto found = collect(*this, family);
  if (!found.empty()) throw TemplateError(found[0].message, found[0].line, found[0].column);
}

std::vector<std::string> Template::problems(Family family) const {
  std::vector<std::string> out;
  for (const Problem& p : collect(*this, family))
    out.push_back(p.line > 0
                      ? std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + p.message
                      : p.message);
  return out;
}

void validateClassNames(const std::vector<std::string>& classNames) {
  if (classNames.empty()) throw Error("no class names given", "classes");
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < classNames.size(); ++i) {
    const std::string ctx = "class " + std::to_string(i);
    if (prompts::isBlank(classNames[i]))
      throw Error(
          std::string("empty class name") + (i > 0 ? " (after '" + classNames[i - 1] + "')" : ""),
          ctx);
    std::string key = prompts::trimmed(classNames[i]);
    auto [it, fresh] = seen.emplace(key, i);
    if (!fresh)
      throw Error("class name '" + key + "' repeats class " + std::to_string(it->second),
                  ctx + " '" + key + "'");
  }
}

}  // namespace pd
