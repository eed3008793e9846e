#include "io/peft_adapter.h"

#include <filesystem>

#include "io/json_limits.h"
#include "promptdesk/error.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace pd::io {

PeftAdapterFile parsePeftAdapter(const std::string& dir) {
  PeftAdapterFile f;
  f.configPath = (fs::path(dir) / "adapter_config.json").string();
  f.weightsPath = (fs::path(dir) / "adapter_model.safetensors").string();
  if (!fs::exists(f.configPath))
    throw Error("not a PEFT adapter folder: there is no adapter_config.json", dir);
  f.config = parseJsonLimited(readJsonFileText(f.configPath, 16u << 20), f.configPath);
  const json& c = f.config;
  auto where = [&](const char* k) { return f.configPath + ": " + k; };
  if (!c.is_object()) throw Error("adapter_config.json is not a JSON object", f.configPath);
  if (!c.contains("peft_type") || !c["peft_type"].is_string())
    throw Error("adapter_config.json has no peft_type (a string)", where("peft_type"));
  f.peftType = c["peft_type"].get<std::string>();
  auto size = [&](const char* k, std::optional<std::int64_t>& out) {
    if (!c.contains(k) || c[k].is_null()) return;
    if (!c[k].is_number_integer() || c[k].get<std::int64_t>() < 0)
      throw Error(std::string(k) + " must be an integer >= 0, not " + c[k].dump(), where(k));
    out = c[k].get<std::int64_t>();
  };
  size("num_virtual_tokens", f.numVirtualTokens);
  size("token_dim", f.tokenDim);
  size("num_layers", f.numLayers);
  size("num_attention_heads", f.numAttentionHeads);
  auto str = [&](const char* k, std::string& out) {
    if (!c.contains(k) || c[k].is_null()) return;
    if (!c[k].is_string()) throw Error(std::string(k) + " must be a string", where(k));
    out = c[k].get<std::string>();
  };
  str("promptdesk_method", f.method);
  str("promptdesk_head", f.head);
  if (c.contains("promptdesk_options") && !c["promptdesk_options"].is_null()) {
    if (!c["promptdesk_options"].is_object())
      throw Error("promptdesk_options must be an object", where("promptdesk_options"));
    f.options = c["promptdesk_options"];
  }
  if (c.contains("promptdesk_classes") && !c["promptdesk_classes"].is_null()) {
    const json& a = c["promptdesk_classes"];
    if (!a.is_array()) throw Error("promptdesk_classes must be a list of names", where("promptdesk_classes"));
    for (const auto& n : a) {
      if (!n.is_string())
        throw Error("promptdesk_classes must be a list of names, not " + n.dump(), where("promptdesk_classes"));
      f.classes.push_back(n.get<std::string>());
    }
  }
  if (c.contains("promptdesk_label_word_ids") && !c["promptdesk_label_word_ids"].is_null()) {
    // Per class, per label word, its token ids.
    const json& a = c["promptdesk_label_word_ids"];
    const char* k = "promptdesk_label_word_ids";
    auto bad = [&]() { return Error("must be a list (per class) of lists (per word) of token ids", where(k)); };
    if (!a.is_array()) throw bad();
    for (const auto& cls : a) {
      if (!cls.is_array()) throw bad();
      std::vector<std::vector<int>> words;
      for (const auto& w : cls) {
        if (!w.is_array()) throw bad();
        std::vector<int> ids;
        for (const auto& id : w) {
          if (!id.is_number_integer() || id.get<std::int64_t>() < 0 ||
              id.get<std::int64_t>() > 0x7fffffff)
            throw Error("token id " + id.dump() + " is not an integer >= 0", where(k));
          ids.push_back(static_cast<int>(id.get<std::int64_t>()));
        }
        words.push_back(std::move(ids));
      }
      f.labelWordIds.push_back(std::move(words));
    }
  }
  if (!fs::exists(f.weightsPath))
    throw Error("the adapter folder has no adapter_model.safetensors", dir);
  f.weights = readSafetensors(f.weightsPath);
  return f;
}

}  // namespace pd::io
