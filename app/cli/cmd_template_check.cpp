// promptdesk-cli template check: parse and validate a template, print its parts or the error.
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/template.h"

namespace {

struct CheckArgs {
  std::string source;
  std::string family;  // empty: guessed from the placeholders
  bool json = false;
};

// The source line of the error with a caret under the column (columns are code points).
void showCaret(const std::string& source, int line, int column) {
  std::istringstream in(source);
  std::string text;
  for (int i = 0; i < line && std::getline(in, text);) ++i;
  std::cerr << "  " << text << "\n  ";
  int col = 1;
  for (unsigned char c : text) {
    if (col >= column) break;
    if ((c & 0xC0) != 0x80) {
      std::cerr << (c == '\t' ? '\t' : ' ');
      ++col;
    }
  }
  std::cerr << "^\n";
}

std::string partDetail(const pd::TemplatePart& p) {
  switch (p.kind) {
    case pd::PartKind::Text:
      return nlohmann::json(p.text).dump();
    case pd::PartKind::Soft:
      return p.count > 0 ? std::to_string(p.count) + " learnable vectors"
                         : "learnable, initialised from " + nlohmann::json(p.text).dump();
    case pd::PartKind::Trigger:
      return std::to_string(p.count) + " trigger tokens";
    default:
      return "";
  }
}

pd::Family guessFamily(const pd::Template& t) {
  if (t.has(pd::PartKind::Class)) return pd::Family::Clip;
  if (t.has(pd::PartKind::Mask)) return pd::Family::MaskedLM;
  if (t.has(pd::PartKind::Input) || t.has(pd::PartKind::InputA) || t.has(pd::PartKind::Label))
    return pd::Family::CausalLM;
  return pd::Family::Clip;
}

pd::cli::Registrar reg("template", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& group = pd::cli::group(root, "template", "Prompt templates: check, preview, library");
  auto args = std::make_shared<CheckArgs>();
  auto* cmd = group.add_subcommand(
      "check", "Parse and validate a template; print its parts, or the error with line:column");
  cmd->add_option("template", args->source,
                  "the template, e.g. \"a photo of a {class}.\" (use $'..\\n..' for new lines)")
      ->required();
  cmd->add_option(
         "--family", args->family,
         "model family (default: guessed: {mask} -> mlm, {text}/{label} -> clm, else clip)")
      ->check(CLI::IsMember({"clip", "mlm", "clm"}));
  cmd->add_flag("--json", args->json, "print the parts as one JSON object");
  cmd->callback([args, &out] {
    pd::Template t;
    std::vector<std::string> problems;
    pd::Family family = pd::Family::Clip;
    try {
      t = pd::Template::parse(args->source);
      family = args->family.empty() ? guessFamily(t) : pd::parseFamily(args->family);
      problems = t.problems(family);
      t.validate(family);
    } catch (const pd::TemplateError& e) {
      if (e.line() > 0) showCaret(args->source, e.line(), e.column());
      for (std::size_t i = 1; i < problems.size(); ++i)
        std::cerr << "  also: " << problems[i] << "\n";
      throw;
    }
    if (args->json) {
      nlohmann::json parts = nlohmann::json::array();
      for (const auto& p : t.parts()) {
        nlohmann::json j = {
            {"kind", pd::partKindName(p.kind)}, {"line", p.line}, {"column", p.column}};
        if (!p.text.empty()) j["text"] = p.text;
        if (p.count > 0) j["count"] = p.count;
        parts.push_back(j);
      }
      std::cout << nlohmann::json{{"valid", true},
                                  {"family", pd::familyName(family)},
                                  {"canonical", t.toString()},
                                  {"soft_tokens", t.softTokenCount()},
                                  {"parts", parts}}
                       .dump()
                << "\n";
    } else {
      for (const auto& p : t.parts()) {
        std::string pos = std::to_string(p.line) + ":" + std::to_string(p.column);
        std::string kind = pd::partKindName(p.kind);
        const std::string detail = partDetail(p);
        std::cout << pos << std::string(pos.size() < 7 ? 7 - pos.size() : 1, ' ') << kind;
        if (!detail.empty())
          std::cout << std::string(kind.size() < 14 ? 14 - kind.size() : 1, ' ') << detail;
        std::cout << "\n";
      }
      std::cout << "ok: a valid " << pd::familyName(family) << " template (" << t.parts().size()
                << " parts" << (args->family.empty() ? "; family guessed, pass --family" : "")
                << ")\n";
    }
    out.code = 0;
  });
});

}  // namespace
