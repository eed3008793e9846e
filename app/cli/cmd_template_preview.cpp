// promptdesk-cli template preview: a template rendered per class with CLIP token counts.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/prompt_preview.h"
#include "promptdesk/template_set.h"
#include "promptdesk/tokenizer.h"

namespace {

struct PreviewArgs {
  std::vector<std::string> templates;
  std::string classes;
  std::string dataset;
  std::string set;
  int contextLength = pd::ClipTokenizer::kDefaultContextLength;
  bool json = false;
};

std::vector<std::string> splitClasses(const std::string& s) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == ',')
      out.emplace_back();
    else
      out.back() += c;
  }
  for (auto& name : out) {
    auto b = name.find_first_not_of(" \t"), e = name.find_last_not_of(" \t");
    name = b == std::string::npos ? "" : name.substr(b, e - b + 1);
  }
  return out;
}

pd::cli::Registrar reg("template", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& group = pd::cli::group(root, "template", "Prompt templates: check, preview, library");
  auto args = std::make_shared<PreviewArgs>();
  auto* cmd = group.add_subcommand(
      "preview", "Render CLIP templates for classes: text, token count, truncation, warnings");
  cmd->add_option("--template", args->templates, "template(s); default: the data set's set");
  cmd->add_option("--classes", args->classes, "comma-separated class names, e.g. \"cat,dog\"")
      ->required();
  cmd->add_option("--dataset", args->dataset,
                  "take templates and class aliases from the built-in library entry");
  cmd->add_option("--set", args->set, "template set of --dataset (default: its default set)");
  cmd->add_option("--context-length", args->contextLength, "the text encoder's context")
      ->check(CLI::Range(3, 4096))
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "one JSON object per row");
  cmd->callback([args, &out] {
    std::vector<std::string> names = splitClasses(args->classes);
    std::vector<std::string> sources = args->templates;
    const pd::DatasetPrompts* entry = nullptr;
    if (!args->dataset.empty()) {
      entry = &pd::TemplateLibrary::builtin().get(args->dataset);
      if (sources.empty()) sources = entry->set(args->set).templates;
      for (auto& n : names) n = entry->promptName(n);
    }
    if (sources.empty())
      throw CLI::ValidationError("template preview", "give --template or --dataset");
    pd::ClipTokenizer tok = pd::ClipTokenizer::fromDataDir();
    for (std::size_t t = 0; t < sources.size(); ++t) {
      pd::Template tmpl;
      try {
        tmpl = pd::Template::parse(sources[t]);
        tmpl.validate(pd::Family::Clip);
      } catch (const pd::Error& e) {
        throw pd::Error(e.what(), "template " + std::to_string(t + 1));
      }
      auto rows = pd::previewTemplate(tmpl, names, tok, args->contextLength);
      if (!args->json && sources.size() > 1) std::cout << "# " << sources[t] << "\n";
      for (const auto& r : rows) {
        if (args->json) {
          std::cout << nlohmann::json{{"template", sources[t]},   {"class", r.label},
                                      {"text", r.text},           {"tokens", r.tokenCount},
                                      {"truncated", r.truncated}, {"warning", r.warning}}
                           .dump()
                    << "\n";
        } else {
          std::cout << r.tokenCount << "\t" << (r.truncated ? "TRUNCATED" : "ok") << "\t" << r.text
                    << (r.warning.empty() ? "" : "\t! " + r.warning) << "\n";
        }
      }
    }
    out.code = 0;
  });
});

}  // namespace
