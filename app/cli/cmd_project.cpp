// promptdesk-cli project new|add-model|add-dataset|info|list-jobs|export|vacuum: the project file from the shell.
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "promptdesk/error.h"
#include "promptdesk/project.h"
#include "promptdesk/project_files.h"
#include "promptdesk/report.h"

using nlohmann::json;

namespace {

json runJson(const pd::Project& p, const pd::RunRecord& r) {
  json m = json::object();
  for (auto& f : p.finalMetrics(r.id)) m[f.name] = f.value;
  return {{"id", r.id},
          {"kind", r.kind},
          {"state", pd::toString(r.state)},
          {"experiment", r.experiment},
          {"method", r.method},
          {"template", r.templateName},
          {"shots", r.shots},
          {"seed", r.seed},
          {"started_at", r.startedAt},
          {"ended_at", r.endedAt},
          {"host", r.host},
          {"pid", r.pid},
          {"app_version", r.appVersion},
          {"error", r.error},
          {"split_hash", r.splitHash},
          {"spec_id", r.specId},
          {"metrics", m},
          {"series_points", p.series(r.id).size()}};
}

pd::cli::Registrar reg("project", [](CLI::App& root, pd::cli::Outcome& out) {
  CLI::App& g = pd::cli::group(root, "project", "Project files (*.pdesk): create, inspect, export");

  static std::string newPath;
  auto* cNew = g.add_subcommand("new", "Create an empty project file");
  cNew->add_option("file", newPath, "project file to create")->required();
  cNew->callback([&out] {
    auto p = pd::Project::create(newPath);
    pd::addRecentProject(newPath);
    std::cout << "created " << newPath << " (schema version " << p->schemaVersion() << ")\n";
    out.code = 0;
  });

  // add-model / add-dataset: what the GUI's "Add model…" / "Add dataset…" record.
  static std::string addProject, addFile, importer;
  static double importMemoryGiB = 8, importSeconds = 600;
  static bool addJson = false;
  auto* cAddModel = g.add_subcommand(
      "add-model", "Record a model file or HF folder (a .pt is converted in a separate process)");
  cAddModel->add_option("project", addProject, "project file")->required()->check(CLI::ExistingFile);
  cAddModel->add_option("model", addFile, "checkpoint (.pt, .safetensors) or Hugging Face folder")
      ->required();
  cAddModel->add_option("--importer", importer,
                        "the .pt importer to run (default: promptdesk-import beside this program)");
  cAddModel->add_option("--import-memory-gib", importMemoryGiB,
                        "address-space limit of the import process in GiB (0: none)")
      ->check(CLI::Range(0.0, 1024.0));
  cAddModel->add_option("--import-seconds", importSeconds,
                        "the import process is killed after this many seconds (0: no limit)")
      ->check(CLI::Range(0.0, 86400.0));
  cAddModel->add_flag("--json", addJson, "print the recorded model as one JSON object");
  cAddModel->callback([&out] {
    pd::IsolatedImportOptions o;
    o.cliPath = importer;
    o.memoryLimitBytes = static_cast<std::uint64_t>(importMemoryGiB * double(1ull << 30));
    o.timeLimitSeconds = importSeconds;
    const pd::ModelRecord m = pd::addModelFile(addProject, addFile, o);
    if (addJson)
      std::cout << json{{"id", m.id}, {"path", m.path}, {"format", m.format},
                        {"sha256", m.contentHash}}.dump()
                << "\n";
    else
      std::cout << "model " << m.id << ": " << m.path << " (" << m.format << ", sha256 "
                << m.contentHash.substr(0, 12) << ")\n";
    out.code = 0;
  });
  auto* cAddData = g.add_subcommand("add-dataset", "Record a dataset file or folder");
  cAddData->add_option("project", addProject, "project file")->required()->check(CLI::ExistingFile);
  cAddData->add_option("dataset", addFile, "dataset file or folder")->required();
  cAddData->add_flag("--json", addJson, "print the recorded dataset as one JSON object");
  cAddData->callback([&out] {
    const pd::DatasetRecord d = pd::addDatasetFile(addProject, addFile);
    if (addJson)
      std::cout << json{{"id", d.id}, {"name", d.name}, {"path", d.path},
                        {"classes", d.classNames.size()}, {"sha256", d.contentHash}}.dump()
                << "\n";
    else
      std::cout << "dataset " << d.id << ": " << d.name << " (" << d.classNames.size()
                << " classes, sha256 " << d.contentHash.substr(0, 12) << ")\n";
    out.code = 0;
  });

  static std::string infoPath;
  static bool infoJson = false;
  auto* cInfo = g.add_subcommand("info", "Schema version, counts, models and datasets");
  cInfo->add_option("file", infoPath, "project file")->required()->check(CLI::ExistingFile);
  cInfo->add_flag("--json", infoJson, "print one JSON object");
  cInfo->callback([&out] {
    // Opening marks runs of dead processes interrupted; read-only by itself when not writable.
    auto p = pd::Project::open(infoPath);
    pd::ProjectCounts c = p->counts();
    json j = {{"path", infoPath},
              {"schema_version", p->schemaVersion()},
              {"counts",
               {{"models", c.models},
                {"datasets", c.datasets},
                {"splits", c.splits},
                {"templates", c.templates},
                {"job_specs", c.specs},
                {"runs", c.runs},
                {"series_points", c.series},
                {"final_metrics", c.finals},
                {"predictions", c.predictions},
                {"artifacts", c.artifacts},
                {"notes", c.notes}}},
              {"size_bytes", std::filesystem::file_size(infoPath)}};
    j["models"] = json::array();
    for (auto& m : p->models())
      j["models"].push_back({{"id", m.id},
                             {"path", m.path},
                             {"format", m.format},
                             {"sha256", m.contentHash},
                             {"file", pd::toString(p->checkModel(m.id))}});
    j["datasets"] = json::array();
    for (auto& d : p->datasets())
      j["datasets"].push_back({{"id", d.id},
                               {"name", d.name},
                               {"path", d.path},
                               {"sha256", d.contentHash},
                               {"classes", d.classNames.size()},
                               {"file", pd::toString(p->checkDataset(d.id))}});
    json states = json::object();
    for (auto& r : p->runs())
      states[pd::toString(r.state)] = states.value(pd::toString(r.state), 0) + 1;
    j["run_states"] = states;
    j["experiments"] = p->experiments();
    if (infoJson) {
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << infoPath << ": PromptDesk project, schema version " << p->schemaVersion() << ", "
                << j["size_bytes"].get<std::int64_t>() << " bytes\n";
      for (auto& [k, v] : j["counts"].items()) std::cout << "  " << k << ": " << v << "\n";
      for (auto& [k, v] : states.items()) std::cout << "  runs " << k << ": " << v << "\n";
      for (auto& m : j["models"])
        std::cout << "  model " << m["id"] << ": " << m["path"].get<std::string>() << " ["
                  << m["file"].get<std::string>() << "]\n";
      for (auto& d : j["datasets"])
        std::cout << "  dataset " << d["id"] << ": " << d["path"].get<std::string>() << " ["
                  << d["file"].get<std::string>() << "]\n";
    }
    out.code = 0;
  });

  static std::string listPath;
  static bool listJson = false;
  auto* cList = g.add_subcommand("list-jobs", "Runs with state, method, shots, seed, metrics");
  cList->add_option("file", listPath, "project file")->required()->check(CLI::ExistingFile);
  cList->add_flag("--json", listJson, "print a JSON array");
  cList->callback([&out] {
    auto p = pd::Project::open(listPath);
    json arr = json::array();
    for (auto& r : p->runs()) arr.push_back(runJson(*p, r));
    if (listJson) {
      std::cout << arr.dump(2) << "\n";
    } else {
      for (auto& r : arr) {
        std::cout << r["id"] << "\t" << r["state"].get<std::string>() << "\t"
                  << r["kind"].get<std::string>() << "\t" << r["method"].get<std::string>()
                  << "\tshots=" << r["shots"] << "\tseed=" << r["seed"]
                  << "\tpoints=" << r["series_points"];
        for (auto& [k, v] : r["metrics"].items()) std::cout << "\t" << k << "=" << v;
        if (!r["error"].get<std::string>().empty())
          std::cout << "\terror: " << r["error"].get<std::string>();
        std::cout << "\n";
      }
    }
    out.code = 0;
  });

  static std::string expPath, expDir;
  auto* cExp = g.add_subcommand("export", "Write runs.json, runs.csv, metrics.csv, series.csv");
  cExp->add_option("file", expPath, "project file")->required()->check(CLI::ExistingFile);
  cExp->add_option("--out", expDir, "output folder (created)")->required();
  cExp->callback([&out] {
    pd::Project::OpenOptions oo;
    oo.readOnly = true;
    auto p = pd::Project::open(expPath, oo);
    std::filesystem::create_directories(expDir);
    json arr = json::array();
    std::string runsCsv =
        "id,kind,state,experiment,method,template,shots,seed,started_at,ended_at,host,"
        "app_version,split_hash,error\n";
    std::string seriesCsv = "run,step,epoch,name,value\n";
    auto q = [](const std::string& s) {
      std::string o = "\"";
      for (char c : s) o += (c == '"') ? std::string("\"\"") : std::string(1, c);
      return o + "\"";
    };
    for (auto& r : p->runs()) {
      arr.push_back(runJson(*p, r));
      arr.back()["spec"] = json::parse(p->jobSpec(r.specId).json);
      runsCsv += std::to_string(r.id) + "," + q(r.kind) + "," + pd::toString(r.state) + "," +
                 q(r.experiment) + "," + q(r.method) + "," + q(r.templateName) + "," +
                 std::to_string(r.shots) + "," + std::to_string(r.seed) + "," + r.startedAt + "," +
                 r.endedAt + "," + q(r.host) + "," + r.appVersion + "," + r.splitHash + "," +
                 q(r.error) + "\n";
      for (auto& pt : p->series(r.id))
        seriesCsv += std::to_string(r.id) + "," + std::to_string(pt.step) + "," +
                     std::to_string(pt.epoch) + "," + q(pt.name) + "," + json(pt.value).dump() +
                     "\n";
    }
    pd::ReportOptions ro;
    ro.metric = "accuracy";
    pd::ReportData all = pd::collectReport(*p, ro);
    pd::writeFileAtomically(expDir + "/runs.json", arr.dump(2) + "\n");
    pd::writeFileAtomically(expDir + "/runs.csv", runsCsv);
    pd::writeFileAtomically(expDir + "/metrics.csv", pd::reportCsv(all));
    pd::writeFileAtomically(expDir + "/series.csv", seriesCsv);
    std::cout << "exported " << arr.size() << " runs to " << expDir << "\n";
    out.code = 0;
  });

  static std::string vacPath;
  auto* cVac = g.add_subcommand("vacuum", "Rebuild the file to reclaim space");
  cVac->add_option("file", vacPath, "project file")->required()->check(CLI::ExistingFile);
  cVac->callback([&out] {
    auto p = pd::Project::open(vacPath);
    auto [before, after] = p->vacuum();
    std::cout << "vacuum: " << before << " -> " << after << " bytes\n";
    out.code = 0;
  });
});

}  // namespace
