#pragma once
// The method interface of the text half (BERT, RoBERTa, GPT-2): Prompt Tuning, P-Tuning,
// Prefix-Tuning, P-Tuning v2, adapters, BitFit, partial-k, linear / MLP-k heads, full and
// prompt-based fine-tuning. A text method is two things composed:
//   - an adaptation of the frozen backbone (virtual tokens in the input, per-layer prefixes,
//     adapters in the blocks, some backbone tensors trainable, or nothing), and
//   - a head that turns the adapted model's hidden states into class scores (cloze over label
//     words at the mask / prediction position, soft or knowledgeable verbalizer, a classifier on
//     [CLS] with the pooler, an MLP), or the causal-LM loss for parity cases.
// Each method lives in core/src/methods/<name>/ and is one line in methods/registry.cpp
// (MethodEntry::makeText). The training loop, the few-shot experiment, the golden-parity `step`
// and the PEFT export are shared (methods/text_common/).
//
// Names: every trainable tensor has a stable name, the one the reference implementation uses
// (PEFT's PrefixEncoder "embedding.weight", "transform.0.weight"; P-tuning-v2's
// "prefix_encoder.embedding.weight", "classifier.weight"; the HF checkpoint key for backbone
// tensors, e.g. "bert.encoder.layer.0.attention.self.query.bias"). Golden files (param.<name>,
// grad.<name>), checkpoints, saved artifacts and the PEFT export all use these names.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "methods/text_common/text_train.h"
#include "models/text_lm.h"

namespace pd {
class TextTokenizer;
}

namespace pd::methods {

// One trainable tensor under its reference name. `leaf` is the autograd leaf that is optimised
// (a method's own parameter, or a backbone parameter set trainable); `view` maps a leaf-shaped
// tensor (the leaf itself or its gradient) to the reference layout (identity when empty: e.g.
// BERT's query bias is rows [0, D) of our in_proj_bias).
struct NamedTensor {
  std::string name;
  at::Tensor leaf;
  std::function<at::Tensor(const at::Tensor&)> view;
  at::Tensor value() const { return view ? view(leaf) : leaf; }
  at::Tensor grad() const {
    at::Tensor g = leaf.grad();
    if (!g.defined()) return g;
    return view ? view(g) : g;
  }
};

// A batch of encoded text, HF names. inputIds/attentionMask/tokenTypeIds are the TEXT only (no
// virtual tokens): methods that insert tokens extend them themselves.
struct TextBatch {
  at::Tensor inputIds;       // (N, T) int64
  at::Tensor attentionMask;  // (N, T) int64 1/0 (undefined: all ones)
  at::Tensor tokenTypeIds;   // (N, T) or undefined
  at::Tensor maskPos;        // (N) int64: index in inputIds of the mask (masked LM) or of the
                             // last context token whose next-token logits score the label words
                             // (causal LM); undefined for heads that do not use it
  at::Tensor labels;         // (N) class ids, or (N, T) causal-LM labels (-100: ignored)
  // (N, T) int64: -1 for an ordinary token, k >= 0 where the template has its k-th {soft} slot
  // (the id there is a placeholder the method replaces by its k-th vector); undefined: none.
  at::Tensor softSlots;
};

// What the adapted backbone produced for a batch.
struct TextEncoded {
  at::Tensor hidden;        // (N, T', D) last hidden states (T' = inserted + T)
  std::int64_t inserted = 0;  // tokens inserted before the text (mask positions shift by this)
  // Leading inserted positions are [0, inserted); text token t is at inserted + t, except for
  // methods that interleave inserted tokens (positionOf maps text index -> hidden index).
  at::Tensor textIndex;     // (N, T) int64 hidden index of each text token, or undefined
  at::Tensor attentionMask;  // (N, T') the mask the backbone saw (inserted tokens included)
  // Method intermediates under the goldens' out.* names without "out." (past_key_values,
  // prompt_embeddings, prompts, ...).
  std::map<std::string, at::Tensor> outputs;
};

// What a method is set up on.
struct TextBackbone {
  std::shared_ptr<models::TextLM> model;
  const TextTokenizer* tokenizer = nullptr;  // may be null (parity runs on ids)
  std::string modelPath, modelHash;
};

// The task: classes and how each is read from the model.
struct TextTaskSpec {
  std::vector<std::string> classNames;
  // Label words' token ids per class (cloze / next-token heads): [class][word] -> ids. For
  // parity cases: one single-token word per class (in.verbalizer_ids).
  std::vector<std::vector<std::vector<int>>> labelWordIds;
  std::string head;  // "" (the method's default), "verbalizer", "soft-verbalizer",
                     // "knowledgeable", "classifier", "mlp", "lm"
  // Frozen tensors a head needs that the checkpoint lacks (frozen.* of a golden: the pooler).
  std::map<std::string, at::Tensor> frozen;
  std::uint64_t seed = 1;
  // Head options. mlp: hidden blocks k of the MLP-k head (VPT's MLP: k x [Linear(D, D), ReLU,
  // BatchNorm1d, Dropout 0.1], then Linear(D, C)).
  int mlpLayers = 2;
  // knowledgeable (KPT): the WordNet folder the label words are expanded from ("": $WNSEARCHDIR,
  // else /usr/share/wordnet); words of more than kptMaxTokenSplit tokens are dropped (<= 0: all
  // kept, scored by their first token); the refinement on the training inputs drops words with a
  // token among the kptCandidateFrac of the vocabulary of lowest prior, and (kptCalibrate)
  // divides the word probabilities by their prior. See methods/text_common/heads/text_heads.h.
  std::string wordnetDir;
  int kptMaxTokenSplit = -1;
  double kptCandidateFrac = 0.5;
  bool kptCalibrate = true;
};

class TextHead;

class TextMethod {
 public:
  TextMethod();
  virtual ~TextMethod();
  // Builds the method's modules for this backbone and task (after the options were parsed),
  // then its head (makeHead). Throws pd::Error naming the option when the backbone cannot take
  // it (P + T over the positions, an unsupported family: listing the supported ones).
  void setup(const TextBackbone& backbone, const TextTaskSpec& task);
  // Every trainable tensor under its reference name: the method's own (adaptation()), then the
  // head's, in a stable order.
  std::vector<NamedTensor> trainable();
  // The adapted backbone on a batch; `training`: dropout of the method on (the backbone itself
  // stays in eval mode, as every reference holds it).
  virtual TextEncoded encode(const TextBatch& batch, bool training) = 0;
  // Class scores (N, C) from the encoding (the head), autograd in the caller's mode.
  at::Tensor classLogits(const TextEncoded& enc, const TextBatch& batch);
  // The loss of a batch: mean cross-entropy of classLogits against labels (N), or the causal-LM
  // loss for (N, T) labels (head "lm"). `outputs` receives the head's outputs under out.* names
  // (without "out.": label_logits, logits, pooled_output, mask_logits_slice, ...) when not null;
  // `logitsVocabIds` selects the vocabulary slice written as *_logits_slice.
  at::Tensor loss(const TextEncoded& enc, const TextBatch& batch,
                  std::map<std::string, at::Tensor>* outputs = nullptr,
                  const at::Tensor& logitsVocabIds = {});
  // Positions of the model's table the method takes before the text (virtual tokens, prefix
  // length): inputs are cut to the model's positions minus this.
  virtual std::int64_t reservedPositions() const { return 0; }
  // The template's soft slots ({soft:N} / {soft:"words"}), one entry per slot in template order:
  // the token id that initialises it, or -1 (prompts::TextPromptEncoder::softSlotInit). Called
  // before setup(). Methods with virtual tokens take them and return true; the default has no
  // virtual tokens to put there and returns false.
  virtual bool takeTemplateSlots(const std::vector<int>& slotInit) {
    (void)slotInit;
    return false;
  }
  // The training loop's options (lr, steps, batch, ...), declared in the method's config.
  virtual const TextTrainOptions& trainOptions() const = 0;
  // Options and facts recorded with a run (the PEFT config fields where PEFT has the method).
  virtual nlohmann::json record() const = 0;
  // PEFT: peft_type and the adapter_config.json fields; empty object: not a PEFT method (the
  // learned tensors are still saved under their reference names).
  virtual nlohmann::json peftConfig() const { return nlohmann::json::object(); }
  // Tensors written to adapter_model.safetensors under PEFT's names ("prompt_embeddings" for
  // prompt methods, the module keys for the others). Default: trainable() by name.
  virtual std::map<std::string, at::Tensor> peftTensors();
  // Loads learned tensors (by reference name) back; throws pd::Error naming a missing,
  // unexpected or mis-shaped tensor.
  virtual void loadLearned(const std::map<std::string, at::Tensor>& tensors,
                           const std::string& source);

  const TextBackbone& backbone() const { return backbone_; }
  models::TextLM& model() const { return *backbone_.model; }
  const TextTaskSpec& task() const { return task_; }
  TextHead& head() const { return *head_; }

 protected:
  // The method's part of setup (modules at the backbone's sizes, options checked).
  virtual void setupMethod() = 0;
  // The method's own trainable tensors (without the head's).
  virtual std::vector<NamedTensor> adaptation() = 0;
  // The head this method uses when the task names none ("verbalizer" for masked LMs, ...).
  virtual std::string defaultHead() const;

  TextBackbone backbone_;
  TextTaskSpec task_;
  std::unique_ptr<TextHead> head_;
};

// Copies `tensors` into `named` by name (under NoGrad); throws pd::Error (context `source`) that
// lists every missing, unexpected and mis-shaped name. `allowExtra`: ignore unknown names.
void assignNamed(const std::vector<NamedTensor>& named,
                 const std::map<std::string, at::Tensor>& tensors, const std::string& source,
                 bool allowExtra = false);

// The backbone tensor under an HF key as a trainable NamedTensor (sets requires_grad on the
// module tensor it lives in; the view selects the key's rows / transposition).
NamedTensor backboneTensor(models::TextLM& model, const std::string& hfKey);

// Trainable parameter count and the model's total, for "trained: 12,288 (0.27 %)".
struct TrainableCount {
  std::int64_t trained = 0, backbone = 0;
  double percent() const { return backbone ? 100.0 * double(trained) / double(backbone) : 0; }
};
TrainableCount countTrainable(const std::vector<NamedTensor>& named, const models::TextLM& model);

}  // namespace pd::methods
