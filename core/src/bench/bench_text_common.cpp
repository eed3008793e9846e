// Helpers shared by the text benches (bench_text_common.h).
#include "bench/bench_text_common.h"

#include <ATen/ATen.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

#include "io/safetensors.h"
#include "promptdesk/error.h"

namespace fs = std::filesystem;

namespace pd::bench {

nlohmann::json writeRandomBert(const fs::path& dir, int layers, std::uint64_t seed) {
  const std::int64_t V = 30522, D = 768, I = 3072, P = 512;
  nlohmann::json cfg{{"model_type", "bert"},
                     {"architectures", {"BertForMaskedLM"}},
                     {"vocab_size", V},
                     {"hidden_size", D},
                     {"num_hidden_layers", layers},
                     {"num_attention_heads", 12},
                     {"intermediate_size", I},
                     {"max_position_embeddings", P},
                     {"type_vocab_size", 2},
                     {"layer_norm_eps", 1e-12},
                     {"hidden_act", "gelu"},
                     {"pad_token_id", 0}};
  at::manual_seed(static_cast<std::uint64_t>(seed));
  std::map<std::string, at::Tensor> sd;
  auto normal = [](std::vector<std::int64_t> shape) { return at::randn(shape) * 0.02; };
  auto linear = [&](const std::string& k, std::int64_t out, std::int64_t in) {
    sd[k + ".weight"] = normal({out, in});
    sd[k + ".bias"] = normal({out});
  };
  auto norm = [&](const std::string& k) {
    sd[k + ".weight"] = at::ones({D});
    sd[k + ".bias"] = at::zeros({D});
  };
  const std::string e = "bert.embeddings.";
  sd[e + "word_embeddings.weight"] = normal({V, D});
  sd[e + "word_embeddings.weight"][0].zero_();  // padding_idx row, as HF's init
  sd[e + "position_embeddings.weight"] = normal({P, D});
  sd[e + "token_type_embeddings.weight"] = normal({2, D});
  norm(e + "LayerNorm");
  for (int i = 0; i < layers; ++i) {
    const std::string l = "bert.encoder.layer." + std::to_string(i) + ".";
    linear(l + "attention.self.query", D, D);
    linear(l + "attention.self.key", D, D);
    linear(l + "attention.self.value", D, D);
    linear(l + "attention.output.dense", D, D);
    norm(l + "attention.output.LayerNorm");
    linear(l + "intermediate.dense", I, D);
    linear(l + "output.dense", D, I);
    norm(l + "output.LayerNorm");
  }
  linear("cls.predictions.transform.dense", D, D);
  norm("cls.predictions.transform.LayerNorm");
  sd["cls.predictions.bias"] = normal({V});
  fs::create_directories(dir);
  std::ofstream(dir / "config.json") << cfg.dump(1) << "\n";
  io::writeSafetensors((dir / "model.safetensors").string(), sd);
  return cfg;
}

std::string shellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string runReference(const std::string& command, const std::string& kWhere) {
  std::cerr.flush();
  std::fflush(nullptr);
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) throw Error("cannot start the reference: " + command, kWhere);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  if (st != 0) {
    const int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    throw Error("the reference loop failed (exit " + std::to_string(code) + "): " + command +
                    (out.empty() ? "" : "\n" + out),
                kWhere);
  }
  std::size_t end = out.find_last_not_of("\r\n ");
  if (end == std::string::npos) throw Error("the reference printed nothing: " + command, kWhere);
  std::size_t begin = out.rfind('\n', end);
  begin = begin == std::string::npos ? 0 : begin + 1;
  return out.substr(begin, end + 1 - begin);
}

WorkDir::WorkDir(const std::string& given, const std::string& stem) {
  if (given.empty()) {
    path = fs::temp_directory_path() /
           (stem + "-" + std::to_string(::getpid()) + "-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    remove = true;
  } else {
    path = given;
  }
}

WorkDir::~WorkDir() {
  if (remove) {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
}

std::string checkReference(const std::string& given, const char* defaultScript,
                           const std::string& python, bool skip, int referenceLength) {
  if (referenceLength < 8 || referenceLength > 512)
    throw Error("the reference length must be 8..512", "--reference-length");
  const std::string script =
      given.empty() ? std::string(PROMPTDESK_SOURCE_DIR) + "/bench/" + defaultScript : given;
  if (!skip) {
    if (!std::filesystem::exists(script))
      throw Error("the reference script is missing (or use --skip-reference)", script);
    if (!std::filesystem::exists(python))
      throw Error("no python with torch here (Debian's python3-torch; or use --skip-reference)",
                  python);
  }
  return script;
}

}  // namespace pd::bench
