// Recording model and dataset files in a project (see promptdesk/project_files.h).
#include "promptdesk/project_files.h"

#include <cctype>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/text_split.h"
#include "promptdesk/dataset.h"
#include "promptdesk/error.h"
#include "promptdesk/hash.h"
#include "promptdesk/jobs.h"
#include "promptdesk/models.h"

namespace fs = std::filesystem;

namespace pd {
namespace {

void report(JobContext* ctx, const std::string& message) {
  if (!ctx) return;
  ctx->checkCancelled();
  ctx->progress(-1, 0, 0, message);
}

bool isTorchScript(const fs::path& p) {
  std::string ext = p.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".pt" || ext == ".pth" || needsIsolatedImport(p.string());
}

// "<reason> (<file>)" without the context prefix pd::Error puts in front, starting with
// invalidCheckpointPrefix(input) ("this file is not a valid CLIP checkpoint: ", or for a folder
// "this folder is not a valid checkpoint: ").
std::string notModel(const Error& e, const std::string& file, const std::string& input) {
  const std::string kNotModel = invalidCheckpointPrefix(input);
  std::string m = e.what();
  const std::string prefix = e.context() + ": ";
  if (!e.context().empty() && m.rfind(prefix, 0) == 0) m = m.substr(prefix.size());
  if (m.rfind(kNotModel, 0) != 0) m = kNotModel + m;
  if (m.find(fs::path(file).filename().string()) == std::string::npos) m += " (" + file + ")";
  return m;
}

}  // namespace

ModelRecord addModelFile(const std::string& projectPath, const std::string& fileIn,
                         const IsolatedImportOptions& importIn, JobContext* ctx) {
  const fs::path abs = fs::absolute(fs::path(fileIn)).lexically_normal();
  std::string file = abs.string();
  const std::string input = file;
  std::string converted;
  std::error_code ec;
  if (fs::is_directory(abs, ec) && needsIsolatedImport(file)) {
    // A Hugging Face folder with pickled weights: <project folder>/models/<name>/ (a text model:
    // model.safetensors + config.json + tokenizer files) or <name>.safetensors (CLIP), free names.
    const fs::path dir = fs::absolute(fs::path(projectPath)).parent_path() / "models";
    fs::create_directories(dir);
    const fs::path named = abs.filename().empty() ? abs.parent_path() : abs;  // "x/" -> "x"
    const std::string base = named.filename().string();
    fs::path out = dir / base;
    for (int n = 2; fs::exists(out) || fs::exists(out.string() + ".safetensors"); ++n)
      out = dir / (base + "-" + std::to_string(n));
    report(ctx, "converting in a separate process");
    IsolatedImportOptions import = importIn;
    if (ctx && !import.cancelled) import.cancelled = [ctx] { return ctx->cancelRequested(); };
    try {
      converted = importModelFolderIsolated(file, out.string(), import).modelPath;
    } catch (const Error& e) {
      if (ctx && ctx->cancelRequested()) throw JobCancelled();
      throw Error(notModel(e, file, input));
    }
    file = converted;
  } else if (isTorchScript(abs)) {
    const std::string kNotModel = invalidCheckpointPrefix(file);
    if (!fs::is_regular_file(abs, ec)) throw Error(kNotModel + "no such file: " + file);
    // Written beside the project: <project folder>/models/<name>.safetensors (a free name).
    const fs::path dir = fs::absolute(fs::path(projectPath)).parent_path() / "models";
    fs::create_directories(dir);
    const std::string base = abs.stem().string();
    fs::path out = dir / (base + ".safetensors");
    for (int n = 2; fs::exists(out); ++n) out = dir / (base + "-" + std::to_string(n) + ".safetensors");
    report(ctx, "converting in a separate process");
    IsolatedImportOptions import = importIn;
    if (ctx && !import.cancelled) import.cancelled = [ctx] { return ctx->cancelRequested(); };
    try {
      importCheckpointIsolated(file, out.string(), import);
    } catch (const Error& e) {
      fs::remove(out, ec);
      if (ctx && ctx->cancelRequested()) throw JobCancelled();
      throw Error(notModel(e, file, input));
    }
    converted = out.string();
    file = converted;
  }
  auto dropConverted = [&] {
    std::error_code ec;
    if (!converted.empty()) fs::remove_all(converted, ec);
  };
  try {
    report(ctx, "inspecting " + file);
    ModelDescription a;
    try {
      a = describeModel(file);
    } catch (const Error& e) {
      throw Error(notModel(e, file, input));
    }
    report(ctx, "SHA-256 of " + file);
    ModelRecord m;
    m.path = file;
    m.format = a.format.empty() ? "safetensors" : a.format;
    m.contentHash = sha256Path(file);
    m.architectureJson = a.architectureJson;
    report(ctx, "recording " + file);
    m.id = Project::open(projectPath)->addModel(m);
    return m;
  } catch (...) {
    dropConverted();
    throw;
  }
}

DatasetRecord addDatasetFile(const std::string& projectPath, const std::string& fileIn,
                             JobContext* ctx) {
  const fs::path abs = fs::absolute(fs::path(fileIn)).lexically_normal();
  const std::string file = abs.string();
  DatasetRecord d;
  d.name = abs.stem().string();
  d.path = file;
  d.specJson = nlohmann::json{{"spec", file}}.dump();
  report(ctx, "reading " + file);
  try {
    auto ds = openDataset(file);
    if (!ds->name().empty()) d.name = ds->name();
    d.classNames = ds->classNames();
  } catch (const std::exception& e) {
    std::error_code ec;
    if (!fs::exists(abs, ec)) throw;
    if (ctx) ctx->progress(-1, 0, 0, std::string("recorded as a plain file: ") + e.what());
  }
  report(ctx, "SHA-256 of " + file);
  d.contentHash = sha256Path(file);
  report(ctx, "recording " + file);
  d.id = Project::open(projectPath)->addDataset(d);
  return d;
}

std::pair<std::string, DatasetOptions> datasetSpecOf(const DatasetRecord& record) {
  std::pair<std::string, DatasetOptions> out{record.path, {}};
  const nlohmann::json j = nlohmann::json::parse(record.specJson, nullptr, false);
  if (!j.is_object()) return out;
  auto text = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (!text("spec").empty()) out.first = text("spec");
  out.second.imageRoot = text("image_root");
  out.second.classNamesFile = text("class_names");
  out.second.labelNames = splitTrimmed(text("label_names"), ",", " \t\r");
  return out;
}

}  // namespace pd
