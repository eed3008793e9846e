// PEFT adapter folders: what HF PEFT's save_pretrained writes for prompt-learning methods
// (adapter_model.safetensors with the key "prompt_embeddings": the virtual-token embeddings for
// PROMPT_TUNING / P_TUNING, the flattened per-layer key/values [P, 2*L*D] for PREFIX_TUNING; and
// adapter_config.json with the method's config fields), written from a run's
// learned.safetensors, and read back: a PEFT prompt folder becomes our prompt-tuning method (the
// embeddings are what PEFT prepends at inference) or prefix-tuning without projection (the
// key/values), checked against the model's sizes.
#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "io/json_limits.h"
#include "io/peft_adapter.h"
#include "io/safetensors.h"
#include "methods/common/method.h"
#include "methods/text_common/text_method.h"
#include "models/text_lm.h"
#include "promptdesk/error.h"
#include "promptdesk/methods.h"
#include "promptdesk/text_methods.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace pd {

PeftExportResult exportPeftAdapter(const std::string& learnedFile, const std::string& outDir) {
  const io::StateDict sd = io::readSafetensors(learnedFile);
  auto meta = [&](const char* k) {
    auto it = sd.metadata.find(k);
    if (it == sd.metadata.end())
      throw Error(std::string("not a learned-parameters file of PromptDesk (no ") + k +
                      " in its metadata)",
                  learnedFile);
    return it->second;
  };
  const std::string method = meta("method");
  json config;
  try {
    config = json::parse(meta("peft_config"));
  } catch (const json::exception& e) {
    throw Error(std::string("peft_config metadata is not JSON: ") + e.what(), learnedFile);
  }
  std::map<std::string, at::Tensor> tensors;
  for (const auto& [k, v] : sd.tensors)
    if (k.rfind("peft.", 0) == 0) tensors[k.substr(5)] = v;
  if (!config.is_object() || config.empty()) {
    // Not a PEFT method: our own type, the tensors under their reference (HF) names.
    config = json::object();
    std::string type = method;
    for (auto& ch : type) ch = ch == '-' ? '_' : static_cast<char>(std::toupper(ch));
    config["peft_type"] = "PROMPTDESK_" + type;
  }
  if (tensors.empty())
    for (const auto& [k, v] : sd.tensors)
      if (k.rfind("peft.", 0) != 0) tensors[k] = v;
  config["promptdesk_method"] = method;
  try {
    config["promptdesk_options"] = json::parse(meta("options"));
    if (sd.metadata.count("classes")) config["promptdesk_classes"] = json::parse(sd.metadata.at("classes"));
    if (sd.metadata.count("label_word_ids"))
      config["promptdesk_label_word_ids"] = json::parse(sd.metadata.at("label_word_ids"));
  } catch (const json::exception& e) {
    throw Error(std::string("options / classes / label_word_ids metadata is not JSON: ") + e.what(),
                learnedFile);
  }
  config["promptdesk_head"] = sd.metadata.count("head") ? sd.metadata.at("head") : "";
  if (!config.contains("base_model_name_or_path"))
    config["base_model_name_or_path"] =
        sd.metadata.count("model_path") ? sd.metadata.at("model_path") : "";
  if (!config.contains("inference_mode")) config["inference_mode"] = true;
  if (!config.contains("revision")) config["revision"] = nullptr;
  fs::create_directories(outDir);
  io::writeSafetensors((fs::path(outDir) / "adapter_model.safetensors").string(), tensors,
                       {{"format", "pt"}});
  const std::string cfgPath = (fs::path(outDir) / "adapter_config.json").string();
  {
    const std::string tmp = cfgPath + ".tmp";
    std::ofstream out(tmp, std::ios::binary);
    out << config.dump(2) << "\n";
    out.close();
    if (!out) throw Error("cannot write", tmp);
    fs::rename(tmp, cfgPath);
  }
  PeftExportResult r;
  r.dir = outDir;
  r.peftType = io::stringOr(config, "peft_type");
  for (const auto& [k, v] : tensors) r.tensors.push_back(k);
  return r;
}

PeftReadResult readPeftAdapter(const std::string& dir, const std::string& modelPath) {
  const io::PeftAdapterFile f = io::parsePeftAdapter(dir);
  const std::string& cfgPath = f.configPath;
  const std::string& stPath = f.weightsPath;
  const io::StateDict& sd = f.weights;
  std::shared_ptr<models::TextLM> model = models::loadTextModel(modelPath);
  const models::TextModelConfig& mc = model->config();
  PeftReadResult r;
  r.peftType = f.peftType;
  r.configJson = f.config.dump();
  for (const auto& [k, v] : sd.tensors) r.shapes[k] = std::vector<long long>(v.sizes().begin(), v.sizes().end());
  auto check = [&](const char* k, const std::optional<std::int64_t>& have, std::int64_t want) {
    if (have && *have != want)
      throw Error(std::string(k) + " is " + std::to_string(*have) + " but the model has " +
                      std::to_string(want),
                  cfgPath + ": " + k);
  };
  check("token_dim", f.tokenDim, mc.hidden);
  check("num_layers", f.numLayers, mc.layers);
  check("num_attention_heads", f.numAttentionHeads, mc.heads);

  json options = json::object();
  std::map<std::string, at::Tensor> tensors;
  if (r.peftType == "PROMPT_TUNING" || r.peftType == "P_TUNING" || r.peftType == "PREFIX_TUNING") {
    auto pit = sd.tensors.find("prompt_embeddings");
    if (pit == sd.tensors.end())
      throw Error("a " + r.peftType + " adapter has no tensor prompt_embeddings", stPath);
    const at::Tensor pe = pit->second;
    if (!f.numVirtualTokens || *f.numVirtualTokens == 0)
      throw Error("adapter_config.json has no num_virtual_tokens (an integer > 0)",
                  cfgPath + ": num_virtual_tokens");
    const std::int64_t p = *f.numVirtualTokens;
    const std::int64_t width = r.peftType == "PREFIX_TUNING" ? 2 * mc.layers * mc.hidden : mc.hidden;
    if (pe.dim() != 2 || pe.size(0) != p || pe.size(1) != width)
      throw Error("prompt_embeddings is " + models::shapeText(pe.sizes()) + ", expected [" +
                      std::to_string(p) + ", " + std::to_string(width) + "]",
                  stPath);
    options["num_virtual_tokens"] = p;
    if (r.peftType == "PREFIX_TUNING") {
      r.method = "prefix-tuning";
      options["prefix_projection"] = false;
    } else {
      r.method = "prompt-tuning";
    }
    tensors["embedding.weight"] = pe;
  } else {
    if (f.method.empty())
      throw Error("peft_type '" + r.peftType +
                      "' is not one PromptDesk reads (PROMPT_TUNING, P_TUNING, PREFIX_TUNING, or "
                      "a PromptDesk export with promptdesk_method)",
                  cfgPath + ": peft_type");
    r.method = f.method;
    options = f.options;
    tensors = sd.tensors;
  }
  const methods::MethodEntry& entry = methods::methodEntry(r.method);
  if (!entry.makeText) throw Error("'" + r.method + "' is not a text method", cfgPath);
  const ResolvedMethod rm = resolveMethod(r.method, options.dump(), cfgPath);
  std::unique_ptr<methods::TextMethod> method = entry.makeText(json::parse(rm.optionsJson));
  methods::TextBackbone b;
  b.model = model;
  b.modelPath = modelPath;
  methods::TextTaskSpec task;
  task.head = "lm";  // no head tensors: the adaptation alone is checked
  try {
    method->setup(b, task);
  } catch (const Error&) {
    // A head-only method (linear, MLP-k): its recorded head over its recorded classes.
    task.head = f.head;
    const auto& kinds = textHeadChoices();
    if (std::find(kinds.begin(), kinds.end(), task.head) == kinds.end()) task.head.clear();
    task.classNames = f.classes;
    task.labelWordIds = f.labelWordIds;
    method = entry.makeText(json::parse(rm.optionsJson));
    method->setup(b, task);
    method->loadLearned(tensors, stPath);
    return r;
  }
  // Head tensors (classifier.*, pooler.*, head_*) are not part of the adaptation.
  std::map<std::string, at::Tensor> adaptation;
  std::set<std::string> own;
  for (const auto& n : method->trainable()) own.insert(n.name);
  for (const auto& [k, v] : tensors)
    if (own.count(k) || !(k.rfind("classifier.", 0) == 0 || k.rfind("pooler.", 0) == 0 ||
                          k.rfind("head.", 0) == 0 || k.rfind("head_", 0) == 0))
      adaptation[k] = v;
  method->loadLearned(adaptation, stPath);
  return r;
}

}  // namespace pd
