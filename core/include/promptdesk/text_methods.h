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
