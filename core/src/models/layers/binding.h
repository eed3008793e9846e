#pragma once
// Strict binding of checkpoint tensors onto a module's parameters and buffers, by name, the way
// CTranslate2's layers bind their variables: a family lists, for each of its module's tensors, the
// checkpoint key(s) it comes from and how (copy, transpose of a Conv1D weight, concatenation of
// separate q/k/v projections). apply() then checks everything before copying anything and throws
// one pd::Error that lists every missing key, every unexpected key and every shape mismatch, by
// the checkpoint's own names.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "io/state_dict.h"

namespace pd::models {

// Where one checkpoint key lives in a module after binding: the module tensor `target`, whole
// (copy), transposed (Conv1D), or rows [rowOffset, rowOffset + rows) of it (concatenated q/k/v).
struct KeyBinding {
  std::string key, target;
  bool transposed = false;
  std::int64_t rowOffset = 0, rows = -1;  // rows -1: the whole tensor
};
// The module tensor `t` (or its gradient) seen in the checkpoint key's own layout (a view).
at::Tensor keyView(const KeyBinding& b, const at::Tensor& t);

class WeightBinder {
 public:
  // `sd` must outlive the binder. `source` names the checkpoint in messages.
  WeightBinder(const io::StateDict& sd, std::string source);

  // Module tensor `target` (a named_parameters()/named_buffers() key) = checkpoint `key`.
  void copy(const std::string& target, const std::string& key);
  // = key^T (Hugging Face Conv1D weights are stored [in, out]).
  void transpose(const std::string& target, const std::string& key);
  // = cat(keys, dim 0) (separate query/key/value projections into in_proj_*).
  void concat(const std::string& target, const std::vector<std::string>& keys);
  // Checkpoint keys that are present but not used (buffers, unused heads): no error.
  void ignore(const std::string& key);
  void ignoreIf(std::function<bool(const std::string&)> predicate);
  // Marks `key` consumed without binding it (a tied copy that was checked by the caller).
  void consume(const std::string& key) { ignore(key); }

  bool has(const std::string& key) const { return sd_.has(key); }

  // Binds every parameter and buffer of `module`; throws pd::Error (context: source) listing
  // missing keys, unexpected keys and shape mismatches. Copies under NoGradGuard.
  void apply(torch::nn::Module& module) const;
  // Every bound key with its place in the module (valid once the keys are in `sd`).
  std::vector<KeyBinding> bindings() const;

 private:
  enum class Op { Copy, Transpose, Concat };
  struct Rule {
    Op op;
    std::vector<std::string> keys;
  };
  const io::StateDict& sd_;
  std::string source_;
  std::map<std::string, Rule> rules_;
  std::map<std::string, bool> ignored_;
  std::vector<std::function<bool(const std::string&)>> ignoreIf_;
};

// Before a model is built at a config's sizes: each (key, shape) must be in `sd` with that shape.
// Throws one pd::Error listing missing keys and mismatches (so that a config.json that lies about
// its sizes never allocates a model of the lie's size).
void requireShapes(const io::StateDict& sd,
                   const std::vector<std::pair<std::string, std::vector<std::int64_t>>>& expected,
                   const std::string& source);

// "[2, 3]" for messages.
std::string shapeText(at::IntArrayRef shape);

}  // namespace pd::models
