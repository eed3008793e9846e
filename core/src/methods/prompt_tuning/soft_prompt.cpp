// Virtual tokens in the input (prepended as PEFT does, or at a template's soft slots): see
// soft_prompt.h.
#include "methods/prompt_tuning/soft_prompt.h"

#include "promptdesk/error.h"

namespace pd::methods {

bool hasSoftSlots(const TextBatch& batch) {
  return batch.softSlots.defined() && batch.softSlots.numel() > 0 &&
         batch.softSlots.ge(0).any().item<bool>();
}

namespace {

// Token types of the text, extended by zeros for P prepended tokens (PEFT SeqCls/TokenCls). A
// tensor already P + T wide (a golden's in.token_type_ids, written for the extended sequence)
// is taken as it is.
at::Tensor extendedTypes(const at::Tensor& types, std::int64_t n, std::int64_t p, std::int64_t t) {
  if (!types.defined()) return {};
  if (types.dim() != 2 || types.size(0) != n)
    throw Error("token_type_ids must be (batch, length)", "token_type_ids");
  if (types.size(1) == p + t) return types.to(at::kLong);
  if (types.size(1) != t)
    throw Error("token_type_ids has " + std::to_string(types.size(1)) +
                    " columns, the input " + std::to_string(t),
                "token_type_ids");
  return at::cat({at::zeros({n, p}, at::kLong), types.to(at::kLong)}, 1);
}

}  // namespace

TextEncoded encodeWithVirtualTokens(models::TextLM& model, const at::Tensor& prompts,
                                    const TextBatch& batch, VirtualPlacement placement,
                                    const std::string& tokensField) {
  const models::TextModelConfig& c = model.config();
  if (!batch.inputIds.defined() || batch.inputIds.dim() != 2)
    throw Error("input_ids must be (batch, length)", "input_ids");
  const at::Tensor ids = batch.inputIds.to(at::kLong);
  const std::int64_t n = ids.size(0), t = ids.size(1), p = prompts.size(0), d = prompts.size(1);
  at::Tensor mask = batch.attentionMask.defined() ? batch.attentionMask.to(at::kLong)
                                                  : at::ones({n, t}, at::kLong);
  TextEncoded enc;
  models::TextInputs in;
  if (placement == VirtualPlacement::Prepend) {
    if (hasSoftSlots(batch))
      throw Error("the template has {soft} slots, but the virtual tokens are prepended: use "
                  "placement 'template' (or a template without {soft})",
                  "placement");
    if (p + t > c.maxInputLength())
      throw Error(tokensField + " " + std::to_string(p) + " + " + std::to_string(t) +
                      " text tokens exceed the model's " + std::to_string(c.maxInputLength()) +
                      " positions",
                  tokensField);
    at::Tensor words = model.embedTokens(ids);
    in.inputsEmbeds = at::cat({prompts.unsqueeze(0).expand({n, p, d}), words}, 1);
    in.attentionMask = at::cat({at::ones({n, p}, at::kLong), mask}, 1);
    // PeftModelForCausalLM drops token types; the encoders get zeros for the virtual tokens.
    if (!c.causal) in.tokenTypeIds = extendedTypes(batch.tokenTypeIds, n, p, t);
    enc.inserted = p;
  } else {
    if (!hasSoftSlots(batch))
      throw Error("placement 'template' puts the virtual tokens at the template's soft slots, "
                  "and this template has none: write {soft:N} parts (e.g. \"{soft:3} {text} "
                  "{soft:3} {mask} {soft:3}\")",
                  "placement");
    const at::Tensor slots = batch.softSlots.to(at::kLong);
    if (slots.sizes() != ids.sizes())
      throw Error("soft_slots must have the shape of input_ids", "soft_slots");
    const at::Tensor isSlot = slots.ge(0);
    const std::int64_t most = slots.max().item<std::int64_t>();
    const at::Tensor perRow = isSlot.sum(1);
    const std::int64_t fewest = perRow.min().item<std::int64_t>(),
                       largest = perRow.max().item<std::int64_t>();
    if (most >= p || fewest != p || largest != p)
      throw Error("the template has " + std::to_string(std::max(most + 1, largest)) +
                      " soft slots but " + tokensField + " is " + std::to_string(p) +
                      ": they must be equal",
                  tokensField);
    at::Tensor words = model.embedTokens(ids);
    at::Tensor placed = prompts.index_select(0, slots.clamp_min(0).reshape({-1})).reshape({n, t, d});
    in.inputsEmbeds = at::where(isSlot.unsqueeze(-1), placed, words);
    in.attentionMask = mask;
    // The ordinary positions of the ids, the slots counted as real tokens (the placeholder is
    // never RoBERTa's padding id, but a slot must not depend on that).
    models::TextInputs pos;
    const std::int64_t real = c.padTokenId == 0 ? 1 : 0;
    pos.inputIds = at::where(isSlot, at::full_like(ids, real), ids);
    pos.attentionMask = mask;
    in.positionIds = model.defaultPositionIds(pos);
    if (!c.causal && batch.tokenTypeIds.defined()) in.tokenTypeIds = batch.tokenTypeIds.to(at::kLong);
    enc.inserted = 0;
  }
  enc.attentionMask = in.attentionMask;
  enc.hidden = model.hiddenStates(in);
  enc.outputs["prompts"] = prompts;
  return enc;
}

void refuseCausalClassifier(const models::TextModelConfig& model, const std::string& head,
                            const std::string& method) {
  if (model.causal && head == "classifier")
    throw Error("the classifier head pools the first token, which a causal LM (" + model.family +
                    ") computes before seeing the text: use the verbalizer head with " + method,
                "head");
}

std::string peftTaskType(const models::TextModelConfig& model, const std::string& headKind) {
  if (model.causal) return "CAUSAL_LM";
  if (headKind == "classifier") return "SEQ_CLS";
  return "FEATURE_EXTRACTION";
}

}  // namespace pd::methods
