#pragma once
// Virtual tokens in the input, shared by Prompt Tuning (HF PEFT PromptEmbedding) and P-Tuning
// (HF PEFT PromptEncoder; THUDM/P-tuning's template placement). Semantics: the fixtures'
// README-text.md section 5 and methods/README.md section 6.
//
// prepend (PEFT): inputs_embeds = cat(prompts, word_embeddings(ids)); attention mask
//   cat(ones(B, P), mask); NO position ids (the model's default for inputs_embeds: GPT-2 / BERT
//   arange(P+T), RoBERTa arange(2, 2+P+T)); token types zeros for the virtual tokens (dropped
//   for a causal LM, as PeftModelForCausalLM drops them); the head sees P inserted tokens (mask
//   position + P, causal-LM labels prefixed by -100).
// template (OpenPrompt's MixedTemplate, THUDM/P-tuning's pseudo tokens): the template's soft
//   slots (TextBatch::softSlots, from prompts::TextPromptEncoder) hold prompt k at slot k; the
//   sequence keeps its length and its ordinary positions (those of the ids, slots counted as
//   real tokens); nothing is inserted.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

#include "methods/text_common/text_method.h"

namespace pd::methods {

enum class VirtualPlacement { Prepend, Template };

// The encoding of a batch with the P virtual-token vectors `prompts` (P, D). Throws pd::Error
// naming `tokensField` when P + T exceeds the model's positions (both numbers), when the
// template placement finds no soft slot or not exactly P of them per row; outputs "prompts".
TextEncoded encodeWithVirtualTokens(models::TextLM& model, const at::Tensor& prompts,
                                    const TextBatch& batch, VirtualPlacement placement,
                                    const std::string& tokensField);

// True when the batch has soft slots (softSlots defined with an entry >= 0).
bool hasSoftSlots(const TextBatch& batch);

// A method whose virtual tokens may sit at a template's soft slots.
class VirtualTokenMethod : public TextMethod {
 public:
  // The template's soft slots, one entry per slot (template order): the token id that
  // initialises it ({soft:"words"}) or -1 ({soft:N}), as prompts::TextPromptEncoder::
  // softSlotInit gives them. Call before setup(); an empty list: the template has none.
  virtual void setTemplateSlots(const std::vector<int>& slotInit) { templateSlots_ = slotInit; }
  // The number of virtual tokens with the template's slots: a template with slots and P left at
  // its default (declaredDefault) follows the template; any other P must equal the slot count
  // (the methods' setup refuses a mismatch naming num_virtual_tokens).
  std::int64_t slotAwareCount(std::int64_t configured, std::int64_t declaredDefault) const {
    return !templateSlots_.empty() && configured == declaredDefault
               ? static_cast<std::int64_t>(templateSlots_.size())
               : configured;
  }
  bool takeTemplateSlots(const std::vector<int>& slotInit) override {
    setTemplateSlots(slotInit);
    return true;
  }
  const std::vector<int>& templateSlots() const { return templateSlots_; }

 protected:
  std::vector<int> templateSlots_;
};


// The classifier head pools the first text token; in a causal model (GPT-2) it has seen only
// what is before it. Throws pd::Error naming "head" for that combination.
void refuseCausalClassifier(const models::TextModelConfig& model, const std::string& head,
                            const std::string& method);

// PEFT's task_type for an export: CAUSAL_LM (GPT-2), SEQ_CLS (classifier head), else
// FEATURE_EXTRACTION (PEFT has no masked-LM task type; the cloze head is the base-model call).
std::string peftTaskType(const models::TextModelConfig& model, const std::string& headKind);

}  // namespace pd::methods
