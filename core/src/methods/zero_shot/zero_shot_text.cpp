// Zero-shot text side: which templates a spec means, the prompts they render, class embeddings
// (with CLIP prompt ensembling) and scores from features.
#include <algorithm>

#include "methods/zero_shot/zero_shot.h"
#include "promptdesk/error.h"
#include "promptdesk/template.h"
#include "promptdesk/template_set.h"
#include "prompts/ensemble.h"

namespace pd {

namespace {

constexpr const char* kDefaultTemplate = "a photo of a {class}.";

const DatasetPrompts* lookup(const TemplateLibrary& lib, const std::string& name) {
  return name.empty() ? nullptr : lib.find(name);
}

}  // namespace

ResolvedPrompts resolveZeroShotPrompts(const ZeroShotSpec& spec, const std::string& datasetName) {
  ResolvedPrompts out;
  out.templates = spec.templates;
  if (!spec.templateSet.empty()) {
    TemplateLibrary lib = TemplateLibrary::builtin();
    if (!spec.templateLibrary.empty()) lib.merge(TemplateLibrary::load(spec.templateLibrary));
    const std::string& name = spec.templateSet;
    const DatasetPrompts* entry = nullptr;
    std::string setName;
    const auto slash = name.find('/');
    if (slash != std::string::npos) {
      entry = &lib.get(name.substr(0, slash));  // throws listing the known names
      setName = name.substr(slash + 1);
    } else if ((entry = lookup(lib, name)) != nullptr) {
      setName = "";  // the entry's default set
    } else if ((entry = lookup(lib, datasetName)) != nullptr) {
      setName = name;
    } else {
      throw Error("no template set '" + name +
                      "': give DATASET, DATASET/SET, or a set of the "
                      "library entry for this dataset ('" +
                      datasetName + "' has none)",
                  "--template-set");
    }
    const TemplateSet& set = entry->set(setName);  // throws listing the sets
    if (set.family != Family::Clip)
      throw Error("set '" + set.name + "' is for " + familyName(set.family) + " models, not CLIP",
                  entry->name + "/" + set.name);
    out.setName = entry->name + "/" + set.name;
    out.templates.insert(out.templates.end(), set.templates.begin(), set.templates.end());
    for (const auto& [cls, alias] : entry->classAliases) out.classAliases.emplace_back(cls, alias);
  }
  if (out.templates.empty()) out.templates.push_back(kDefaultTemplate);
  for (std::size_t i = 0; i < out.templates.size(); ++i) {
    try {
      Template::parse(out.templates[i]).validate(Family::Clip);
    } catch (const TemplateError& e) {
      throw Error(std::string(e.what()),
                  "template " + std::to_string(i) + " '" + out.templates[i] + "'");
    }
  }
  return out;
}

namespace methods {

std::vector<std::string> renderPrompts(const std::vector<std::string>& templates,
                                       const std::vector<std::string>& promptNames) {
  std::vector<std::string> prompts;
  prompts.reserve(templates.size() * promptNames.size());
  for (std::size_t t = 0; t < templates.size(); ++t) {
    const Template tmpl = Template::parse(templates[t]);
    tmpl.validate(Family::Clip);
    for (std::size_t c = 0; c < promptNames.size(); ++c) {
      try {
        prompts.push_back(renderClass(tmpl, promptNames[c]));
      } catch (const Error& e) {
        throw Error(e.what(), "template " + std::to_string(t) + ", class " + std::to_string(c) +
                                  " '" + promptNames[c] + "'");
      }
    }
  }
  return prompts;
}

at::Tensor classEmbeddings(models::ClipModel& model, const ClipTokenizer& tokenizer,
                           const std::vector<std::string>& templates,
                           const std::vector<std::string>& promptNames, int batchSize,
                           const BatchProgress& progress) {
  if (templates.empty()) throw Error("no templates", "zero-shot");
  if (promptNames.empty()) throw Error("no classes", "zero-shot");
  const std::vector<std::string> prompts = renderPrompts(templates, promptNames);
  const auto ctxLen = static_cast<int>(model.contextLength());
  const auto n = static_cast<std::int64_t>(prompts.size());
  at::Tensor tokens = at::zeros({n, ctxLen}, at::kLong);
  auto* tp = tokens.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    std::vector<int> ids;
    try {
      ids = tokenizer.tokenize(prompts[i], ctxLen, /*truncate=*/false);
    } catch (const Error& e) {
      throw Error(e.what(), "prompt '" + prompts[i] + "'");
    }
    std::copy(ids.begin(), ids.end(), tp + i * ctxLen);
  }
  const std::int64_t step = std::max(1, batchSize);
  std::vector<at::Tensor> parts;
  for (std::int64_t b = 0; b < n; b += step) {
    const std::int64_t e = std::min(n, b + step);
    parts.push_back(model.encode_text(tokens.slice(0, b, e), step));
    if (progress) progress(e, n);
  }
  at::Tensor feats = at::cat(parts, 0);  // [T*C, D]
  const auto t = static_cast<std::int64_t>(templates.size());
  const auto c = static_cast<std::int64_t>(promptNames.size());
  return prompts::ensembleClassEmbeddings(feats.reshape({t, c, feats.size(1)}));
}

at::Tensor zeroShotLogits(const models::ClipModel& model, const at::Tensor& imageFeatures,
                          const at::Tensor& classEmbeddings) {
  return model.logits(imageFeatures.to(at::kFloat), classEmbeddings.to(at::kFloat)).contiguous();
}

std::vector<ScoredItem> scoredItems(const at::Tensor& logits, const std::vector<ItemRef>& items) {
  if (logits.dim() != 2 || logits.size(0) != static_cast<std::int64_t>(items.size()))
    throw Error("logits do not match the items", "zero-shot");
  at::Tensor l = logits.to(at::kFloat).contiguous();
  const std::int64_t c = l.size(1);
  const float* p = l.data_ptr<float>();
  std::vector<ScoredItem> out(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    out[i].id = items[i].id;
    out[i].label = items[i].label;
    out[i].scores.assign(p + i * c, p + (i + 1) * c);
  }
  return out;
}

}  // namespace methods
}  // namespace pd
