#pragma once
// CLIP image towers: VisionTransformer and ModifiedResNet (names mirror OpenAI's `visual.*`).
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "models/clip_layers.h"
#include "promptdesk/clip.h"

namespace pd::models {

// An image tower: images (N, 3, R, R) float -> features (N, embed_dim).
struct VisionTower : torch::nn::Module {
  virtual at::Tensor forward(const at::Tensor& images) = 0;
};

struct VisionTransformer : VisionTower {
  explicit VisionTransformer(const ClipArchitecture& arch);
  at::Tensor forward(const at::Tensor& images) override;

  torch::nn::Conv2d conv1{nullptr};  // patchify, no bias
  at::Tensor class_embedding, positional_embedding, proj;
  torch::nn::LayerNorm ln_pre{nullptr}, ln_post{nullptr};
  Transformer transformer{nullptr};
};

// Anti-aliased bottleneck: avgpool(stride) before conv3 and in the downsample branch
// (downsample.0 = 1x1 conv, downsample.1 = BatchNorm; the avgpool has no weights).
struct BottleneckImpl : torch::nn::Module {
  BottleneckImpl(std::int64_t inplanes, std::int64_t planes, std::int64_t stride);
  at::Tensor forward(const at::Tensor& x);

  std::int64_t stride;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::ModuleList downsample{nullptr};  // empty when the identity is used
};
TORCH_MODULE(Bottleneck);

// Attention pooling: mean token + positional embedding, one query (the mean), q/k/v/c_proj.
struct AttentionPool2dImpl : torch::nn::Module {
  AttentionPool2dImpl(std::int64_t spatial, std::int64_t embed, std::int64_t heads,
                      std::int64_t outputDim);
  at::Tensor forward(const at::Tensor& x);  // (N, C, H, W) -> (N, outputDim)

  std::int64_t heads;
  at::Tensor positional_embedding;
  torch::nn::Linear k_proj{nullptr}, q_proj{nullptr}, v_proj{nullptr}, c_proj{nullptr};
};
TORCH_MODULE(AttentionPool2d);

struct ModifiedResNet : VisionTower {
  explicit ModifiedResNet(const ClipArchitecture& arch);
  at::Tensor forward(const at::Tensor& images) override;

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  std::vector<torch::nn::ModuleList> layers;  // layer1..layer4
  AttentionPool2d attnpool{nullptr};
};

}  // namespace pd::models
