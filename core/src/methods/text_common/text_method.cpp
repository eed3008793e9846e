#include "methods/text_common/text_method.h"

#include <set>

#include "methods/text_common/text_head.h"
#include "promptdesk/error.h"

namespace pd::methods {

TextMethod::TextMethod() = default;
TextMethod::~TextMethod() = default;

std::string TextMethod::defaultHead() const {
  return "verbalizer";
}

void TextMethod::setup(const TextBackbone& backbone, const TextTaskSpec& task) {
  if (!backbone.model) throw Error("internal: a text method needs a model", "model");
  backbone_ = backbone;
  task_ = task;
  backbone_.model->freeze();
  setupMethod();
  head_ = makeTextHead(task_.head.empty() ? defaultHead() : task_.head, backbone_, task_);
}

std::vector<NamedTensor> TextMethod::trainable() {
  std::vector<NamedTensor> out = adaptation();
  if (head_)
    for (auto& t : head_->trainable()) out.push_back(std::move(t));
  return out;
}

at::Tensor TextMethod::classLogits(const TextEncoded& enc, const TextBatch& batch) {
  return head_->classLogits(model(), enc, batch);
}

at::Tensor TextMethod::loss(const TextEncoded& enc, const TextBatch& batch,
                            std::map<std::string, at::Tensor>* outputs,
                            const at::Tensor& logitsVocabIds) {
  if (!batch.labels.defined()) throw Error("a loss needs labels", "labels");
  return head_->loss(model(), enc, batch, outputs, logitsVocabIds);
}

std::map<std::string, at::Tensor> TextMethod::peftTensors() {
  std::map<std::string, at::Tensor> out;
  for (const auto& t : trainable()) out[t.name] = t.value().detach().clone();
  return out;
}

void TextMethod::loadLearned(const std::map<std::string, at::Tensor>& tensors,
                             const std::string& source) {
  assignNamed(trainable(), tensors, source);
}

void assignNamed(const std::vector<NamedTensor>& named,
                 const std::map<std::string, at::Tensor>& tensors, const std::string& source,
                 bool allowExtra) {
  std::vector<std::string> missing, mismatched, unexpected;
  std::set<std::string> known;
  for (const auto& n : named) {
    known.insert(n.name);
    auto it = tensors.find(n.name);
    if (it == tensors.end()) {
      missing.push_back(n.name);
      continue;
    }
    if (it->second.sizes() != n.value().sizes())
      mismatched.push_back(n.name + " is " + models::shapeText(it->second.sizes()) +
                           ", expected " + models::shapeText(n.value().sizes()));
  }
  if (!allowExtra)
    for (const auto& [k, v] : tensors)
      if (!known.count(k)) unexpected.push_back(k);
  if (!missing.empty() || !mismatched.empty() || !unexpected.empty()) {
    std::string msg = "the learned tensors do not fit this method and model:";
    auto list = [&](const char* what, const std::vector<std::string>& v) {
      if (v.empty()) return;
      msg += std::string(" ") + what + ": ";
      for (std::size_t i = 0; i < v.size(); ++i) msg += (i ? ", " : "") + v[i];
      msg += ";";
    };
    list("missing", missing);
    list("unexpected", unexpected);
    list("wrong shape", mismatched);
    msg.pop_back();
    throw Error(msg, source);
  }
  at::NoGradGuard ng;
  for (const auto& n : named) {
    at::Tensor dst = n.value();
    dst.copy_(tensors.at(n.name).to(dst.scalar_type()));
  }
}

NamedTensor backboneTensor(models::TextLM& model, const std::string& hfKey) {
  const models::KeyBinding& b = model.keyBinding(hfKey);
  at::Tensor leaf = model.moduleTensor(b.target);
  leaf.set_requires_grad(true);
  NamedTensor t;
  t.name = hfKey;
  t.leaf = leaf;
  if (b.transposed || b.rows >= 0) t.view = [b](const at::Tensor& x) { return models::keyView(b, x); };
  return t;
}

TrainableCount countTrainable(const std::vector<NamedTensor>& named, const models::TextLM& model) {
  TrainableCount c;
  c.backbone = model.parameterCount();
  // Each leaf once (tied names share one), and only those the optimiser moves.
  std::set<const void*> seen;
  for (const auto& n : named)
    if (n.leaf.requires_grad() && seen.insert(n.leaf.unsafeGetTensorImpl()).second)
      c.trained += n.leaf.numel();
  return c;
}

}  // namespace pd::methods
