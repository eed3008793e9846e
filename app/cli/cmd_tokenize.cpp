// promptdesk-cli tokenize: token ids of texts, as JSON arrays (one per text) on stdout.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/error.h"
#include "promptdesk/tokenizer.h"

namespace {

struct TokenizeArgs {
  std::string tokenizer = "clip";
  std::string vocab;
  std::string jsonl;
  std::vector<std::string> texts;
  int contextLength = pd::ClipTokenizer::kDefaultContextLength;
  bool pad = false;
  bool noTruncate = false;
};

pd::ClipTokenizer loadTokenizer(const TokenizeArgs& a) {
  if (a.vocab.empty()) return pd::ClipTokenizer::fromDataDir();
  if (std::filesystem::is_directory(a.vocab)) return pd::ClipTokenizer::fromHfFolder(a.vocab);
  return pd::ClipTokenizer::fromMergesFile(a.vocab);
}

std::string idsJson(const pd::ClipTokenizer& tok, const std::string& text, const TokenizeArgs& a,
                    const std::string& where) {
  try {
    auto ids = a.pad ? tok.tokenize(text, a.contextLength, !a.noTruncate)
                     : tok.tokenizeUnpadded(text, a.contextLength, !a.noTruncate);
    return nlohmann::json(ids).dump();
  } catch (const pd::Error& e) {
    throw pd::Error(e.what(), where);
  }
}

void runJsonl(const pd::ClipTokenizer& tok, const TokenizeArgs& a) {
  std::ifstream in(a.jsonl, std::ios::binary);
  if (!in) throw pd::Error("cannot open file", a.jsonl);
  std::string line;
  long lineNo = 0, blank = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    const std::string where = a.jsonl + ":" + std::to_string(lineNo);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      ++blank;
      continue;
    }
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw pd::Error(std::string("invalid JSON: ") + e.what(), where);
    }
    if (!j.is_object() || !j.contains("text"))
      throw pd::Error("expected an object with a \"text\" field", where);
    if (!j["text"].is_string()) throw pd::Error("field \"text\" is not a string", where);
    std::cout << idsJson(tok, j["text"].get<std::string>(), a, where) << "\n";
  }
  if (in.bad()) throw pd::Error("read error", a.jsonl);
  if (blank > 0) std::cerr << "tokenize: skipped " << blank << " blank line(s) in " << a.jsonl << "\n";
}

pd::cli::Registrar reg("tokenize", [](CLI::App& root, pd::cli::Outcome& out) {
  auto args = std::make_shared<TokenizeArgs>();
  auto* cmd = root.add_subcommand(
      "tokenize", "Print the token ids of texts as JSON arrays (with start/end tokens)");
  cmd->add_option("text", args->texts, "text(s) to tokenize, one JSON array per text");
  cmd->add_option("--tokenizer", args->tokenizer, "tokenizer kind")
      ->check(CLI::IsMember({"clip"}))
      ->capture_default_str();
  cmd->add_option("--vocab", args->vocab,
                  "CLIP merges file, or a Hugging Face folder with vocab.json + merges.txt "
                  "(default: the installed bpe_simple_vocab_16e6.txt)");
  cmd->add_option("--jsonl", args->jsonl, "read lines {\"text\": ...} from FILE")
      ->check(CLI::ExistingFile);
  cmd->add_option("--context-length", args->contextLength, "context length")
      ->check(CLI::Range(2, 1 << 20))
      ->capture_default_str();
  cmd->add_flag("--pad", args->pad, "zero-pad to the context length as clip.tokenize");
  cmd->add_flag("--no-truncate", args->noTruncate,
                "fail on texts longer than the context instead of truncating");
  cmd->callback([args, &out] {
    if (args->texts.empty() == args->jsonl.empty())
      throw CLI::ValidationError("tokenize", "give either text argument(s) or --jsonl FILE");
    pd::ClipTokenizer tok = loadTokenizer(*args);
    if (!args->jsonl.empty()) {
      runJsonl(tok, *args);
    } else {
      for (size_t i = 0; i < args->texts.size(); ++i)
        std::cout << idsJson(tok, args->texts[i], *args, "text " + std::to_string(i + 1)) << "\n";
    }
    out.code = 0;
  });
});

}  // namespace
