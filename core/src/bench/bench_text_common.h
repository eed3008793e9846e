#pragma once
// Helpers shared by the text benches (`bench text-encode`, `bench prompt-tuning`,
// `bench prefix-tuning`, `bench p-tuning-v2`): the random BERT-base checkpoint both sides read,
// running the Python reference in the same bench run, and the bench's work folder.
#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace pd::bench {

// A BERT-base-shaped BertForMaskedLM checkpoint in the Hugging Face layout (config.json +
// model.safetensors, decoder tied to the word embeddings), initialised like HF's _init_weights:
// weights and embeddings N(0, 0.02), LayerNorms 1 / 0; the biases are N(0, 0.02) too (HF: 0) so
// that the bias columns the label-word head picks are checked as well. Returns the config.
nlohmann::json writeRandomBert(const std::filesystem::path& dir, int layers, std::uint64_t seed);

// The reference script (`given`, or bench/<defaultScript> of the source tree) after checking the
// reference length (8..512) and, unless `skip`, that the script and `python` exist; pd::Error
// naming the option or the missing file otherwise.
std::string checkReference(const std::string& given, const char* defaultScript,
                           const std::string& python, bool skip, int referenceLength);

// `s` quoted for /bin/sh.
std::string shellQuote(const std::string& s);

// Runs `command`, stdout captured (stderr passes through); throws pd::Error (context `where`)
// unless it exits 0. Returns the last non-empty stdout line.
std::string runReference(const std::string& command, const std::string& where);

// The bench's work folder: `given` (kept), or a new temporary folder named after `stem` that is
// removed when this goes out of scope.
struct WorkDir {
  std::filesystem::path path;
  bool remove = false;
  WorkDir(const std::string& given, const std::string& stem);
  ~WorkDir();
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
};

}  // namespace pd::bench
