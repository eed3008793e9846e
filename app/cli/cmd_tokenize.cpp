// promptdesk-cli tokenize: token ids of texts, as JSON arrays (one per text) on stdout. CLIP by
// default; --tokenizer FOLDER|gpt2|bert-base-uncased for the text models' tokenizers (special
// tokens, pairs, truncation, padding; --tokens / --type-ids print a JSON object per text).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/error.h"
#include "promptdesk/text_tokenizer.h"
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
  // Text tokenizers (--tokenizer FOLDER|gpt2|bert-base-uncased).
  std::string pair;
  bool hasPair = false;
  int maxLength = 0;
  std::string paddingSide = "right";
  std::string truncation = "longest_first";
  bool tokens = false, typeIds = false, noSpecial = false, recognise = false;
};

// One text (and its pair) with a text tokenizer: an ids array, or an object with --tokens/--type-ids.
class TextRunner {
 public:
  explicit TextRunner(const TokenizeArgs& a) : a_(a), tok_(pd::TextTokenizer::load(a.tokenizer)) {
    o_.addSpecialTokens = !a.noSpecial;
    o_.recogniseSpecialTokens = a.recognise;
    o_.maxLength = a.maxLength;
    o_.truncation = a.truncation == "only_first"    ? pd::TruncationStrategy::OnlyFirst
                    : a.truncation == "only_second" ? pd::TruncationStrategy::OnlySecond
                                                    : pd::TruncationStrategy::LongestFirst;
    o_.paddingSide = a.paddingSide == "left" ? pd::PaddingSide::Left : pd::PaddingSide::Right;
    if (a.pad) {
      if (o_.maxLength == 0) o_.maxLength = tok_.modelMaxLength();
      if (o_.maxLength == 0)
        throw pd::Error("--pad needs --max-length (the tokenizer has no model max length)",
                        a.tokenizer);
      o_.pad = true;
    }
  }
  std::string json(const std::string& text, const std::string* pair,
                   const std::string& where) const {
    try {
      pd::TextEncoding e = pair ? tok_.encodePair(text, *pair, o_) : tok_.encode(text, o_);
      if (!a_.tokens && !a_.typeIds) return nlohmann::json(e.ids).dump();
      nlohmann::json j = {{"ids", e.ids}};
      if (a_.tokens) j["tokens"] = e.tokens;
      if (a_.typeIds) {
        j["type_ids"] = e.typeIds;
        j["attention_mask"] = e.attentionMask;
      }
      return j.dump();
    } catch (const pd::Error& e) {
      throw pd::Error(e.what(), where);
    }
  }

 private:
  const TokenizeArgs& a_;
  pd::TextTokenizer tok_;
  pd::TextEncodeOptions o_;
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

// Calls `each(text, text_b or null, where)` for every {"text": ..., "text_b"?: ...} line.
template <class Each>
void forJsonl(const TokenizeArgs& a, Each each) {
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
    std::string textB;
    const bool hasB = j.contains("text_b");
    if (hasB) {
      if (!j["text_b"].is_string()) throw pd::Error("field \"text_b\" is not a string", where);
      textB = j["text_b"].get<std::string>();
    }
    each(j["text"].get<std::string>(), hasB ? &textB : nullptr, where);
  }
  if (in.bad()) throw pd::Error("read error", a.jsonl);
  if (blank > 0)
    std::cerr << "tokenize: skipped " << blank << " blank line(s) in " << a.jsonl << "\n";
}

pd::cli::Registrar reg("tokenize", [](CLI::App& root, pd::cli::Outcome& out) {
  auto args = std::make_shared<TokenizeArgs>();
  auto* cmd = root.add_subcommand(
      "tokenize", "Print the token ids of texts as JSON arrays (with start/end tokens)");
  cmd->add_option("text", args->texts, "text(s) to tokenize, one JSON array per text");
  cmd->add_option("--tokenizer", args->tokenizer,
                  "clip, gpt2, bert-base-uncased, or a Hugging Face tokenizer folder (tokenizer.json, "
                  "vocab.json + merges.txt, or vocab.txt)")
      ->check(CLI::IsMember({"clip", "gpt2", "bert-base-uncased"}) | CLI::ExistingDirectory)
      ->capture_default_str();
  cmd->add_option("--pair", args->pair, "text_b: every text is encoded as a pair (A, TEXT_B)")
      ->each([args](const std::string&) { args->hasPair = true; });
  cmd->add_option("--max-length", args->maxLength,
                  "text tokenizers: truncate to N tokens, special tokens included (0 = no limit)")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--truncation", args->truncation, "text tokenizers: pair truncation strategy")
      ->check(CLI::IsMember({"longest_first", "only_first", "only_second"}))
      ->capture_default_str();
  cmd->add_option("--padding-side", args->paddingSide, "text tokenizers: where --pad pads")
      ->check(CLI::IsMember({"left", "right"}))
      ->capture_default_str();
  cmd->add_flag("--tokens", args->tokens,
                "text tokenizers: print {\"ids\", \"tokens\"} objects (token strings too)");
  cmd->add_flag("--type-ids", args->typeIds,
                "text tokenizers: print {\"ids\", \"type_ids\", \"attention_mask\"} objects");
  cmd->add_flag("--no-special-tokens", args->noSpecial,
                "text tokenizers: no [CLS]/[SEP] or <s>/</s> around the text");
  cmd->add_flag("--recognise-special-tokens", args->recognise,
                "text tokenizers: literal special tokens in the text (<mask>, [MASK]) are kept "
                "whole, as Hugging Face does");
  cmd->add_option("--vocab", args->vocab,
                  "CLIP merges file, or a Hugging Face folder with vocab.json + merges.txt "
                  "(default: the installed bpe_simple_vocab_16e6.txt)");
  cmd->add_option("--jsonl", args->jsonl, "read lines {\"text\": ...} from FILE")
      ->check(CLI::ExistingFile);
  cmd->add_option("--context-length", args->contextLength, "context length")
      ->check(CLI::Range(2, 1 << 20))
      ->capture_default_str();
  cmd->add_flag("--pad", args->pad,
                "zero-pad to the context length as clip.tokenize; text tokenizers: pad to "
                "--max-length (default: the model max length) with an attention mask");
  cmd->add_flag("--no-truncate", args->noTruncate,
                "fail on texts longer than the context instead of truncating");
  cmd->callback([args, &out] {
    if (args->texts.empty() == args->jsonl.empty())
      throw CLI::ValidationError("tokenize", "give either text argument(s) or --jsonl FILE");
    if (args->tokenizer != "clip") {
      if (!args->vocab.empty())
        throw CLI::ValidationError("tokenize", "--vocab is for --tokenizer clip");
      TextRunner run(*args);
      const std::string* pair = args->hasPair ? &args->pair : nullptr;
      if (!args->jsonl.empty()) {
        forJsonl(*args, [&](const std::string& text, const std::string* b, const std::string& where) {
          std::cout << run.json(text, b ? b : pair, where) << "\n";
        });
      } else {
        for (size_t i = 0; i < args->texts.size(); ++i)
          std::cout << run.json(args->texts[i], pair, "text " + std::to_string(i + 1)) << "\n";
      }
      out.code = 0;
      return;
    }
    if (args->hasPair || args->maxLength > 0 || args->tokens || args->typeIds || args->noSpecial ||
        args->recognise)
      throw CLI::ValidationError("tokenize",
                                 "--pair, --max-length, --tokens, --type-ids, --no-special-tokens "
                                 "and --recognise-special-tokens are for the text tokenizers");
    pd::ClipTokenizer tok = loadTokenizer(*args);
    if (!args->jsonl.empty()) {
      forJsonl(*args, [&](const std::string& text, const std::string*, const std::string& where) {
        std::cout << idsJson(tok, text, *args, where) << "\n";
      });
    } else {
      for (size_t i = 0; i < args->texts.size(); ++i)
        std::cout << idsJson(tok, args->texts[i], *args, "text " + std::to_string(i + 1)) << "\n";
    }
    out.code = 0;
  });
});

}  // namespace
