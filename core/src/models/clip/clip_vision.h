#pragma once
// CLIP image towers: VisionTransformer and ModifiedResNet (names mirror OpenAI's `visual.*`).
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <atomic>
#include <mutex>

#include "models/layers/transformer.h"
#include "promptdesk/clip.h"

namespace pd::models {

// An image tower: images (N, 3, R, R) float -> features (N, embed_dim).
struct VisionTower : torch::nn::Module {
  virtual at::Tensor forward(const at::Tensor& images) = 0;
  // Drops derived inference data (folded BatchNorm); called after weights change.
  virtual void invalidateInferenceCache() {}
};

// A convolution followed by an eval-mode BatchNorm, folded into one convolution's weight and
// bias (used for inference without autograd: same result, one pass over the activations).
struct FoldedConvBn {
  at::Tensor weight, bias;
  std::int64_t stride = 1, padding = 0;
  void fold(const torch::nn::Conv2d& conv, const torch::nn::BatchNorm2d& bn, std::int64_t stride,
            std::int64_t padding);
  at::Tensor operator()(const at::Tensor& x) const;
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
  void fold();                                    // fills f1..fd from the modules
  at::Tensor forwardFolded(const at::Tensor& x);  // eval, no autograd

  std::int64_t stride;
  FoldedConvBn f1, f2, f3, fd;
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
  // Eval mode without autograd: folded conv+BN path (folded lazily, once, thread-safe);
  // otherwise the plain modules.
  at::Tensor forward(const at::Tensor& images) override;
  void invalidateInferenceCache() override;

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  std::vector<torch::nn::ModuleList> layers;  // layer1..layer4
  AttentionPool2d attnpool{nullptr};

 private:
  void ensureFolded();
  FoldedConvBn s1_, s2_, s3_;
  std::mutex foldMutex_;
  std::atomic<bool> folded_{false};
};

}  // namespace pd::models
