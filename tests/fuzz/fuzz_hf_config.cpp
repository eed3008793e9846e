// A Hugging Face config.json on arbitrary bytes, read the way a model folder is: byte 0 picks the
// weights (the BERT, RoBERTa or GPT-2 fixture of tests/data/text/models with its vocabulary cut to
// kVocab rows, written once per process), the rest is the folder's config.json. Then
// pd::describeModel (family detection from model_type / architectures, the family's config
// parse, strict binding, facts) and, when the config fits the weights, models::loadTextModel and a
// forward pass of a few tokens (sizes, eps, activation, positions as the config says).
#include <ATen/ATen.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "fuzz_util.h"
#include "io/safetensors.h"
#include "models/text_lm.h"
#include "promptdesk/error.h"
#include "promptdesk/models.h"

#ifndef PD_TEXT_MODELS
#error "PD_TEXT_MODELS (tests/data/text/models) must be defined"
#endif

namespace {

constexpr std::int64_t kVocab = 128;
const char* const kFixtures[] = {"bert-tiny", "roberta-tiny", "gpt2-tiny"};

// <scratch>/<fixture>/model.safetensors: the fixture's tensors, every dimension of the fixture's
// vocabulary size narrowed to its first kVocab rows (so that a model builds in milliseconds).
std::filesystem::path weightsFolder(int which) {
  static std::filesystem::path dirs[3];
  std::filesystem::path& d = dirs[which];
  if (!d.empty()) return d;
  const std::string src = std::string(PD_TEXT_MODELS) + "/" + kFixtures[which];
  const pd::io::StateDict sd = pd::io::readSafetensors(src + "/model.safetensors");
  std::int64_t vocab = 0;  // the largest dimension of the word embeddings is the vocabulary
  for (const auto& [name, t] : sd.tensors)
    if (name.find("wte") != std::string::npos || name.find("word_embeddings") != std::string::npos)
      vocab = t.size(0);
  if (vocab <= kVocab) std::abort();  // the fixtures changed: fix this target
  std::map<std::string, at::Tensor> small;
  for (const auto& [name, t] : sd.tensors) {
    at::Tensor s = t;
    for (std::int64_t dim = 0; dim < s.dim(); ++dim)
      if (s.size(dim) == vocab) s = s.narrow(dim, 0, kVocab);
    small[name] = s.contiguous();
  }
  d = pd_fuzz::scratchDir() / kFixtures[which];
  std::filesystem::create_directories(d);
  pd::io::writeSafetensors((d / "model.safetensors").string(), small);
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const bool once = [] {
    at::set_num_threads(1);
    return true;
  }();
  (void)once;
  const std::filesystem::path dir = weightsFolder(data[0] % 3);
  pd_fuzz::writeFile(dir / "config.json", data + 1, size - 1);
  try {
    const pd::ModelDescription d = pd::describeModel(dir.string());
    if (d.family == "clip") return 0;
    const std::shared_ptr<pd::models::TextLM> m = pd::models::loadTextModel(dir.string());
    torch::NoGradGuard noGrad;
    const std::int64_t t = std::min<std::int64_t>(4, m->config().maxInputLength());
    if (t < 1) return 0;
    pd::models::TextInputs in;
    in.inputIds = at::arange(t, at::kLong).remainder(m->config().vocabSize).unsqueeze(0);
    const at::Tensor h = m->hiddenStates(in);
    (void)m->lmLogits(h);
  } catch (const pd::Error&) {
  }
  return 0;
}
