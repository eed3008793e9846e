// The job-kind registry: kind -> (schema, factory), and spec validation against the schema.
#include "jobs/job_registry.h"

#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "common/options.h"
#include "promptdesk/error.h"
#include "promptdesk/job_registry.h"

using nlohmann::json;

namespace pd {
namespace {

struct Entry {
  JobKindInfo info;
  JobKindFactory factory;
};

std::mutex& registryMutex() {
  static std::mutex m;
  return m;
}
std::map<std::string, Entry>& registry() {
  static std::map<std::string, Entry> r;
  return r;
}

void registerBuiltinJobKinds() {
  static std::once_flag once;
  std::call_once(once, [] {
    jobs::registerLinearProbeCsv();
    jobs::registerClipJobs();
    jobs::registerTextJobs();
  });
}

}  // namespace

void registerJobKind(const JobKindInfo& info, JobKindFactory factory) {
  std::lock_guard<std::mutex> lock(registryMutex());
  registry()[info.kind] = Entry{info, std::move(factory)};
}

std::vector<JobKindInfo> jobKinds() {
  registerBuiltinJobKinds();
  std::lock_guard<std::mutex> lock(registryMutex());
  std::vector<JobKindInfo> out;
  for (auto& [k, e] : registry()) out.push_back(e.info);
  return out;
}

std::optional<JobKindInfo> jobKindInfo(const std::string& kind) {
  registerBuiltinJobKinds();
  std::lock_guard<std::mutex> lock(registryMutex());
  auto it = registry().find(kind);
  if (it == registry().end()) return std::nullopt;
  return it->second.info;
}

std::unique_ptr<JobKind> makeJobKind(const std::string& kind) {
  registerBuiltinJobKinds();
  std::lock_guard<std::mutex> lock(registryMutex());
  auto it = registry().find(kind);
  if (it == registry().end()) throw Error("unknown job kind '" + kind + "'", "kind");
  return it->second.factory();
}

std::string describeJobSpec(const std::string& specJson) {
  const json o = json::parse(specJson, nullptr, false);
  if (!o.is_object()) return {};
  auto text = [&](const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string out = text("kind");
  std::vector<std::string> parts;
  const std::string label = text("label").empty() ? text("method") : text("label");
  if (!label.empty()) parts.push_back(label);
  auto shots = o.find("shots");
  const bool hasShots = shots != o.end() && shots->is_number();
  const long long nShots = hasShots ? shots->get<long long>() : 0;
  if (hasShots) parts.push_back(nShots == 1 ? "1 shot" : std::to_string(nShots) + " shots");
  auto seed = o.find("seed");
  if (seed != o.end() && seed->is_number() && nShots > 0)
    parts.push_back("seed " + std::to_string(seed->get<long long>()));
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : ": ") + parts[i];
  return out;
}

std::string normalizeJobSpec(const std::string& specJson) {
  json spec;
  try {
    spec = json::parse(specJson);
  } catch (const json::exception& e) {
    throw Error(std::string("invalid JSON: ") + e.what(), "job spec");
  }
  if (!spec.is_object() || !spec.contains("kind") || !spec["kind"].is_string())
    throw Error("a job spec is a JSON object with a string field \"kind\"", "job spec");
  std::string kind = spec["kind"].get<std::string>();
  auto info = jobKindInfo(kind);
  if (!info) {
    std::string known;
    for (auto& k : jobKinds()) known += (known.empty() ? "" : ", ") + k.kind;
    throw Error("unknown job kind '" + kind + "' (known: " + known + ")", "kind");
  }
  auto impl = makeJobKind(kind);
  spec = json::parse(impl->upgrade(spec.dump()));
  json rest = spec;
  rest.erase("kind");
  json out = options::complete(info->options, rest, kind);
  out["kind"] = kind;
  out = json::parse(impl->finish(out.dump()));
  return out.dump();
}

std::vector<std::string> expandJobSpec(const std::string& specJson) {
  const std::string spec = normalizeJobSpec(specJson);
  const std::string kind = json::parse(spec)["kind"].get<std::string>();
  auto info = jobKindInfo(kind);
  if (!info || !info->grid) return {spec};
  std::vector<std::string> out;
  for (const auto& cell : makeJobKind(kind)->expand(spec)) {
    std::string c = normalizeJobSpec(cell);
    auto ci = jobKindInfo(json::parse(c)["kind"].get<std::string>());
    if (ci && ci->grid) throw Error("a grid's cell cannot be a grid itself", kind);
    out.push_back(std::move(c));
  }
  if (out.empty()) throw Error("the experiment has no runs (empty lists?)", kind);
  return out;
}

}  // namespace pd
