#include "models/layers/binding.h"

#include <set>

#include "promptdesk/error.h"

namespace pd::models {

std::string shapeText(at::IntArrayRef shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void requireShapes(const io::StateDict& sd,
                   const std::vector<std::pair<std::string, std::vector<std::int64_t>>>& expected,
                   const std::string& source) {
  std::vector<std::string> missing, mismatched;
  for (const auto& [key, shape] : expected) {
    if (!sd.has(key)) {
      missing.push_back(key);
      continue;
    }
    const at::Tensor& t = sd.tensors.at(key);
    if (t.sizes() != at::IntArrayRef(shape))
      mismatched.push_back(key + " is " + shapeText(t.sizes()) + ", expected " + shapeText(shape));
  }
  if (missing.empty() && mismatched.empty()) return;
  std::string msg = "checkpoint does not match config.json:";
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s;
  };
  if (!missing.empty()) msg += " missing keys: " + join(missing) + ";";
  if (!mismatched.empty()) msg += " shape mismatches: " + join(mismatched) + ";";
  msg.pop_back();
  throw Error(msg, source);
}

WeightBinder::WeightBinder(const io::StateDict& sd, std::string source)
    : sd_(sd), source_(std::move(source)) {}

void WeightBinder::copy(const std::string& target, const std::string& key) {
  rules_[target] = Rule{Op::Copy, {key}};
}
void WeightBinder::transpose(const std::string& target, const std::string& key) {
  rules_[target] = Rule{Op::Transpose, {key}};
}
void WeightBinder::concat(const std::string& target, const std::vector<std::string>& keys) {
  rules_[target] = Rule{Op::Concat, keys};
}
std::vector<KeyBinding> WeightBinder::bindings() const {
  std::vector<KeyBinding> out;
  for (const auto& [target, rule] : rules_) {
    std::int64_t offset = 0;
    for (const auto& k : rule.keys) {
      KeyBinding b;
      b.key = k;
      b.target = target;
      b.transposed = rule.op == Op::Transpose;
      if (rule.op == Op::Concat) {
        b.rowOffset = offset;
        b.rows = sd_.has(k) ? sd_.tensors.at(k).size(0) : 0;
        offset += b.rows;
      }
      out.push_back(std::move(b));
    }
  }
  return out;
}

at::Tensor keyView(const KeyBinding& b, const at::Tensor& t) {
  if (!t.defined()) return t;
  if (b.transposed) return t.t();
  if (b.rows >= 0) return t.narrow(0, b.rowOffset, b.rows);
  return t;
}

void WeightBinder::ignore(const std::string& key) { ignored_[key] = true; }
void WeightBinder::ignoreIf(std::function<bool(const std::string&)> p) {
  ignoreIf_.push_back(std::move(p));
}

void WeightBinder::apply(torch::nn::Module& module) const {
  std::vector<std::pair<std::string, at::Tensor>> targets;
  for (const auto& p : module.named_parameters(true)) targets.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) targets.emplace_back(b.key(), b.value());

  std::vector<std::string> missing, mismatched, internal;
  std::set<std::string> used;
  std::vector<std::pair<at::Tensor, at::Tensor>> assignments;  // (target, value)
  for (const auto& [name, t] : targets) {
    auto r = rules_.find(name);
    if (r == rules_.end()) {
      internal.push_back(name);
      continue;
    }
    std::vector<at::Tensor> parts;
    bool complete = true;
    for (const auto& k : r->second.keys) {
      if (!sd_.has(k)) {
        missing.push_back(k);
        complete = false;
      } else {
        parts.push_back(sd_.tensors.at(k));
        used.insert(k);
      }
    }
    if (!complete) continue;
    at::Tensor value;
    std::string shownKey = r->second.keys.front(), shownShape;
    switch (r->second.op) {
      case Op::Copy:
        value = parts[0];
        shownShape = shapeText(value.sizes());
        break;
      case Op::Transpose:
        if (parts[0].dim() != 2) {
          mismatched.push_back(shownKey + " is " + shapeText(parts[0].sizes()) +
                               ", expected a matrix");
          continue;
        }
        value = parts[0].t();
        shownShape = shapeText(parts[0].sizes()) + " (stored [in, out])";
        break;
      case Op::Concat: {
        bool same = true;
        for (const auto& p : parts) same = same && p.dim() == parts[0].dim() &&
                                           p.sizes().slice(1) == parts[0].sizes().slice(1);
        if (!same) {
          std::string all;
          for (std::size_t i = 0; i < parts.size(); ++i)
            all += (i ? ", " : "") + r->second.keys[i] + " " + shapeText(parts[i].sizes());
          mismatched.push_back("cannot be concatenated: " + all);
          continue;
        }
        value = at::cat(parts, 0);
        shownKey.clear();
        for (std::size_t i = 0; i < parts.size(); ++i)
          shownKey += (i ? " + " : "") + r->second.keys[i];
        shownShape = shapeText(value.sizes()) + " together";
        break;
      }
    }
    if (value.sizes() != t.sizes()) {
      at::IntArrayRef want = t.sizes();
      std::vector<std::int64_t> expected(want.begin(), want.end());
      if (r->second.op == Op::Transpose && expected.size() == 2) std::swap(expected[0], expected[1]);
      mismatched.push_back(shownKey + " is " + shownShape + ", expected " + shapeText(expected));
      continue;
    }
    if (!at::isFloatingType(value.scalar_type()) && at::isFloatingType(t.scalar_type())) {
      mismatched.push_back(shownKey + " has an integer dtype, expected floating point");
      continue;
    }
    assignments.emplace_back(t, value);
  }
  std::vector<std::string> unexpected;
  for (const auto& [k, v] : sd_.tensors) {
    if (used.count(k) || ignored_.count(k)) continue;
    bool skip = false;
    for (const auto& p : ignoreIf_) skip = skip || p(k);
    if (!skip) unexpected.push_back(k);
  }
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty() || !internal.empty()) {
    auto list = [](const std::vector<std::string>& v) {
      std::string s;
      const std::size_t shown = std::min<std::size_t>(v.size(), 12);
      for (std::size_t i = 0; i < shown; ++i) s += (i ? ", " : "") + v[i];
      if (v.size() > shown) s += ", ... (" + std::to_string(v.size() - shown) + " more)";
      return s;
    };
    std::string msg = "checkpoint does not match the model:";
    if (!missing.empty()) msg += " missing keys: " + list(missing) + ";";
    if (!unexpected.empty()) msg += " unexpected keys: " + list(unexpected) + ";";
    if (!mismatched.empty()) msg += " shape mismatches: " + list(mismatched) + ";";
    if (!internal.empty()) msg += " no binding for module tensors: " + list(internal) + ";";
    msg.pop_back();
    throw Error(msg, source_);
  }
  at::NoGradGuard ng;
  for (auto& [t, v] : assignments) const_cast<at::Tensor&>(t).copy_(v.to(t.scalar_type()));
}

}  // namespace pd::models
