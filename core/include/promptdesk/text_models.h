#pragma once
// Text language models (BERT, RoBERTa: masked LM; GPT-2: causal LM), torch-free public API.
// Checkpoints are Hugging Face folders (config.json + model.safetensors or a sharded index; see
// promptdesk/models.h for describeModel()).
#include <cstdint>
#include <string>
#include <vector>

namespace pd {

struct TextForwardRequest {
  std::string modelPath;  // HF folder (or a .safetensors file with config.json beside it)
  // Inputs by the golden files' own names: input_ids (N, T) int64 (or inputs_embeds (N, T, D)),
  // and optionally attention_mask, token_type_ids, position_ids (N, T); with labels (N, T)
  // (-100 = ignored) the LM loss is written too (GPT-2: next-token, shifted by one; BERT/RoBERTa:
  // masked-LM cross-entropy). Other tensors in the file are ignored and listed in the result.
  std::string inputSafetensors;
  // Writes last_hidden_state (N, T, D) and the full-vocabulary logits (N, T, V) float32
  // (+ loss [1] with labels).
  std::string outputSafetensors;
  bool writeLogits = true;
};

struct TextForwardResult {
  std::string family;
  std::int64_t batch = 0, length = 0, width = 0, vocab = 0;
  bool hasLoss = false;
  double loss = 0;
  std::vector<std::string> ignoredInputs;
  double seconds = 0;
};

// Throws pd::Error naming the file and tensor at fault (missing input_ids, wrong shapes, ids out
// of range, inputs longer than the model's positions).
TextForwardResult runTextForward(const TextForwardRequest& request);

}  // namespace pd

// ---- Zero-shot text classification with templates and verbalizers ---------------------------
#include "promptdesk/dataset.h"
#include "promptdesk/jobs.h"
#include "promptdesk/zero_shot.h"

namespace pd {

struct TextZeroShotSpec {
  std::string modelPath;      // HF folder of a BERT / RoBERTa / GPT-2 model
  // The tokenizer: a folder, "gpt2" or "bert-base-uncased"; empty: the model folder's tokenizer
  // files, else the family's installed vocabulary (BERT: bert-base-uncased, GPT-2: gpt2).
  std::string tokenizer;
  std::string datasetSpec;
  DatasetOptions datasetOptions;
  std::string split = "test";
  // Templates ({text} or {text_a}/{text_b}; masked LM: one {mask}; causal LM: the label follows
  // the template or sits at {label}). Several: an ensemble (mean of class log-probabilities).
  // None: "{text} It was {mask}." (masked LM) or "{text} It was" (causal LM).
  std::vector<std::string> templates;
  // Verbalizer JSON (promptdesk/verbalizer.h); and/or label words "class=word|word" per class.
  // With neither, each class's own name is its label word.
  std::string verbalizerFile;
  std::vector<std::string> labelWords;
  std::string scoring = "auto";  // auto | cloze | sum | mean | next-token
  bool calibrate = false;        // contextual calibration on a content-free input
  std::string contentFree = "N/A";
  int batchSize = 32;
  std::int64_t limit = 0;  // only the first N items (0: all)
  MetricsOptions metrics;
};

// What the verbalizer looks like to the tokenizer (for the user): one row per label word.
struct LabelWordReport {
  std::string className, word;
  std::vector<int> ids;
  std::vector<std::string> pieces;      // e.g. "Ġgreat"
  std::vector<std::string> bareTokens;  // the same word without a leading space (BPE)
  bool singleToken = false;
  std::string note;
};

struct TextZeroShotResult {
  ZeroShotResult result;  // metrics, items (class log-probabilities), provenance
  std::string family, tokenizer, scoring;
  std::vector<LabelWordReport> labelWords;
  std::int64_t truncatedItems = 0;
  std::vector<float> calibration;  // content-free word probabilities (when calibrated)
  std::string toJson(bool includeItems = true, int indent = 2) const;
};

// Runs the evaluation; ctx (may be null) gets progress and cancel checks per batch. Throws
// pd::Error naming the template (line:column), the label word, the dataset or the model.
TextZeroShotResult runTextZeroShot(const TextZeroShotSpec& spec, JobContext* ctx = nullptr);

// True when `path` holds a text model (BERT, RoBERTa, GPT-2) by its config.json or keys.
bool isTextModel(const std::string& path);

class TextZeroShotJob : public Job {
 public:
  explicit TextZeroShotJob(TextZeroShotSpec spec) : spec_(std::move(spec)) {}
  std::string name() const override { return "text-zero-shot"; }
  void run(JobContext& ctx) override { result_ = runTextZeroShot(spec_, &ctx); }
  const TextZeroShotResult& result() const { return result_; }

 private:
  TextZeroShotSpec spec_;
  TextZeroShotResult result_;
};

}  // namespace pd

// ---- Template preview for a text model's tokenizer (the template editor) ----------------------
namespace pd {

struct PromptToken {
  int id = 0;
  std::string token;  // vocabulary string ("Ġgreat", "##ing", "[CLS]")
  enum class Role { Special, Mask, Template, Input } role = Role::Template;
};

struct LabelWordIds {
  std::string className, word;
  std::vector<int> ids;
  std::vector<std::string> pieces;
};

struct TextPromptPreview {
  std::vector<PromptToken> tokens;  // the model input, special tokens included
  int maskPos = -1;                 // masked LM: index of the mask token
  bool truncated = false;           // the sample text was cut to fit
  int maxLength = 0;                // positions allowed
  std::vector<LabelWordIds> labelWords;  // where the model sees them (spacing included)
  std::string tokenizer;                 // describe() of the tokenizer
};

// Renders `source` for `family` ("mlm" or "clm") with a tokenizer (folder, "gpt2" or
// "bert-base-uncased"; loaded once and cached) on `sampleText`, with each class's label words
// (`labelWords[i]` for classNames[i]; empty: the class name). `maxLength` <= 0: the tokenizer's
// model max length (512 when unknown). Throws pd::Error / TemplateError with the reason.
TextPromptPreview previewTextPrompt(const std::string& tokenizer, const std::string& source,
                                    const std::string& family, const std::string& sampleText,
                                    const std::vector<std::string>& classNames,
                                    const std::vector<std::vector<std::string>>& labelWords = {},
                                    int maxLength = 0);

}  // namespace pd
