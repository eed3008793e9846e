#include "models/clip_vision.h"

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
  x = x.flatten(2).transpose(1, 2);       // (N, g*g, W)
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
  at::Tensor out = at::relu(bn1->forward(conv1->forward(x)));
  out = at::relu(bn2->forward(conv2->forward(out)));
  if (stride > 1) out = at::avg_pool2d(out, {stride, stride});
  out = bn3->forward(conv3->forward(out));
  at::Tensor identity = x;
  if (!downsample->is_empty()) {
    at::Tensor d = stride > 1 ? at::avg_pool2d(x, {stride, stride}) : x;
    d = downsample->ptr<torch::nn::Conv2dImpl>(0)->forward(d);
    identity = downsample->ptr<torch::nn::BatchNorm2dImpl>(1)->forward(d);
  }
  return at::relu(out + identity);
}

AttentionPool2dImpl::AttentionPool2dImpl(std::int64_t spatial, std::int64_t embed,
                                         std::int64_t h, std::int64_t outputDim)
    : heads(h) {
  positional_embedding = register_parameter(
      "positional_embedding",
      at::randn({spatial * spatial + 1, embed}) / std::sqrt(static_cast<double>(embed)));
  k_proj = register_module("k_proj", torch::nn::Linear(embed, embed));
  q_proj = register_module("q_proj", torch::nn::Linear(embed, embed));
  v_proj = register_module("v_proj", torch::nn::Linear(embed, embed));
  c_proj = register_module("c_proj", torch::nn::Linear(embed, outputDim));
}

at::Tensor AttentionPool2dImpl::forward(const at::Tensor& input) {
  const std::int64_t n = input.size(0), c = input.size(1);
  at::Tensor x = input.flatten(2).transpose(1, 2);                    // (N, HW, C)
  x = at::cat({x.mean(1, /*keepdim=*/true), x}, 1) + positional_embedding.to(x.scalar_type());
  const std::int64_t s = x.size(1), hd = c / heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  at::Tensor q = (q_proj->forward(x.narrow(1, 0, 1)) * scale).view({n, heads, 1, hd});
  at::Tensor k = k_proj->forward(x).view({n, s, heads, hd}).transpose(1, 2);  // (N, H, S, hd)
  at::Tensor v = v_proj->forward(x).view({n, s, heads, hd}).transpose(1, 2);
  at::Tensor attn = at::softmax(at::matmul(q, k.transpose(2, 3)), -1);        // (N, H, 1, S)
  at::Tensor out = at::matmul(attn, v).reshape({n, c});                         // (N, H*hd)
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

at::Tensor ModifiedResNet::forward(const at::Tensor& images) {
  at::Tensor x = at::relu(bn1->forward(conv1->forward(images)));
  x = at::relu(bn2->forward(conv2->forward(x)));
  x = at::relu(bn3->forward(conv3->forward(x)));
  x = at::avg_pool2d(x, {2, 2});
  for (auto& stage : layers)
    for (const auto& m : *stage) x = m->as<BottleneckImpl>()->forward(x);
  return attnpool->forward(x);
}

}  // namespace pd::models
