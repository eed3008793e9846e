// promptdesk-cli forward: a text model on given inputs (the reference-checking tool).
#include <chrono>

#include "io/safetensors.h"
#include "models/text_lm.h"
#include "promptdesk/error.h"
#include "promptdesk/text_models.h"

namespace pd {

TextForwardResult runTextForward(const TextForwardRequest& req) {
  const auto t0 = std::chrono::steady_clock::now();
  auto model = models::loadTextModel(req.modelPath);
  io::StateDict in = io::readSafetensors(req.inputSafetensors);
  TextForwardResult r;
  r.family = model->config().family;
  models::TextInputs x;
  auto take = [&](const char* name, bool integer) -> at::Tensor {
    if (!in.has(name)) return {};
    at::Tensor t = in.tensors.at(name);
    if (integer && at::isFloatingType(t.scalar_type()))
      throw Error(std::string("'") + name + "' must hold integers", req.inputSafetensors);
    return integer ? t.to(at::kLong) : t.to(at::kFloat);
  };
  x.inputIds = take("input_ids", true);
  x.inputsEmbeds = take("inputs_embeds", false);
  x.attentionMask = take("attention_mask", true);
  x.tokenTypeIds = take("token_type_ids", true);
  x.positionIds = take("position_ids", true);
  const at::Tensor labels = take("labels", true);
  if (!x.inputIds.defined() && !x.inputsEmbeds.defined())
    throw Error("no 'input_ids' (or 'inputs_embeds') tensor", req.inputSafetensors);
  if (x.inputIds.defined() && x.inputsEmbeds.defined())
    throw Error("give 'input_ids' or 'inputs_embeds', not both", req.inputSafetensors);
  for (const auto& [k, v] : in.tensors)
    if (k != "input_ids" && k != "inputs_embeds" && k != "attention_mask" &&
        k != "token_type_ids" && k != "position_ids" && k != "labels")
      r.ignoredInputs.push_back(k);

  at::NoGradGuard ng;
  at::Tensor hidden;
  try {
    hidden = model->hiddenStates(x);
  } catch (const Error& e) {
    throw Error(e.what(), req.inputSafetensors);
  }
  r.batch = hidden.size(0);
  r.length = hidden.size(1);
  r.width = hidden.size(2);
  r.vocab = model->config().vocabSize;
  std::map<std::string, at::Tensor> out{{"last_hidden_state", hidden.contiguous()}};
  if (req.writeLogits || labels.defined()) {
    if (!model->hasLmHead())
      throw Error("the checkpoint has no LM head: logits and loss are not available",
                  req.modelPath);
    at::Tensor logits = model->lmLogits(hidden);
    if (labels.defined()) {
      if (labels.sizes() != hidden.sizes().slice(0, 2))
        throw Error("'labels' must have the shape of input_ids", req.inputSafetensors);
      at::Tensor l = logits, y = labels;
      if (model->config().causal) {
        l = logits.narrow(1, 0, r.length - 1);
        y = labels.narrow(1, 1, r.length - 1);
      }
      at::Tensor loss = at::cross_entropy_loss(l.reshape({-1, r.vocab}), y.reshape({-1}), {},
                                               at::Reduction::Mean, -100);
      r.hasLoss = true;
      r.loss = loss.item<double>();
      out["loss"] = loss.view({1});
    }
    if (req.writeLogits) out["logits"] = logits.contiguous();
  }
  io::writeSafetensors(req.outputSafetensors, out, {{"model", req.modelPath}, {"family", r.family}});
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace pd
