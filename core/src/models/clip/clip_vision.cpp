#include "models/clip/clip_vision.h"

#include <cmath>

namespace pd::models {

namespace {
torch::nn::Conv2d conv(std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t stride = 1,
                       std::int64_t pad = 0) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, k).stride(stride).padding(pad).bias(false));
}
torch::nn::BatchNorm2d bn(std::int64_t n) { return torch::nn::BatchNorm2d(n); }
torch::nn::LayerNorm ln(std::int64_t n) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({n}).eps(1e-5));
}
}  // namespace

// ---------------------------------------------------------------- VisionTransformer

VisionTransformer::VisionTransformer(const ClipArchitecture& a) {
  const std::int64_t w = a.visionWidth, p = a.visionPatchSize;
  const std::int64_t grid = a.imageResolution / p;
  const double scale = 1.0 / std::sqrt(static_cast<double>(w));
  conv1 = register_module("conv1", conv(3, w, p, p));
  class_embedding = register_parameter("class_embedding", at::randn({w}) * scale);
  positional_embedding =
      register_parameter("positional_embedding", at::randn({grid * grid + 1, w}) * scale);
  ln_pre = register_module("ln_pre", ln(w));
  transformer = register_module("transformer", Transformer(w, a.visionLayers, a.visionHeads));
  ln_post = register_module("ln_post", ln(w));
  proj = register_parameter("proj", at::randn({w, a.embedDim}) * scale);
}

at::Tensor VisionTransformer::forward(const at::Tensor& images) {
  at::Tensor x = conv1->forward(images);  // (N, W, g, g)
  const std::int64_t n = x.size(0), w = x.size(1);
  x = x.flatten(2).transpose(1, 2);  // (N, g*g, W)
  at::Tensor cls = class_embedding.to(x.scalar_type()).view({1, 1, w}).expand({n, 1, w});
  x = at::cat({cls, x}, 1) + positional_embedding.to(x.scalar_type());
  x = layerNormFp32(ln_pre, x);
  x = transformer->forward(x);
  x = layerNormFp32(ln_post, x.select(1, 0));
  return at::matmul(x, proj);
}

// ---------------------------------------------------------------- ModifiedResNet

BottleneckImpl::BottleneckImpl(std::int64_t inplanes, std::int64_t planes, std::int64_t s)
    : stride(s) {
  conv1 = register_module("conv1", conv(inplanes, planes, 1));
  bn1 = register_module("bn1", bn(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3, 1, 1));
  bn2 = register_module("bn2", bn(planes));
  conv3 = register_module("conv3", conv(planes, planes * 4, 1));
  bn3 = register_module("bn3", bn(planes * 4));
  downsample = register_module("downsample", torch::nn::ModuleList());
  if (stride > 1 || inplanes != planes * 4) {
    downsample->push_back(conv(inplanes, planes * 4, 1));
    downsample->push_back(bn(planes * 4));
  }
}

at::Tensor BottleneckImpl::forward(const at::Tensor& x) {
  // In-place ReLUs on BatchNorm outputs are autograd-safe (BN's backward needs its input).
  at::Tensor out = bn1->forward(conv1->forward(x)).relu_();
  out = bn2->forward(conv2->forward(out)).relu_();
  if (stride > 1) out = at::avg_pool2d(out, {stride, stride});
  out = bn3->forward(conv3->forward(out));
  at::Tensor identity = x;
  if (!downsample->is_empty()) {
    at::Tensor d = stride > 1 ? at::avg_pool2d(x, {stride, stride}) : x;
    d = downsample->ptr<torch::nn::Conv2dImpl>(0)->forward(d);
    identity = downsample->ptr<torch::nn::BatchNorm2dImpl>(1)->forward(d);
  }
  return out.add_(identity).relu_();
}

void FoldedConvBn::fold(const torch::nn::Conv2d& conv, const torch::nn::BatchNorm2d& bn,
                        std::int64_t s, std::int64_t p) {
  torch::NoGradGuard ng;
  at::Tensor scale = bn->weight / at::sqrt(bn->running_var + bn->options.eps());
  weight = (conv->weight * scale.view({-1, 1, 1, 1})).contiguous();
  bias = (bn->bias - bn->running_mean * scale).contiguous();
  stride = s;
  padding = p;
}

at::Tensor FoldedConvBn::operator()(const at::Tensor& x) const {
  return at::conv2d(x, weight, bias, {stride, stride}, {padding, padding});
}

void BottleneckImpl::fold() {
  f1.fold(conv1, bn1, 1, 0);
  f2.fold(conv2, bn2, 1, 1);
  f3.fold(conv3, bn3, 1, 0);
  if (!downsample->is_empty())
    fd.fold(torch::nn::Conv2d(downsample->ptr<torch::nn::Conv2dImpl>(0)),
            torch::nn::BatchNorm2d(downsample->ptr<torch::nn::BatchNorm2dImpl>(1)), 1, 0);
}

at::Tensor BottleneckImpl::forwardFolded(const at::Tensor& x) {
  at::Tensor out = f2(f1(x).relu_()).relu_();
  if (stride > 1) out = at::avg_pool2d(out, {stride, stride});
  out = f3(out);
  if (downsample->is_empty()) return out.add_(x).relu_();
  return out.add_(fd(stride > 1 ? at::avg_pool2d(x, {stride, stride}) : x)).relu_();
}

AttentionPool2dImpl::AttentionPool2dImpl(std::int64_t spatial, std::int64_t embed, std::int64_t h,
                                         std::int64_t outputDim)
    : heads(h) {
  positional_embedding =
      register_parameter("positional_embedding", at::randn({spatial * spatial + 1, embed}) /
                                                     std::sqrt(static_cast<double>(embed)));
  k_proj = register_module("k_proj", torch::nn::Linear(embed, embed));
  q_proj = register_module("q_proj", torch::nn::Linear(embed, embed));
  v_proj = register_module("v_proj", torch::nn::Linear(embed, embed));
  c_proj = register_module("c_proj", torch::nn::Linear(embed, outputDim));
}

at::Tensor AttentionPool2dImpl::forward(const at::Tensor& input) {
  const std::int64_t n = input.size(0), c = input.size(1);
  at::Tensor x = input.flatten(2).transpose(1, 2);  // (N, HW, C)
  x = at::cat({x.mean(1, /*keepdim=*/true), x}, 1) + positional_embedding.to(x.scalar_type());
  const std::int64_t s = x.size(1), hd = c / heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  at::Tensor q = (q_proj->forward(x.narrow(1, 0, 1)) * scale).view({n, heads, 1, hd});
  at::Tensor k = k_proj->forward(x).view({n, s, heads, hd}).transpose(1, 2);  // (N, H, S, hd)
  at::Tensor v = v_proj->forward(x).view({n, s, heads, hd}).transpose(1, 2);
  at::Tensor attn = at::softmax(at::matmul(q, k.transpose(2, 3)), -1);  // (N, H, 1, S)
  at::Tensor out = at::matmul(attn, v).reshape({n, c});                 // (N, H*hd)
  return c_proj->forward(out);
}

ModifiedResNet::ModifiedResNet(const ClipArchitecture& a) {
  const std::int64_t w = a.visionWidth;
  conv1 = register_module("conv1", conv(3, w / 2, 3, 2, 1));
  bn1 = register_module("bn1", bn(w / 2));
  conv2 = register_module("conv2", conv(w / 2, w / 2, 3, 1, 1));
  bn2 = register_module("bn2", bn(w / 2));
  conv3 = register_module("conv3", conv(w / 2, w, 3, 1, 1));
  bn3 = register_module("bn3", bn(w));
  std::int64_t inplanes = w;
  for (size_t stage = 0; stage < a.visionStageBlocks.size(); ++stage) {
    const std::int64_t planes = w << stage;
    torch::nn::ModuleList blocks;
    for (std::int64_t j = 0; j < a.visionStageBlocks[stage]; ++j) {
      blocks->push_back(Bottleneck(inplanes, planes, (stage > 0 && j == 0) ? 2 : 1));
      inplanes = planes * 4;
    }
    layers.push_back(register_module("layer" + std::to_string(stage + 1), blocks));
  }
  attnpool = register_module(
      "attnpool", AttentionPool2d(a.imageResolution / 32, w * 32, a.visionHeads, a.embedDim));
}

void ModifiedResNet::invalidateInferenceCache() { folded_ = false; }

void ModifiedResNet::ensureFolded() {
  if (folded_) return;
  std::lock_guard<std::mutex> lock(foldMutex_);
  if (folded_) return;
  s1_.fold(conv1, bn1, 2, 1);
  s2_.fold(conv2, bn2, 1, 1);
  s3_.fold(conv3, bn3, 1, 1);
  for (auto& stage : layers)
    for (const auto& m : *stage) m->as<BottleneckImpl>()->fold();
  folded_ = true;
}

at::Tensor ModifiedResNet::forward(const at::Tensor& images) {
  if (!is_training() && !at::GradMode::is_enabled()) {
    ensureFolded();
    at::Tensor x = s3_(s2_(s1_(images).relu_()).relu_()).relu_();
    x = at::avg_pool2d(x, {2, 2});
    for (auto& stage : layers)
      for (const auto& m : *stage) x = m->as<BottleneckImpl>()->forwardFolded(x);
    return attnpool->forward(x);
  }
  at::Tensor x = bn1->forward(conv1->forward(images)).relu_();
  x = bn2->forward(conv2->forward(x)).relu_();
  x = bn3->forward(conv3->forward(x)).relu_();
  x = at::avg_pool2d(x, {2, 2});
  for (auto& stage : layers)
    for (const auto& m : *stage) x = m->as<BottleneckImpl>()->forward(x);
  return attnpool->forward(x);
}

}  // namespace pd::models
