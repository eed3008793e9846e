// runTextStep: one forward + backward of a registered text method on a golden case, with the
// golden files' names as the interface (methods/README.md of the fixtures): in.* inputs, param.*
// trainable tensors under the reference names, frozen.* extra frozen weights, the JSON's
// "config" (PEFT's field names); out.* outputs and grad.* gradients are written, and with
// `compare` checked against the golden at the fixtures' recommended tolerances.
#include <ATen/ATen.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include "io/safetensors.h"
#include "methods/common/method.h"
#include "methods/text_common/text_head.h"
#include "methods/text_common/text_method.h"
#include "models/text_lm.h"
#include "promptdesk/error.h"
#include "promptdesk/methods.h"
#include "promptdesk/text_methods.h"
#include "io/json_limits.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace pd {
namespace {

json readJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read", path);
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw Error(std::string("invalid JSON: ") + e.what(), path);
  }
}

at::Tensor take(const io::StateDict& sd, const std::string& key, std::set<std::string>& used) {
  if (!sd.has(key)) return {};
  used.insert(key);
  return sd.tensors.at(key);
}

// Rows/positions to compare: tensors whose leading dims are (N, T) of a mask compare only where
// it is 1 (padding outputs are unspecified).
at::Tensor validMask(const at::Tensor& t, const std::vector<at::Tensor>& masks) {
  for (const auto& m : masks) {
    if (!m.defined() || t.dim() < 2 || m.dim() != 2) continue;
    if (t.size(0) == m.size(0) && t.size(1) == m.size(1)) {
      at::Tensor v = m.to(at::kBool);
      for (int64_t d = 2; d < t.dim(); ++d) v = v.unsqueeze(-1);
      return v.expand(t.sizes());
    }
  }
  return {};
}

TextStepComparison compareTensor(const std::string& name, const at::Tensor& ours,
                                 const at::Tensor& golden, const std::vector<at::Tensor>& masks,
                                 const std::set<std::string>& absoluteOnly) {
  TextStepComparison c;
  c.name = name;
  if (!ours.defined()) {
    c.ok = false;
    c.note = "missing in ours";
    return c;
  }
  if (ours.sizes() != golden.sizes()) {
    c.ok = false;
    c.note = "shape " + models::shapeText(ours.sizes()) + " vs golden " +
             models::shapeText(golden.sizes());
    return c;
  }
  at::Tensor a = ours.to(at::kDouble), b = golden.to(at::kDouble);
  if (!at::isFloatingType(golden.scalar_type())) {
    c.ok = at::equal(a, b);
    c.maxAbsDiff = c.ok ? 0 : (a - b).abs().max().item<double>();
    c.note = "exact";
    return c;
  }
  at::Tensor diff = (a - b).abs();
  at::Tensor allowed;
  const bool isGrad = name.rfind("grad.", 0) == 0;
  if (isGrad) {
    // |a - b| <= 1e-6 + 1e-4 max|b| + 1e-3 |b| per tensor (absolute only for exactly-zero grads).
    const double maxB = b.numel() ? b.abs().max().item<double>() : 0;
    if (absoluteOnly.count(name.substr(5))) allowed = at::full_like(b, 1e-6);
    else allowed = 1e-6 + 1e-4 * maxB + 1e-3 * b.abs();
  } else if (name == "out.loss") {
    allowed = 1e-5 + 1e-5 * b.abs();
  } else {
    allowed = 1e-4 + 1e-4 * b.abs();
  }
  at::Tensor valid = isGrad ? at::Tensor() : validMask(golden, masks);
  if (valid.defined()) {
    diff = diff.masked_select(valid);
    allowed = allowed.masked_select(valid);
  }
  if (diff.numel() == 0) return c;
  c.maxAbsDiff = diff.max().item<double>();
  at::Tensor ratio = diff / allowed;
  const int64_t worst = ratio.argmax().item<int64_t>();
  c.allowed = allowed.reshape({-1})[worst].item<double>();
  c.ok = ratio.max().item<double>() <= 1.0 && !std::isnan(c.maxAbsDiff);
  return c;
}

}  // namespace

TextStepResult runTextStep(const TextStepRequest& r) {
  TextStepResult res;
  res.method = r.method;
  const methods::MethodEntry& entry = methods::methodEntry(r.method);
  if (!entry.makeText) {
    std::string fams;
    for (const auto& f : entry.info.families) fams += (fams.empty() ? "" : ", ") + f;
    throw Error("method '" + r.method + "' is not a text method (it works on: " + fams + ")",
                "method");
  }
  const io::StateDict golden = io::readSafetensors(r.goldenPath);

  // The config: golden.json's "config", or a bare object.
  json file = r.configPath.empty() ? json::object() : readJsonFile(r.configPath);
  json cfg = file.contains("config") && file["config"].is_object() ? file["config"] : file;
  if (!cfg.is_object()) throw Error("the config must be a JSON object", r.configPath);

  std::string modelPath = r.modelPath;
  if (modelPath.empty()) {
    if (!file.contains("model_dir") || !file["model_dir"].is_string())
      throw Error("no --model given and the config has no model_dir", r.configPath);
    modelPath = (fs::path(r.configPath).parent_path() / file["model_dir"].get<std::string>())
                    .lexically_normal()
                    .string();
  }
  std::shared_ptr<models::TextLM> model = models::loadTextModel(modelPath);
  const models::TextModelConfig& mc = model->config();
  res.family = mc.family;

  // Fields the runner checks against the model (PEFT's names), then the method's own options.
  const std::map<std::string, std::int64_t> modelFacts{
      {"token_dim", mc.hidden}, {"num_layers", mc.layers}, {"num_attention_heads", mc.heads}};
  std::set<std::string> declared;
  for (const auto& o : entry.info.options) declared.insert(o.name);
  json options = json::object();
  for (auto it = cfg.begin(); it != cfg.end(); ++it) {
    const std::string& k = it.key();
    if (it.value().is_null()) {  // PEFT writes null for unused fields (encoder_hidden_size)
      res.configIgnored.push_back(k);
      continue;
    }
    auto f = modelFacts.find(k);
    if (f != modelFacts.end() && it.value().is_number_integer()) {
      if (it.value().get<std::int64_t>() != f->second)
        throw Error(k + " is " + std::to_string(it.value().get<std::int64_t>()) +
                        " but the model has " + std::to_string(f->second),
                    r.configPath + ": config." + k);
      res.configUsed.push_back(k);
    } else if (declared.count(k)) {
      options[k] = it.value();
      res.configUsed.push_back(k);
    } else {
      res.configIgnored.push_back(k);
    }
  }
  json extra = json::parse(r.optionsJson.empty() ? "{}" : r.optionsJson);
  for (auto it = extra.begin(); it != extra.end(); ++it) options[it.key()] = it.value();
  const ResolvedMethod rm = resolveMethod(r.method, options.dump(), "config");
  std::unique_ptr<methods::TextMethod> method = entry.makeText(json::parse(rm.optionsJson));

  // Inputs.
  std::set<std::string> used;
  methods::TextBatch batch;
  batch.inputIds = take(golden, "in.input_ids", used);
  if (!batch.inputIds.defined()) throw Error("the golden has no in.input_ids", r.goldenPath);
  batch.attentionMask = take(golden, "in.attention_mask", used);
  batch.tokenTypeIds = take(golden, "in.token_type_ids", used);
  batch.maskPos = take(golden, "in.mask_pos", used);
  batch.labels = take(golden, "in.labels", used);
  batch.softSlots = take(golden, "in.soft_slots", used);
  if (!batch.labels.defined()) throw Error("the golden has no in.labels", r.goldenPath);
  at::Tensor verbalizer = take(golden, "in.verbalizer_ids", used);
  at::Tensor vocabIds = take(golden, "in.logits_vocab_ids", used);

  methods::TextTaskSpec task;
  if (verbalizer.defined()) {
    for (int64_t c = 0; c < verbalizer.size(0); ++c) {
      task.classNames.push_back(std::to_string(c));
      task.labelWordIds.push_back({{static_cast<int>(verbalizer[c].item<int64_t>())}});
    }
    task.head = "verbalizer";
  } else if (batch.labels.dim() == 2) {
    task.head = "lm";
  } else {
    int64_t classes = io::intOr(cfg, "num_labels");
    if (classes <= 0) classes = batch.labels.max().item<int64_t>() + 1;
    for (int64_t c = 0; c < classes; ++c) task.classNames.push_back(std::to_string(c));
    task.head = "classifier";
  }
  for (const auto& [k, v] : golden.tensors)
    if (k.rfind("frozen.", 0) == 0) {
      task.frozen[k.substr(7)] = v;
      used.insert(k);
    }
  res.head = task.head;

  methods::TextBackbone backbone;
  backbone.model = model;
  backbone.modelPath = modelPath;
  method->setup(backbone, task);

  std::map<std::string, at::Tensor> params;
  for (const auto& [k, v] : golden.tensors)
    if (k.rfind("param.", 0) == 0) {
      params[k.substr(6)] = v;
      used.insert(k);
    }
  std::vector<methods::NamedTensor> trainable = method->trainable();
  try {
    methods::assignNamed(trainable, params, r.goldenPath + " (param.*)");
  } catch (const Error&) {
    // Options that do not fit the inputs (P + T over the positions) are the more basic error:
    // a forward on the inputs reports them (naming the option) before the shape mismatch.
    {
      at::NoGradGuard ng;
      method->encode(batch, false);
    }
    throw;
  }
  const methods::TrainableCount count = methods::countTrainable(trainable, *model);
  res.trainable = count.trained;
  res.backbone = count.backbone;

  // Forward (dropout off) and backward.
  for (auto& t : trainable)
    if (t.leaf.grad().defined()) t.leaf.mutable_grad().zero_();
  method->head().setTraining(false);
  methods::TextEncoded enc = method->encode(batch, false);
  std::map<std::string, at::Tensor> outs;
  at::Tensor loss = method->loss(enc, batch, &outs, vocabIds);
  loss.backward();
  res.loss = loss.item<double>();

  std::map<std::string, at::Tensor> written;
  written["out.loss"] = loss.detach().reshape({1});
  written["out.last_hidden_state"] = enc.hidden.detach();
  for (const auto& [k, v] : enc.outputs) written["out." + k] = v.detach();
  for (const auto& [k, v] : outs) written["out." + k] = v.detach();
  for (const auto& t : trainable) {
    at::Tensor g = t.grad();
    written["grad." + t.name] = g.defined() ? g.detach().clone() : at::zeros_like(t.value());
  }
  io::writeSafetensors(r.outPath, written, {{"method", r.method}, {"model", modelPath}});
  for (const auto& [k, v] : written) res.written.push_back(k);
  for (const auto& [k, v] : golden.tensors)
    if (k.rfind("in.", 0) == 0 && !used.count(k)) res.inputsUnused.push_back(k);

  if (r.compare) {
    std::set<std::string> absoluteOnly;
    // Gradients that are exactly zero in exact arithmetic (the golden notes them): BitFit's key
    // biases (a constant added to every key does not change the softmax).
    for (const auto& t : trainable)
      if (t.name.find("attention.self.key.bias") != std::string::npos ||
          t.name.find("attn.c_attn.bias.key") != std::string::npos)
        absoluteOnly.insert(t.name);
    std::vector<at::Tensor> masks{enc.attentionMask.defined() ? enc.attentionMask : at::Tensor(),
                                  batch.attentionMask};
    for (const auto& [k, v] : golden.tensors) {
      if (k.rfind("out.", 0) != 0 && k.rfind("grad.", 0) != 0) continue;
      auto it = written.find(k);
      TextStepComparison c =
          compareTensor(k, it == written.end() ? at::Tensor() : it->second, v, masks, absoluteOnly);
      res.allOk = res.allOk && c.ok;
      res.comparisons.push_back(std::move(c));
    }
  }
  return res;
}

}  // namespace pd
