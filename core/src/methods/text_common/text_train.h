#pragma once
// The shared training of text methods (methods/text_common/text_train.cpp): AdamW (PyTorch's
// decoupled weight decay, as HF Trainer / PEFT / LM-BFF use it) with linear warm-up and linear
// decay to 0, length-bucketed batches (padding per batch only), the head at the mask position
// over the label words only, no gradient buffers for frozen weights, dev evaluation every
// `eval_every` steps in inference mode keeping the best step's tensors (LM-BFF's model
// selection), NaN detection ("loss became NaN at step N": the last good checkpoint is kept),
// cancel and progress through the job, and checkpoints keyed by the tensors' reference names.
#include <nlohmann/json.hpp>

#include "methods/common/config.h"

namespace pd::methods {

struct TextTrainOptions {
  double lr = 1e-3;
  double weightDecay = 0.0;
  int maxSteps = 1000;      // LM-BFF: 1000 steps
  int evalEvery = 100;      // LM-BFF: dev every 100 steps
  int batchSize = 8;        // LM-BFF: 8 (2 for K = 16 x 2 classes? we keep 8)
  int warmupSteps = 0;
  int maxLength = 128;      // tokens per input (template included); longer inputs are cut
  double maxGradNorm = 1.0; // HF Trainer's default clipping
};

// Declares lr, weight_decay, max_steps, eval_every, batch_size, warmup_steps, max_length,
// max_grad_norm with the method's defaults.
template <class Cfg>
void declareTextTrainOptions(ConfigDecl<Cfg>& d, TextTrainOptions Cfg::*t,
                             const TextTrainOptions& def) {
  using D = ConfigDecl<Cfg>;
  using json = nlohmann::json;
  auto ref = [t](auto member) {
    return [t, member](Cfg& c) -> decltype(auto) { return ((c.*t).*member); };
  };
  d.template add<double>(D::make("lr", "float", json(def.lr), "learning rate (AdamW)", 1e-9, 100),
                         ref(&TextTrainOptions::lr));
  d.template add<double>(D::make("weight_decay", "float", json(def.weightDecay),
                                 "AdamW decoupled weight decay", 0, 1),
                         ref(&TextTrainOptions::weightDecay));
  d.template add<int>(D::make("max_steps", "int", json(def.maxSteps), "optimiser steps", 1, 1000000),
                      ref(&TextTrainOptions::maxSteps));
  d.template add<int>(D::make("eval_every", "int", json(def.evalEvery),
                              "evaluate on dev every N steps and keep the best (LM-BFF)", 1, 1000000),
                      ref(&TextTrainOptions::evalEvery));
  d.template add<int>(D::make("batch_size", "int", json(def.batchSize), "batch size", 1, 4096),
                      ref(&TextTrainOptions::batchSize));
  d.template add<int>(D::make("warmup_steps", "int", json(def.warmupSteps),
                              "linear warm-up steps (then linear decay to 0)", 0, 1000000),
                      ref(&TextTrainOptions::warmupSteps));
  d.template add<int>(D::make("max_length", "int", json(def.maxLength),
                              "longest input in tokens (template and special tokens included)", 8,
                              100000),
                      ref(&TextTrainOptions::maxLength));
  d.template add<double>(D::make("max_grad_norm", "float", json(def.maxGradNorm),
                                 "gradient clipping by global norm (0: off)", 0, 1e6),
                         ref(&TextTrainOptions::maxGradNorm));
}

}  // namespace pd::methods
