// Houlsby adapters as google-research/adapter-bert implements them (modeling.py
// feedforward_adapter and its placement in transformer_model; optimization.py's trained
// collections): in every layer one adapter on the attention-output dense output and one on the
// FFN-output dense output, each before the residual add and the LayerNorm (post-LN BERT /
// RoBERTa; GPT-2, pre-LN: on attn.c_proj's and mlp.c_proj's outputs before the residual add,
// Houlsby's placement). adapter(x) = up(gelu_tanh(down(x))) + x with bottleneck m, adapter-bert's
// tanh GELU inside (the model's own FFN keeps its activation). Trained: the adapters, every
// LayerNorm weight and bias of the backbone (HF keys) and the head; the rest stays frozen.
// Init as adapter-bert: weights truncated normal (std 1e-3, cut at 2 std), zero biases, so that
// each adapter starts near the identity. Names: "<layer>.attention.output.adapter.{down,up}.*"
// and "<layer>.output.adapter.*" (BERT / RoBERTa), "transformer.h.<i>.{attn,mlp}.adapter.*"
// (GPT-2), in torch.nn.Linear layout (down.weight [m, H] = adapter-bert's weights1^T).
// PEFT has no Houlsby adapter: peftConfig() is empty (the exporter writes our own type; the
// tensors keep these names).
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include "methods/common/config.h"
#include "methods/common/method.h"
#include "methods/finetune/backbone_params.h"
#include "methods/text_common/text_head.h"
#include "methods/text_common/text_method.h"
#include "promptdesk/error.h"

using nlohmann::json;

namespace pd::methods {
namespace {

struct AdapterConfig {
  int bottleneckM = 64;
  double initStd = 1e-3;
  TextTrainOptions train;
};

const ConfigDecl<AdapterConfig>& adapterConfig() {
  static const ConfigDecl<AdapterConfig> d = [] {
    ConfigDecl<AdapterConfig> c;
    c.integer(&AdapterConfig::bottleneckM, "bottleneck_m", 64, 1, 1 << 16,
              "adapter bottleneck size m (adapter-bert's adapter_size, default 64)");
    c.real(&AdapterConfig::initStd, "init_std", 1e-3, 0, 1,
           "std of the truncated-normal adapter weights (adapter-bert's "
           "adapter_initializer_range 1e-3: each adapter starts near the identity)");
    // adapter-bert's README trains adapters with lr 3e-4 (its paper sweeps 3e-5..3e-3); the
    // steps, batch and dev selection as LM-BFF's few-shot protocol.
    TextTrainOptions t;
    t.lr = 3e-4;
    declareTextTrainOptions(c, &AdapterConfig::train, t);
    return c;
  }();
  return d;
}

// Truncated normal N(0, std^2) cut at 2 std (TF's truncated_normal_initializer: redraw outside).
at::Tensor truncatedNormal(at::IntArrayRef shape, double std, at::Generator& gen) {
  at::Tensor t = at::normal(0.0, 1.0, shape, gen);
  for (int round = 0; round < 64; ++round) {
    at::Tensor bad = t.abs() > 2.0;
    if (!bad.any().item<bool>()) break;
    t = at::where(bad, at::normal(0.0, 1.0, shape, gen), t);
  }
  return t.clamp(-2.0, 2.0) * std;
}

// One adapter: its tensors (leaves) and its reference name prefix ("...adapter").
struct Houlsby {
  std::string name;
  at::Tensor downW, downB, upW, upB;
  at::Tensor operator()(const at::Tensor& x) const {
    at::Tensor h = models::activate(models::Activation::GeluTanh, at::linear(x, downW, downB));
    return at::linear(h, upW, upB) + x;
  }
};

// "bert.encoder.layer.0.attention.output.dense.weight" -> "bert.encoder.layer.0.attention.output.adapter";
// "transformer.h.0.attn.c_proj.weight" -> "transformer.h.0.attn.adapter".
std::string adapterName(const std::string& projectionWeightKey) {
  std::string s = projectionWeightKey;
  for (int i = 0; i < 2; ++i) {
    const auto dot = s.rfind('.');
    if (dot == std::string::npos)
      throw Error("internal: unexpected key '" + projectionWeightKey + "'", "model");
    s = s.substr(0, dot);
  }
  return s + ".adapter";
}

class AdapterMethod : public TextMethod {
 public:
  explicit AdapterMethod(const AdapterConfig& cfg) : cfg_(cfg) {}
  ~AdapterMethod() override { uninstall(); }

  TextEncoded encode(const TextBatch& batch, bool /*training: adapter-bert has no dropout in
                                                    the adapter; the backbone stays in eval*/)
      override {
    return encodePlain(model(), batch, "adapter");
  }
  const TextTrainOptions& trainOptions() const override { return cfg_.train; }

  json record() const override {
    std::int64_t adapterParams = 0;
    for (const auto& a : adapters_)
      adapterParams += a.downW.numel() + a.downB.numel() + a.upW.numel() + a.upB.numel();
    return json{{"method", "adapter"},
                {"reference", "google-research/adapter-bert modeling.py feedforward_adapter"},
                {"options", adapterConfig().toJson(cfg_)},
                {"adapters", adapters_.size()},
                {"placement", model().config().causal
                                  ? "attn.c_proj and mlp.c_proj outputs, before the residual add"
                                  : "attention.output.dense and output.dense outputs, before the "
                                    "residual add and the LayerNorm"},
                {"adapter_parameters", adapterParams},
                {"layer_norm_parameters", numelOf(layerNorms_)},
                {"head", head_ ? head().kind() : std::string()},
                {"peft", "none (PEFT has no Houlsby adapter): our own adapter type, tensors under "
                         "the names above"}};
  }

 protected:
  void setupMethod() override {
    uninstall();
    adapters_.clear();
    models::TextLM& m = model();
    const std::int64_t h = m.config().hidden, b = cfg_.bottleneckM;
    std::vector<BackboneBlock> blocks = backboneBlocks(m);
    for (const auto& bb : blocks)
      if (bb.block->attnOutputAdapter || bb.block->mlpOutputAdapter)
        throw Error("the model already carries adapters (of another method set up on it): load "
                    "the model again for this run",
                    "model");
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(task_.seed);
    auto make = [&](const std::string& name) {
      Houlsby a;
      a.name = name;
      at::NoGradGuard ng;
      a.downW = truncatedNormal({b, h}, cfg_.initStd, gen).requires_grad_(true);
      a.downB = at::zeros({b}).requires_grad_(true);
      a.upW = truncatedNormal({h, b}, cfg_.initStd, gen).requires_grad_(true);
      a.upB = at::zeros({h}).requires_grad_(true);
      return a;
    };
    for (const auto& bb : blocks) {
      adapters_.push_back(make(adapterName(bb.attnOutputKey)));
      adapters_.push_back(make(adapterName(bb.mlpOutputKey)));
    }
    // Every LayerNorm of the backbone (adapter-bert's 'layer_norm' collection).
    const std::set<std::string> lns = layerNormModules(m);
    layerNorms_ = backboneTensors(m, [&](const models::KeyBinding& kb) {
      return lns.count(moduleOfTarget(kb.target)) > 0;
    });
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const Houlsby attn = adapters_[2 * i], mlp = adapters_[2 * i + 1];
      blocks[i].block->attnOutputAdapter = [attn](const at::Tensor& x) { return attn(x); };
      blocks[i].block->mlpOutputAdapter = [mlp](const at::Tensor& x) { return mlp(x); };
      installed_.push_back(blocks[i].block);
    }
  }

  std::vector<NamedTensor> adaptation() override {
    std::vector<NamedTensor> out;
    for (const auto& a : adapters_) {
      out.push_back({a.name + ".down.weight", a.downW, {}});
      out.push_back({a.name + ".down.bias", a.downB, {}});
      out.push_back({a.name + ".up.weight", a.upW, {}});
      out.push_back({a.name + ".up.bias", a.upB, {}});
    }
    for (const auto& t : layerNorms_) out.push_back(t);
    return out;
  }

 private:
  // The blocks' hooks go when the method goes (the model may outlive it).
  void uninstall() {
    for (auto* blk : installed_) {
      blk->attnOutputAdapter = nullptr;
      blk->mlpOutputAdapter = nullptr;
    }
    installed_.clear();
  }

  AdapterConfig cfg_;
  std::vector<Houlsby> adapters_;  // per layer: attention-output, then FFN-output adapter
  std::vector<NamedTensor> layerNorms_;
  std::vector<models::ResidualAttentionBlockImpl*> installed_;
};

}  // namespace

MethodEntry adapterMethod() {
  MethodEntry e;
  e.info.name = "adapter";
  e.info.title = "Adapters (Houlsby)";
  e.info.description =
      "bottleneck adapters after the attention and FFN outputs of every layer, trained with the "
      "LayerNorms and the head (Houlsby et al. 2019, as google-research/adapter-bert)";
  e.info.families = {"bert", "roberta", "gpt2"};
  e.info.options = adapterConfig().schema();
  e.makeText = [](const json& options) -> std::unique_ptr<TextMethod> {
    return std::make_unique<AdapterMethod>(adapterConfig().parse(options, "adapter"));
  };
  return e;
}

}  // namespace pd::methods
