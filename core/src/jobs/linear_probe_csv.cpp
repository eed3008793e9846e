// Job kind "linear-probe-csv": multinomial logistic regression on a CSV of numeric features.
// Fixed test split (split_seed), optional k-shot training subset (seed), per-epoch loss and
// accuracy series, a checkpoint each epoch, resume from the newest checkpoint. Deterministic: a
// resumed run ends with the same weights as an uninterrupted one (per-epoch shuffles are seeded
// by seed and epoch; the SGD momentum buffers are in the checkpoint).
#include <torch/optim/lbfgs.h>

#include <filesystem>
#include <random>
#include <set>

#include "jobs/csv_table.h"
#include "jobs/job_registry.h"
#include "project/tensor_blob.h"
#include "promptdesk/error.h"
#include "promptdesk/hash.h"
#include "promptdesk/project.h"

using nlohmann::json;

namespace pd::jobs {
namespace {

JobKindInfo linearProbeInfo() {
  JobKindInfo k;
  k.kind = "linear-probe-csv";
  k.title = "Linear probe (CSV features)";
  k.description =
      "Multinomial logistic regression on numeric feature columns of a CSV file with a label "
      "column (e.g. exported image embeddings). Records loss/accuracy per epoch and a checkpoint "
      "per epoch; resumable.";
  auto opt = [&](std::string name, std::string type, std::string def, std::string help,
                 std::optional<double> mn = {}, std::optional<double> mx = {}) {
    return &k.addOption(std::move(name), std::move(type), std::move(def), std::move(help), mn, mx);
  };
  opt("csv", "path", "null", "CSV file: header row, numeric features, one label column")->required =
      true;
  opt("label_column", "string", "\"label\"", "name of the label column");
  opt("id_column", "string", "\"\"", "column with item ids (empty: row-<line>)");
  opt("epochs", "int", "30", "passes over the training items", 1, 100000);
  opt("optimizer", "choice", "\"sgd\"", "sgd (mini-batch, momentum) or lbfgs (full batch)")
      ->choices = {"sgd", "lbfgs"};
  opt("lr", "float", "0.1", "learning rate", 1e-8, 100);
  opt("momentum", "float", "0.9", "SGD momentum", 0, 0.999);
  opt("batch_size", "int", "64", "SGD mini-batch size", 1, 1000000);
  opt("weight_decay", "float", "0.0001", "L2 penalty", 0, 1);
  opt("test_fraction", "float", "0.25", "share of items held out for testing", 0.05, 0.95);
  opt("split_seed", "int", "0", "seed of the train/test split (keep fixed to compare runs)", 0,
      2147483647);
  opt("shots", "int", "0", "training items per class (0: all training items)", 0, 1000000);
  opt("seed", "int", "0", "seed of the few-shot sample, initialisation and shuffles", 0,
      2147483647);
  opt("standardize", "bool", "true", "scale features to zero mean, unit variance (train stats)");
  opt("experiment", "string", "\"\"", "experiment name the run belongs to");
  opt("method", "string", "\"linear-probe\"", "method name shown in reports");
  return k;
}

struct Data {
  at::Tensor x, y;  // [N, D] float, [N] long
  std::vector<std::string> ids;
};

Data subset(const jobs::CsvTable& t, const std::vector<std::int64_t>& classOf,
            const std::vector<std::size_t>& idx) {
  Data d;
  std::int64_t n = static_cast<std::int64_t>(idx.size());
  std::int64_t dim = static_cast<std::int64_t>(t.featureNames.size());
  d.x = at::empty({n, dim}, at::kFloat);
  d.y = at::empty({n}, at::kLong);
  float* xp = d.x.data_ptr<float>();
  std::int64_t* yp = d.y.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    std::size_t r = idx[static_cast<std::size_t>(i)];
    std::copy(t.rows[r].begin(), t.rows[r].end(), xp + i * dim);
    yp[i] = classOf[r];
    d.ids.push_back(t.ids[r]);
  }
  return d;
}

class LinearProbeCsv : public JobKind {
 public:
  JobKindInfo info() const override { return linearProbeInfo(); }
  void run(const std::string& specJson, JobContext& ctx, RunSink& sink) override;
};

void LinearProbeCsv::run(const std::string& specJson, JobContext& ctx, RunSink& sink) {
  json s = json::parse(specJson);
  Project& p = sink.project();
  std::string csv = std::filesystem::absolute(s["csv"].get<std::string>()).string();
  RunRecord info = p.run(sink.runId());
  if (sink.resuming() && info.datasetId > 0) p.requireDatasetUnchanged(info.datasetId);
  ctx.progress(-1, 0, 0, "reading " + csv);
  std::string hash = sha256File(csv);
  CsvTable t = readCsvTable(csv, s["label_column"], s["id_column"]);
  std::set<std::string> uniq(t.labels.begin(), t.labels.end());
  std::vector<std::string> classes(uniq.begin(), uniq.end());
  if (classes.size() < 2) throw Error("need at least two classes in the label column", csv);
  std::vector<std::int64_t> classOf(t.labels.size());
  for (std::size_t i = 0; i < t.labels.size(); ++i)
    classOf[i] = std::lower_bound(classes.begin(), classes.end(), t.labels[i]) - classes.begin();

  DatasetRecord dr;
  dr.name = std::filesystem::path(csv).filename().string();
  dr.path = csv;
  dr.specJson = json{{"format", "csv"},
                     {"label_column", s["label_column"]},
                     {"id_column", s["id_column"]},
                     {"features", t.featureNames.size()},
                     {"items", t.rows.size()},
                     {"blank_lines_skipped", t.blankLines}}
                    .dump();
  dr.contentHash = hash;
  dr.classNames = classes;
  std::int64_t datasetId = p.addDataset(dr);

  // Fixed split by split_seed; the few-shot sample by seed.
  std::vector<std::size_t> order(t.rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937_64 splitRng(static_cast<std::uint64_t>(s["split_seed"].get<std::int64_t>()));
  std::shuffle(order.begin(), order.end(), splitRng);
  std::size_t nTest = std::max<std::size_t>(
      1, static_cast<std::size_t>(s["test_fraction"].get<double>() * double(order.size())));
  if (nTest >= order.size()) throw Error("no training items left after the test split", csv);
  std::vector<std::size_t> testIdx(order.begin(), order.begin() + std::ptrdiff_t(nTest));
  std::vector<std::size_t> trainIdx(order.begin() + std::ptrdiff_t(nTest), order.end());
  std::int64_t seed = s["seed"];
  int shots = s["shots"];
  if (shots > 0) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed) * 7919u + 17u);
    std::shuffle(trainIdx.begin(), trainIdx.end(), rng);
    std::vector<int> taken(classes.size(), 0);
    std::vector<std::size_t> few;
    for (std::size_t i : trainIdx)
      if (taken[static_cast<std::size_t>(classOf[i])]++ < shots) few.push_back(i);
    trainIdx = few;
  }
  std::sort(testIdx.begin(), testIdx.end());
  std::sort(trainIdx.begin(), trainIdx.end());
  Data train = subset(t, classOf, trainIdx), test = subset(t, classOf, testIdx);
  p.addSplit({0, datasetId, "test", 0, s["split_seed"].get<std::int64_t>(), test.ids, ""});
  SplitRecord trainSplit{0, datasetId, "train", shots, seed, train.ids, ""};
  p.addSplit(trainSplit);
  info.datasetId = datasetId;
  info.splitHash = itemListHash(train.ids);
  p.updateRunInfo(info);

  at::Tensor mean = at::zeros({train.x.size(1)}), stdev = at::ones({train.x.size(1)});
  if (s["standardize"].get<bool>()) {
    mean = train.x.mean(0);
    stdev = train.x.std(0, /*unbiased=*/false).clamp_min(1e-6);
  }
  at::Tensor xtr = (train.x - mean) / stdev, xte = (test.x - mean) / stdev;
  std::int64_t C = static_cast<std::int64_t>(classes.size()), D = xtr.size(1);
  at::manual_seed(static_cast<std::uint64_t>(seed));
  at::Tensor W = (at::randn({D, C}) * 0.01).set_requires_grad(true);
  at::Tensor b = at::zeros({C}).set_requires_grad(true);
  at::Tensor mW = at::zeros({D, C}), mb = at::zeros({C});
  int startEpoch = 0;
  std::int64_t ckStep = 0;
  std::string ck = sink.resuming() ? sink.lastCheckpoint(&ckStep) : std::string();
  if (!ck.empty()) {
    io::StateDict sd =
        project::decodeSafetensors(ck, "checkpoint of run " + std::to_string(sink.runId()));
    if (sd.at("W").sizes() != W.sizes()) throw Error("checkpoint shape does not match the data");
    at::NoGradGuard ng;
    W.copy_(sd.at("W"));
    b.copy_(sd.at("b"));
    mW.copy_(sd.at("mW"));
    mb.copy_(sd.at("mb"));
    startEpoch = static_cast<int>(ckStep);
  }
  if (sink.resuming()) p.truncateSeries(sink.runId(), startEpoch);

  auto lossOf = [&](const at::Tensor& x, const at::Tensor& y) {
    return at::nll_loss(at::log_softmax(at::matmul(x, W) + b, 1), y);
  };
  auto accuracy = [&](const at::Tensor& x, const at::Tensor& y) {
    at::NoGradGuard ng;
    return (at::matmul(x, W) + b).argmax(1).eq(y).to(at::kFloat).mean().item<double>();
  };
  int epochs = s["epochs"];
  double lr = s["lr"], mom = s["momentum"], wd = s["weight_decay"];
  std::int64_t bs = s["batch_size"], N = xtr.size(0);
  bool lbfgs = s["optimizer"] == "lbfgs";
  std::unique_ptr<torch::optim::LBFGS> opt;
  if (lbfgs)
    opt = std::make_unique<torch::optim::LBFGS>(std::vector<at::Tensor>{W, b},
                                                torch::optim::LBFGSOptions(lr).max_iter(20));
  for (int e = startEpoch; e < epochs; ++e) {
    ctx.checkCancelled();
    double sum = 0;
    std::int64_t count = 0;
    if (lbfgs) {
      auto closure = [&] {
        opt->zero_grad();
        at::Tensor l = lossOf(xtr, train.y) + 0.5 * wd * (W * W).sum();
        l.backward();
        return l;
      };
      sum = opt->step(closure).item<double>();
      count = 1;
    } else {
      at::Generator g = at::detail::createCPUGenerator(static_cast<std::uint64_t>(seed) * 1000003u +
                                                       static_cast<std::uint64_t>(e));
      at::Tensor perm = at::randperm(N, g);
      for (std::int64_t i = 0; i < N; i += bs) {
        ctx.checkCancelled();
        at::Tensor idx = perm.slice(0, i, std::min(i + bs, N));
        at::Tensor l = lossOf(xtr.index_select(0, idx), train.y.index_select(0, idx));
        if (W.grad().defined()) W.mutable_grad().zero_();
        if (b.grad().defined()) b.mutable_grad().zero_();
        l.backward();
        at::NoGradGuard ng;
        mW.mul_(mom).add_(W.grad() + wd * W);
        mb.mul_(mom).add_(b.grad());
        W.sub_(lr * mW);
        b.sub_(lr * mb);
        sum += l.item<double>() * double(idx.size(0));
        count += idx.size(0);
      }
    }
    double loss = sum / double(std::max<std::int64_t>(count, 1));
    double acc = accuracy(xte, test.y);
    sink.series(e + 1, e, "train_loss", loss);
    sink.series(e + 1, e, "test_accuracy", acc);
    sink.checkpoint(e + 1, project::encodeSafetensors(
                               {{"W", W}, {"b", b}, {"mW", mW}, {"mb", mb}},
                               {{"epoch", std::to_string(e + 1)}, {"kind", "linear-probe-csv"}}));
    ctx.progress(double(e + 1) / epochs, e + 1, epochs, "epoch " + std::to_string(e + 1),
                 {{"loss", loss}, {"test_accuracy", acc}});
  }

  // Final evaluation: metrics and per-item predictions on the test split.
  at::NoGradGuard ng;
  at::Tensor logits = at::matmul(xte, W) + b;
  at::Tensor probs = at::softmax(logits, 1).contiguous();
  at::Tensor pred = logits.argmax(1);
  double testLoss = at::nll_loss(at::log_softmax(logits, 1), test.y).item<double>();
  std::vector<Prediction> preds;
  std::vector<double> tp(size_t(C), 0), fp(size_t(C), 0), fn(size_t(C), 0);
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < xte.size(0); ++i) {
    Prediction pr;
    pr.itemId = test.ids[static_cast<std::size_t>(i)];
    pr.label = test.y[i].item<std::int64_t>();
    pr.pred = pred[i].item<std::int64_t>();
    const float* pp = probs.data_ptr<float>() + i * C;
    pr.scores.assign(pp, pp + C);
    if (pr.label == pr.pred)
      ++correct, tp[size_t(pr.label)]++;
    else
      fp[size_t(pr.pred)]++, fn[size_t(pr.label)]++;
    preds.push_back(std::move(pr));
  }
  double f1sum = 0;
  for (std::int64_t c = 0; c < C; ++c) {
    double d = 2 * tp[size_t(c)] + fp[size_t(c)] + fn[size_t(c)];
    f1sum += d > 0 ? 2 * tp[size_t(c)] / d : 0.0;
  }
  p.addPredictions(sink.runId(), preds);
  p.setFinalMetrics(sink.runId(), {{"accuracy", double(correct) / double(xte.size(0))},
                                   {"macro_f1", f1sum / double(C)},
                                   {"test_loss", testLoss},
                                   {"train_items", double(N)},
                                   {"test_items", double(xte.size(0))}});
  ArtifactRecord a;
  a.runId = sink.runId();
  a.kind = "weights";
  a.name = "linear-probe";
  a.step = epochs;
  p.addArtifact(a, project::encodeSafetensors({{"W", W}, {"b", b}, {"mean", mean}, {"std", stdev}},
                                              {{"classes", json(classes).dump()}}));
}

}  // namespace

void registerLinearProbeCsv() {
  registerJobKind(linearProbeInfo(), [] { return std::make_unique<LinearProbeCsv>(); });
}

}  // namespace pd::jobs
