// Prompt ensembling: mean of L2-normalised per-template class embeddings, renormalised.
#include "prompts/ensemble.h"

#include <cmath>

#include "promptdesk/error.h"
#include "promptdesk/template_set.h"

namespace pd {

std::vector<float> l2Normalized(const std::vector<float>& v) {
  double ss = 0;
  for (float x : v) ss += double(x) * x;
  const double norm = std::sqrt(ss);
  if (!(norm > 0) || !std::isfinite(norm)) throw Error("zero or non-finite vector", "l2 norm");
  std::vector<float> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = static_cast<float>(v[i] / norm);
  return out;
}

std::vector<std::vector<float>> ensembleClassEmbeddings(
    const std::vector<std::vector<std::vector<float>>>& perTemplate) {
  if (perTemplate.empty()) throw Error("no templates", "ensemble");
  const std::size_t classes = perTemplate[0].size();
  if (classes == 0) throw Error("no classes", "ensemble: template 0");
  const std::size_t dim = perTemplate[0][0].size();
  if (dim == 0) throw Error("empty embedding", "ensemble: template 0, class 0");
  std::vector<std::vector<double>> sum(classes, std::vector<double>(dim, 0.0));
  for (std::size_t t = 0; t < perTemplate.size(); ++t) {
    if (perTemplate[t].size() != classes)
      throw Error(
          std::to_string(perTemplate[t].size()) + " classes, expected " + std::to_string(classes),
          "ensemble: template " + std::to_string(t));
    for (std::size_t c = 0; c < classes; ++c) {
      const std::string ctx =
          "ensemble: template " + std::to_string(t) + ", class " + std::to_string(c);
      if (perTemplate[t][c].size() != dim)
        throw Error("embedding of size " + std::to_string(perTemplate[t][c].size()) +
                        ", expected " + std::to_string(dim),
                    ctx);
      std::vector<float> unit;
      try {
        unit = l2Normalized(perTemplate[t][c]);
      } catch (const Error&) {
        throw Error("zero or non-finite embedding", ctx);
      }
      for (std::size_t d = 0; d < dim; ++d) sum[c][d] += unit[d];
    }
  }
  std::vector<std::vector<float>> out;
  for (std::size_t c = 0; c < classes; ++c) {
    std::vector<float> mean(dim);
    for (std::size_t d = 0; d < dim; ++d)
      mean[d] = static_cast<float>(sum[c][d] / perTemplate.size());
    try {
      out.push_back(l2Normalized(mean));
    } catch (const Error&) {
      throw Error("the templates' embeddings cancel out", "ensemble: class " + std::to_string(c));
    }
  }
  return out;
}

namespace prompts {

at::Tensor ensembleClassEmbeddings(const at::Tensor& perTemplate) {
  if (perTemplate.dim() != 3)
    throw Error("expected [templates, classes, dim], got " + std::to_string(perTemplate.dim()) +
                    " dimensions",
                "ensemble");
  at::Tensor x = perTemplate.to(at::kFloat);
  at::Tensor norms = x.norm(2, -1, /*keepdim=*/true);
  if ((norms <= 0).any().item<bool>() || !at::isfinite(norms).all().item<bool>())
    throw Error("zero or non-finite embedding", "ensemble");
  at::Tensor mean = (x / norms).mean(0);
  at::Tensor mnorm = mean.norm(2, -1, true);
  if ((mnorm <= 0).any().item<bool>())
    throw Error("the templates' embeddings cancel out", "ensemble");
  return mean / mnorm;
}

}  // namespace prompts
}  // namespace pd
