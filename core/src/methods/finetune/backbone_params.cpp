// Backbone tensors by HF key and the blocks with their HF sublayer names (backbone_params.h).
#include "methods/finetune/backbone_params.h"

#include <torch/nn/modules/normalization.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "promptdesk/error.h"

namespace pd::methods {
namespace {

// Natural order: runs of digits compare as numbers.
bool naturalLess(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = std::isdigit(static_cast<unsigned char>(a[i])) != 0;
    const bool db = std::isdigit(static_cast<unsigned char>(b[j])) != 0;
    if (da && db) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      const std::string na = a.substr(i, ie - i), nb = b.substr(j, je - j);
      const std::string ta = na.substr(std::min(na.find_first_not_of('0'), na.size()));
      const std::string tb = nb.substr(std::min(nb.find_first_not_of('0'), nb.size()));
      if (ta.size() != tb.size()) return ta.size() < tb.size();
      if (ta != tb) return ta < tb;
      i = ie, j = je;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i, ++j;
  }
  return a.size() - i < b.size() - j;
}

bool endsWith(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

}  // namespace

std::vector<models::KeyBinding> orderedBindings(const models::TextLM& model) {
  std::vector<models::KeyBinding> out = model.keyBindings();
  std::stable_sort(out.begin(), out.end(), [](const models::KeyBinding& x, const models::KeyBinding& y) {
    return naturalLess(x.key, y.key);
  });
  return out;
}

std::vector<NamedTensor> backboneTensors(models::TextLM& model,
                                         const std::function<bool(const models::KeyBinding&)>& keep) {
  std::vector<NamedTensor> out;
  for (const auto& b : orderedBindings(model))
    if (keep(b)) out.push_back(backboneTensor(model, b.key));
  return out;
}

std::string moduleOfTarget(const std::string& target) {
  const auto dot = target.rfind('.');
  return dot == std::string::npos ? std::string() : target.substr(0, dot);
}

std::set<std::string> layerNormModules(const models::TextLM& model) {
  std::set<std::string> out;
  for (const auto& m : model.named_modules("", /*include_self=*/false))
    if (dynamic_cast<const torch::nn::LayerNormImpl*>(m.value().get())) out.insert(m.key());
  return out;
}

std::vector<BackboneBlock> backboneBlocks(models::TextLM& model) {
  // The blocks are found through the bindings of their output projections, so that the HF
  // names come with them: "<path>.resblocks.<i>.attn.out_proj.weight" and "...mlp.c_proj.weight".
  std::map<std::string, std::string> keyOfTarget;
  for (const auto& b : model.keyBindings()) keyOfTarget[b.target] = b.key;
  std::map<std::int64_t, BackboneBlock> found;
  const std::string attnSuffix = ".attn.out_proj.weight";
  for (const auto& [target, key] : keyOfTarget) {
    if (!endsWith(target, attnSuffix)) continue;
    const std::string path = target.substr(0, target.size() - attnSuffix.size());
    const auto r = path.rfind(".resblocks.");
    if (r == std::string::npos) continue;
    BackboneBlock bb;
    try {
      bb.index = std::stoll(path.substr(r + 11));
    } catch (const std::exception&) {
      continue;
    }
    bb.modulePath = path;
    bb.attnOutputKey = key;
    auto mlp = keyOfTarget.find(path + ".mlp.c_proj.weight");
    if (mlp == keyOfTarget.end())
      throw Error("internal: block " + path + " has no bound MLP output projection", "model");
    bb.mlpOutputKey = mlp->second;
    found[bb.index] = bb;
  }
  const auto modules = model.named_modules("", false);
  std::vector<BackboneBlock> out;
  for (auto& [i, bb] : found) {
    auto* m = modules.find(bb.modulePath);
    if (!m) throw Error("internal: no module " + bb.modulePath, "model");
    bb.block = dynamic_cast<models::ResidualAttentionBlockImpl*>(m->get());
    if (!bb.block) throw Error("internal: " + bb.modulePath + " is not a transformer block", "model");
    out.push_back(bb);
  }
  const std::int64_t layers = model.config().layers;
  if (static_cast<std::int64_t>(out.size()) != layers ||
      (!out.empty() && (out.front().index != 0 || out.back().index != layers - 1)))
    throw Error("internal: found " + std::to_string(out.size()) + " bound blocks, the " +
                    model.config().family + " model has " + std::to_string(layers) + " layers",
                "model");
  return out;
}

TextEncoded encodePlain(models::TextLM& model, const TextBatch& batch, const std::string& method) {
  if (!batch.inputIds.defined() || batch.inputIds.dim() != 2)
    throw Error(method + " needs input_ids (batch, length)", "input_ids");
  if (batch.softSlots.defined() && batch.softSlots.numel() > 0 &&
      batch.softSlots.ge(0).any().item<bool>())
    throw Error(method + " adds no tokens to the text: the template's {soft} slots are for "
                         "prompt-tuning / p-tuning",
                "template");
  const std::int64_t n = batch.inputIds.size(0), t = batch.inputIds.size(1);
  models::TextInputs in;
  in.inputIds = batch.inputIds;
  in.attentionMask = batch.attentionMask.defined() ? batch.attentionMask : at::ones({n, t}, at::kLong);
  in.tokenTypeIds = batch.tokenTypeIds;
  TextEncoded enc;
  enc.hidden = model.hiddenStates(in);
  enc.inserted = 0;
  enc.attentionMask = in.attentionMask;
  return enc;
}

std::int64_t numelOf(const std::vector<NamedTensor>& named) {
  std::int64_t n = 0;
  for (const auto& t : named) n += t.value().numel();
  return n;
}

}  // namespace pd::methods
