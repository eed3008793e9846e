#include "methods/prompt_artifact.h"

#include "io/safetensors.h"
#include "methods/coop/coop_trainer.h"
#include "promptdesk/error.h"

namespace pd::methods {

void saveLearnedPrompt(const std::string& path, const LearnedPrompt& prompt) {
  if (!prompt.ctx.defined()) throw pd::Error("no context vectors to save", path);
  std::map<std::string, at::Tensor> t = prompt.meta;
  t["ctx"] = prompt.ctx.detach();
  io::writeSafetensors(path, t, {{"promptdesk_prompt", prompt.spec.dump()}});
}

LearnedPrompt loadLearnedPrompt(const std::string& path) {
  io::StateDict sd = io::readSafetensors(path);
  LearnedPrompt p;
  p.ctx = sd.at("ctx");
  if (p.ctx.dim() != 2 && p.ctx.dim() != 3)
    throw pd::Error("ctx must be (n_ctx, D) or (C, n_ctx, D)", path + ": ctx");
  for (const auto& [k, v] : sd.tensors)
    if (k.rfind("meta.", 0) == 0) p.meta[k] = v;
  auto it = sd.metadata.find("promptdesk_prompt");
  if (it == sd.metadata.end()) throw pd::Error("no promptdesk_prompt metadata", path);
  try {
    p.spec = nlohmann::json::parse(it->second);
  } catch (const std::exception& e) {
    throw pd::Error(std::string("bad prompt spec JSON: ") + e.what(), path);
  }
  return p;
}

LearnedPrompt learnedPromptFrom(const CoopTrainer& trainer, const nlohmann::json& extra) {
  LearnedPrompt p;
  for (const auto& item : trainer.learner().named_parameters()) {
    if (item.key() == "ctx")
      p.ctx = item.value().detach().clone();
    else
      p.meta[item.key()] = item.value().detach().clone();
  }
  p.spec = trainer.specJson();
  if (extra.is_object())
    for (auto it = extra.begin(); it != extra.end(); ++it) p.spec[it.key()] = it.value();
  return p;
}

std::vector<std::vector<NearestToken>> interpretContext(
    const at::Tensor& ctx, const at::Tensor& tokenEmbedding, int k,
    const std::function<std::string(int64_t)>& decode) {
  if (k < 1) throw pd::Error("k must be >= 1", "k");
  auto v = ctx.detach().reshape({-1, ctx.size(-1)});
  if (v.size(1) != tokenEmbedding.size(1))
    throw pd::Error("context width " + std::to_string(v.size(1)) + " != token embedding width " +
                    std::to_string(tokenEmbedding.size(1)));
  auto dist = at::cdist(v.unsqueeze(0), tokenEmbedding.unsqueeze(0)).squeeze(0);  // (n, V)
  auto top = dist.topk(std::min<int64_t>(k, dist.size(1)), -1, /*largest=*/false);
  auto vals = std::get<0>(top).contiguous(), ids = std::get<1>(top).contiguous();
  std::vector<std::vector<NearestToken>> out(v.size(0));
  for (int64_t i = 0; i < v.size(0); ++i)
    for (int64_t j = 0; j < ids.size(1); ++j) {
      NearestToken t;
      t.id = ids[i][j].item<int64_t>();
      t.distance = vals[i][j].item<double>();
      if (decode) t.text = decode(t.id);
      out[i].push_back(t);
    }
  return out;
}

}  // namespace pd::methods
