// Pretraining of the demo CLIP: symmetric InfoNCE with a learned temperature (as CLIP), on the
// Fashion-MNIST train split with generated captions (demo/captions.h).
#include <torch/nn/init.h>
#include <torch/optim/adamw.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "data/prng.h"
#include "demo/captions.h"
#include "demo/demo_images.h"
#include "io/safetensors.h"
#include "models/clip/clip_model.h"
#include "promptdesk/dataset.h"
#include "promptdesk/demo.h"
#include "promptdesk/error.h"
#include "promptdesk/paths.h"
#include "promptdesk/tokenizer.h"

namespace pd {

std::string DemoPretrainOptions::recipeJson() const {
  nlohmann::json j = {{"recipe", "promptdesk-demo-clip/2"},
                      {"captions", "web-style v2: synonyms, loose names 0.35, 3% wrong class"},
                      {"dataset", "fashion-mnist/train"},
                      {"epochs", epochs},
                      {"batch_size", batchSize},
                      {"train_items", trainItems},
                      {"lr", learningRate},
                      {"seed", seed},
                      {"vision_width", visionWidth},
                      {"vision_layers", visionLayers},
                      {"text_width", textWidth},
                      {"text_layers", textLayers},
                      {"embed_dim", embedDim}};
  return j.dump();
}

std::string DemoPretrainOptions::recipeHash() const {
  return data::hex64(data::fnv1a64(recipeJson()));
}

namespace {

using Clock = std::chrono::steady_clock;

ClipArchitecture demoArchitecture(const DemoPretrainOptions& o) {
  ClipArchitecture a;
  a.visionIsResNet = false;
  a.embedDim = o.embedDim;
  a.imageResolution = 28;
  a.visionPatchSize = 7;
  a.visionWidth = o.visionWidth;
  a.visionLayers = o.visionLayers;
  a.visionHeads = o.visionWidth / 64;
  a.contextLength = 77;
  a.vocabSize = 49408;
  a.transformerWidth = o.textWidth;
  a.transformerHeads = o.textWidth / 64;
  a.transformerLayers = o.textLayers;
  return a;
}

// Initialisation in the spirit of OpenAI's initialize_parameters (the released code's scales).
void initialise(models::ClipModel& m, const ClipArchitecture& a, std::uint64_t seed) {
  torch::NoGradGuard ng;
  at::manual_seed(static_cast<std::int64_t>(seed));
  for (auto& kv : m.named_parameters()) {
    const std::string& k = kv.key();
    at::Tensor p = kv.value();
    const bool bias = k.size() >= 4 && k.compare(k.size() - 4, 4, "bias") == 0;
    if (k.find("ln_") != std::string::npos || k.find("ln_final") != std::string::npos) {
      p.fill_(bias ? 0.0 : 1.0);
    } else if (bias) {
      p.zero_();
    } else if (k == "token_embedding.weight") {
      p.normal_(0, 0.02);
    } else if (k == "positional_embedding") {
      p.normal_(0, 0.01);
    } else if (k == "logit_scale") {
      p.fill_(std::log(1.0 / 0.07));
    } else if (k == "text_projection") {
      p.normal_(0, std::pow(double(a.transformerWidth), -0.5));
    } else if (k == "visual.proj" || k == "visual.class_embedding" ||
               k == "visual.positional_embedding") {
      p.normal_(0, std::pow(double(a.visionWidth), -0.5));
    } else if (p.dim() >= 2) {
      const double width = k.rfind("visual.", 0) == 0 ? a.visionWidth : a.transformerWidth;
      p.normal_(0, std::pow(width, -0.5));
    }
  }
}

at::Tensor symmetricInfoNce(const at::Tensor& img, const at::Tensor& txt, const at::Tensor& scale) {
  at::Tensor i = img / img.norm(2, -1, true);
  at::Tensor t = txt / txt.norm(2, -1, true);
  at::Tensor logits = scale.exp() * at::matmul(i, t.t());
  at::Tensor target = at::arange(logits.size(0), at::kLong);
  return 0.5 *
         (at::cross_entropy_loss(logits, target) + at::cross_entropy_loss(logits.t(), target));
}

}  // namespace

DemoPretrainResult pretrainDemoClip(const DemoPretrainOptions& o, JobContext* ctx) {
  if (o.epochs < 1 || o.batchSize < 2 || o.trainItems < o.batchSize)
    throw Error("epochs >= 1, batch size >= 2 and train items >= batch size are required",
                "demo pretraining options");
  DemoPretrainResult r;
  const std::string outDir = o.outDir.empty() ? dataPath("models") : o.outDir;
  r.modelPath = outDir + "/demo-clip-" + o.recipeHash() + ".safetensors";
  if (!o.force && std::filesystem::exists(r.modelPath)) {
    r.reused = true;
    return r;
  }
  std::filesystem::create_directories(outDir);
  const auto t0 = Clock::now();

  demo::FashionImages train = demo::loadFashionSplit(o.fashionDir, "train", o.trainItems);
  const std::int64_t n = train.images.size(0);
  at::Tensor pixels = demo::clipNormalise(train.images);  // (N, 3, 28, 28)
  ClipTokenizer tokenizer = ClipTokenizer::fromDataDir();

  const ClipArchitecture arch = demoArchitecture(o);
  models::ClipModel model(arch);
  initialise(model, arch, o.seed);
  model.train(false);  // no dropout/BN in the ViT; keep eval semantics
  for (auto& p : model.parameters()) p.set_requires_grad(true);

  torch::optim::AdamW opt(
      model.parameters(),
      torch::optim::AdamWOptions(o.learningRate).betas({0.9, 0.98}).eps(1e-6).weight_decay(0.1));
  const std::int64_t stepsPerEpoch = n / o.batchSize;
  const std::int64_t total = stepsPerEpoch * o.epochs;
  const std::int64_t warmup = std::max<std::int64_t>(1, total / 20);
  data::SplitMix64 order(data::deriveSeed(o.seed, "demo/order"));
  std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = i;

  std::int64_t step = 0;
  double epochLoss = 0;
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    order.shuffle(perm);
    epochLoss = 0;
    for (std::int64_t b = 0; b < stepsPerEpoch; ++b) {
      if (ctx) ctx->checkCancelled();
      const double lr = step < warmup
                            ? o.learningRate * double(step + 1) / double(warmup)
                            : 0.5 * o.learningRate *
                                  (1 + std::cos(M_PI * double(step - warmup) /
                                                double(std::max<std::int64_t>(1, total - warmup))));
      for (auto& g : opt.param_groups())
        static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);

      std::vector<std::int64_t> idx(perm.begin() + b * o.batchSize,
                                    perm.begin() + (b + 1) * o.batchSize);
      at::Tensor index = at::tensor(idx, at::kLong);
      std::vector<std::int64_t> tokens;
      tokens.reserve(idx.size() * 77);
      for (std::int64_t i : idx) {
        const int label = static_cast<int>(train.labelVector[static_cast<std::size_t>(i)]);
        const std::string cap =
            demo::fashionCaption(label, static_cast<std::uint64_t>(i), epoch, o.seed);
        for (int id : tokenizer.tokenize(cap, 77, true)) tokens.push_back(id);
      }
      at::Tensor tok = at::tensor(tokens, at::kLong).view({-1, 77});
      at::Tensor emb = model.token_embedding->forward(tok);
      at::Tensor txt = model.encode_text_embeddings(emb, models::ClipModel::eot_index(tok), true);
      at::Tensor img = model.visual->forward(pixels.index_select(0, index));
      at::Tensor loss = symmetricInfoNce(img, txt, model.logit_scale);
      opt.zero_grad();
      loss.backward();
      opt.step();
      {
        torch::NoGradGuard ng;
        model.logit_scale.clamp_(0, std::log(100.0));
      }
      const double l = loss.item<double>();
      epochLoss += l;
      ++step;
      if (ctx && (step % 10 == 0 || step == total))
        ctx->progress(double(step) / double(total), step, total,
                      "demo CLIP pretraining, epoch " + std::to_string(epoch + 1) + "/" +
                          std::to_string(o.epochs),
                      {{"loss", l}, {"lr", lr}, {"epoch", epoch + 1}});
    }
    epochLoss /= double(stepsPerEpoch);
  }

  std::map<std::string, at::Tensor> sd;
  for (auto& kv : model.named_parameters()) sd[kv.key()] = kv.value().detach().contiguous();
  for (auto& kv : model.named_buffers()) sd[kv.key()] = kv.value().detach().contiguous();
  io::writeSafetensors(r.modelPath, sd, {{"format", "pt"}, {"promptdesk_recipe", o.recipeJson()}});
  // Prove that the ordinary loader accepts it (strict names and shapes).
  models::loadClipModel(r.modelPath);
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  r.finalLoss = epochLoss;
  r.steps = step;
  return r;
}

}  // namespace pd
