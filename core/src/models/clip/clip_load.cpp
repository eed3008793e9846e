// Strict loading of OpenAI-layout CLIP weights into ClipModel.
#include <sstream>

#include "models/clip/clip_model.h"
#include "promptdesk/error.h"

namespace pd::models {

namespace {

bool isBatchCounter(const std::string& key) {
  const std::string s = "num_batches_tracked";
  return key.size() >= s.size() && key.compare(key.size() - s.size(), s.size(), s) == 0;
}

std::string listOf(const std::vector<std::string>& items, size_t max = 12) {
  std::ostringstream o;
  for (size_t i = 0; i < items.size() && i < max; ++i) o << (i ? ", " : "") << items[i];
  if (items.size() > max) o << ", ... (" << items.size() - max << " more)";
  return o.str();
}

void throwIfAny(const std::vector<std::string>& missing, const std::vector<std::string>& unexpected,
                const std::vector<std::string>& mismatched, const std::string& source) {
  if (missing.empty() && unexpected.empty() && mismatched.empty()) return;
  std::ostringstream o;
  o << "weights do not match the CLIP architecture";
  if (!missing.empty()) o << "; " << missing.size() << " missing: " << listOf(missing);
  if (!unexpected.empty()) o << "; " << unexpected.size() << " unexpected: " << listOf(unexpected);
  if (!mismatched.empty())
    o << "; " << mismatched.size() << " with wrong shape: " << listOf(mismatched);
  throw pd::Error(o.str(), source);
}

}  // namespace

void checkClipShapes(const ClipArchitecture& arch, const ShapeMap& shapes,
                     const std::string& source) {
  const ShapeMap expected = expectedClipShapes(arch);
  std::vector<std::string> missing, unexpected, mismatched;
  for (const auto& [key, shape] : expected) {
    auto it = shapes.find(key);
    if (it == shapes.end()) {
      if (!isBatchCounter(key)) missing.push_back(key);
    } else if (it->second != shape &&
               !(isBatchCounter(key) && it->second.empty() == shape.empty())) {
      mismatched.push_back(key + " " + shapeString(it->second) + " expected " + shapeString(shape));
    }
  }
  for (const auto& kv : shapes)
    if (!expected.count(kv.first) && !isClipNonWeightKey(kv.first)) unexpected.push_back(kv.first);
  throwIfAny(missing, unexpected, mismatched, source);
}

void ClipModel::loadWeights(const io::StateDict& sd) {
  std::vector<std::string> missing, unexpected, mismatched;
  std::map<std::string, at::Tensor> targets;
  for (auto& p : named_parameters(true)) targets[p.key()] = p.value();
  for (auto& b : named_buffers(true)) targets[b.key()] = b.value();
  for (const auto& [key, dst] : targets) {
    auto it = sd.tensors.find(key);
    if (it == sd.tensors.end()) {
      if (!isBatchCounter(key)) missing.push_back(key);
    } else if (it->second.sizes() != dst.sizes()) {
      mismatched.push_back(key + " " + shapeString(it->second.sizes().vec()) + " expected " +
                           shapeString(dst.sizes().vec()));
    }
  }
  for (const auto& kv : sd.tensors)
    if (!targets.count(kv.first) && !isClipNonWeightKey(kv.first)) unexpected.push_back(kv.first);
  throwIfAny(missing, unexpected, mismatched, sd.source);
  torch::NoGradGuard ng;
  for (auto& [key, dst] : targets) {
    auto it = sd.tensors.find(key);
    if (it == sd.tensors.end()) continue;
    const at::Tensor& src = it->second;
    if (isBatchCounter(key)) {
      if (src.numel() != 1) throw pd::Error("'" + key + "' is not a scalar", sd.source);
      dst.copy_(src.to(at::kLong));
      continue;
    }
    if (!at::isFloatingType(src.scalar_type()))
      throw pd::Error("weight '" + key + "' is not a floating-point tensor", sd.source);
    dst.copy_(src.to(at::kFloat));
  }
  for (auto& p : parameters()) p.set_requires_grad(false);
  visual->invalidateInferenceCache();
  eval();
}

std::shared_ptr<ClipModel> buildClipModel(const io::StateDict& sd, const nlohmann::json& config) {
  const ShapeMap shapes = shapesOf(sd);
  ClipArchitecture arch = inferClipArchitecture(shapes, sd.source);
  applyClipConfig(arch, config, sd.source);
  if (arch.transformerWidth % arch.transformerHeads != 0 || arch.visionHeads <= 0 ||
      (arch.visionIsResNet ? (arch.visionWidth * 32) % arch.visionHeads
                           : arch.visionWidth % arch.visionHeads) != 0)
    throw pd::Error("attention widths are not multiples of the head counts (text " +
                        std::to_string(arch.transformerWidth) + "/" +
                        std::to_string(arch.transformerHeads) + ")",
                    sd.source);
  checkClipShapes(arch, shapes, sd.source);
  auto model = std::make_shared<ClipModel>(arch);
  model->loadWeights(sd);
  return model;
}

}  // namespace pd::models
