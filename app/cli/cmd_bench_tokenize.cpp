// promptdesk-cli bench tokenize: CLIP tokenizer throughput (prompts/s), cold and warm cache.
#include <chrono>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/tokenizer.h"

namespace {
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Prompt-like texts: templates x class names x numbers, so most words repeat as in real use.
std::vector<std::string> makePrompts(int n) {
  static const char* templates[] = {"a photo of a {}.", "a bad photo of the {}.",
                                    "itap of my {}.", "a blurry photo of a {}, a type of pet.",
                                    "art of the {} number {}", "A CLOSE-UP PHOTO OF A {}!"};
  static const char* classes[] = {"golden retriever", "tench",   "Abyssinian", "red panda",
                                  "sunflower",        "airplane", "café crème", "東京 タワー",
                                  "semi-trailer truck", "great white shark"};
  std::vector<std::string> out;
  out.reserve(size_t(n));
  for (int i = 0; i < n; ++i) {
    std::string t = templates[i % 6];
    std::string c = std::string(classes[(i / 6) % 10]) + " " + std::to_string(i);
    auto p = t.find("{}");
    t.replace(p, 2, c);
    if ((p = t.find("{}")) != std::string::npos) t.replace(p, 2, std::to_string(i * 31));
    out.push_back(std::move(t));
  }
  return out;
}

pd::cli::Registrar reg("bench", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& bench = pd::cli::group(root, "bench", "Benchmarks (figures for the closing notes)");
  auto* cmd = bench.add_subcommand("tokenize", "CLIP tokenizer throughput in prompts/s");
  static int n = 10000;
  static bool json = false;
  cmd->add_option("--prompts", n, "number of prompts")->check(CLI::Range(1, 10000000));
  cmd->add_flag("--json", json, "print one JSON object as the last line");
  cmd->callback([&out] {
    auto prompts = makePrompts(n);
    auto t0 = Clock::now();
    pd::ClipTokenizer tok = pd::ClipTokenizer::fromDataDir();
    double load = secondsSince(t0);
    size_t tokens = 0;
    t0 = Clock::now();
    for (const auto& p : prompts) tokens += tok.tokenize(p).size();
    double cold = secondsSince(t0);
    t0 = Clock::now();
    for (const auto& p : prompts) tokens += tok.tokenize(p).size();
    double warm = secondsSince(t0);
    std::cout << "tokenize " << n << " prompts (context 77): vocabulary load " << load * 1e3
              << " ms; cold cache " << cold << " s = " << n / cold << " prompts/s; warm cache "
              << warm << " s = " << n / warm << " prompts/s\n";
    if (json)
      std::cout << nlohmann::json{{"prompts", n},
                                  {"load_s", load},
                                  {"cold_s", cold},
                                  {"warm_s", warm},
                                  {"cold_prompts_per_s", n / cold},
                                  {"warm_prompts_per_s", n / warm}}
                       .dump()
                << "\n";
    out.code = tokens > 0 ? 0 : 1;
  });
});
}  // namespace
