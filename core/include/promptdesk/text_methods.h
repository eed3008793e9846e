#pragma once
// Continuous prompts and fine-tuning baselines on text models (BERT, RoBERTa, GPT-2): the
// golden-parity step, training runs, the few-shot text experiment and the PEFT export. Plain
// C++ (no torch, no Qt).
#include <map>
#include <string>
#include <vector>

namespace pd {

// One forward and backward of a method on a golden case (dropout off): what
// `promptdesk-cli step` runs. Reads `in.*`, `param.*`, `frozen.*` from the golden safetensors
// and the hyper-parameters from the JSON's "config" object; writes out.loss, the method's and
// the head's outputs (out.<name>) and grad.<name> for every trainable tensor.
struct TextStepRequest {
  std::string modelPath;   // HF folder; empty: the golden JSON's model_dir (relative to it)
  std::string method;      // registry name: prompt-tuning, p-tuning, prefix-tuning, ...
  std::string goldenPath;  // golden.safetensors
  std::string configPath;  // golden.json (its "config"), or a JSON object of options
  std::string outPath;     // output safetensors
  std::string optionsJson = "{}";  // extra method options (override the config's)
  bool compare = false;    // compare with the golden's out.* / grad.* (README tolerances)
};

struct TextStepComparison {
  std::string name;       // out.loss, grad.embedding.weight, ...
  double maxAbsDiff = 0;  // over valid positions
  double allowed = 0;     // the tolerance at the worst element (atol + rtol * |b| ...)
  bool ok = true;
  std::string note;       // "missing in ours", "shape [2, 3] vs [2, 4]"
};

struct TextStepResult {
  std::string family, method, head;
  double loss = 0;
  long long trainable = 0, backbone = 0;  // trained parameters and the model's total
  std::vector<std::string> written;        // tensor names in the output
  std::vector<std::string> configUsed, configIgnored;  // golden config fields
  std::vector<std::string> inputsUnused;   // in.* the runner did not read (derived ones)
  std::vector<TextStepComparison> comparisons;  // with compare
  bool allOk = true;
};

TextStepResult runTextStep(const TextStepRequest& request);

}  // namespace pd

// ---- Few-shot training of a text method (LM-BFF's protocol) ---------------------------------
#include <cstdint>
#include <functional>

#include "promptdesk/dataset.h"
#include "promptdesk/metrics.h"

namespace pd {
class JobContext;

struct TextTrainStep {
  int step = 0, totalSteps = 0;
  double loss = 0, lr = 0;
  double devAccuracy = -1;  // at evaluation steps
};

struct TextFewShotSpec {
  std::string method = "prompt-tuning";  // a registered text method or preset
  std::string optionsJson = "{}";        // the method's options that differ from its defaults
  std::string modelPath, tokenizer;      // tokenizer: as TextZeroShotSpec
  std::string datasetSpec;
  DatasetOptions datasetOptions;
  // The template ({text}, {mask} for masked LMs, {soft:N} for soft slots); empty: "{text} It
  // was {mask}." / "{text} It was".
  std::string templateText;
  std::string verbalizerFile;            // label words (verbalizer JSON) and/or:
  std::vector<std::string> labelWords;   // "class=word|word"
  std::string head;                      // "" (the method's default), verbalizer, classifier, ...
  int shots = 16;                        // K per class for train and for dev
  std::uint64_t seed = 13;
  std::int64_t testLimit = 0;            // 0: the whole test split
  int threads = 0;                       // 0: the job's / the current setting
  std::string outDir;                    // checkpoint.safetensors, learned.safetensors, peft/
  bool resume = false;                   // continue from outDir/checkpoint.safetensors
  std::function<void(const TextTrainStep&)> onStep;
  // After each dev evaluation, once outDir/checkpoint.safetensors holds that step's state.
  std::function<void(int step, const std::string& checkpointFile)> onCheckpoint;
};

struct TextFewShotResult {
  std::string method, family, head, tokenizer;
  int shots = 0;
  std::uint64_t seed = 0;
  double devAccuracy = -1, testAccuracy = -1, finalLoss = -1, trainSeconds = 0;
  int steps = 0, bestStep = 0;
  long long trained = 0, backbone = 0;  // parameters trained, and the model's total
  double trainedPercent = 0;
  std::vector<double> losses;
  std::string modelHash, datasetName, fewShotIdsHash, testSplit;
  std::vector<std::string> classNames, trainIds, valIds;
  std::vector<ScoredItem> testItems;
  Metrics testMetrics;
  std::string learnedFile;  // outDir/learned.safetensors (reference names + config metadata)
  std::string peftDir;      // outDir/peft (adapter_model.safetensors + adapter_config.json)
  std::string resultJson;
};

TextFewShotResult runTextFewShot(const TextFewShotSpec& spec, JobContext* ctx);

// The heads a text method can use (verbalizer, classifier, lm, soft-verbalizer, ...).
const std::vector<std::string>& textHeadChoices();
// The text methods and presets of the registry (families bert / roberta / gpt2).
std::vector<std::string> textMethodChoices();
bool isTextMethod(const std::string& methodOrPreset);

// ---- PEFT artifacts -------------------------------------------------------------------------
// A learned.safetensors (reference names; metadata: method, options, peft_config, model hash)
// written as a PEFT adapter folder: adapter_model.safetensors (PEFT's key names) +
// adapter_config.json. Methods PEFT does not have (Houlsby adapters, BitFit, partial-k) get the
// same two files with our own peft_type and the tensors under their HF keys.
struct PeftExportResult {
  std::string dir, peftType;
  std::vector<std::string> tensors;  // names written
};
PeftExportResult exportPeftAdapter(const std::string& learnedFile, const std::string& outDir);
// Reads a PEFT adapter folder back: the config, the tensors, checked against the method it maps
// to and the model (shapes, token_dim, num_layers); returns what was read.
struct PeftReadResult {
  std::string peftType, method;
  std::map<std::string, std::vector<long long>> shapes;
  std::string configJson;
};
PeftReadResult readPeftAdapter(const std::string& dir, const std::string& modelPath);

}  // namespace pd
