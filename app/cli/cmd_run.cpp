// promptdesk-cli run --project P SPEC.json | --resume RUN_ID: run a job spec, recorded in P.
// An experiment spec runs as its cells; cells finished before are skipped (unless --fresh).
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "command_registry.h"
#include "project_runs.h"
#include "promptdesk/error.h"
#include "promptdesk/job_registry.h"
#include "promptdesk/project.h"

using nlohmann::json;

namespace {
pd::cli::Registrar reg("run", [](CLI::App& root, pd::cli::Outcome& out) {
  auto* cmd = root.add_subcommand("run", "Run a job spec (JSON with a \"kind\") in a project");
  static std::string project, spec;
  static std::int64_t resume = 0;
  static bool kinds = false, quiet = false, fresh = false;
  cmd->add_option("--project", project, "project file (*.pdesk) that records the run");
  cmd->add_option("spec", spec, "job spec JSON file")->check(CLI::ExistingFile);
  cmd->add_option("--resume", resume,
                  "resume an interrupted/failed/cancelled run from its "
                  "newest checkpoint")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--list-kinds", kinds, "print the registered job kinds and their option schema");
  cmd->add_flag("--quiet", quiet, "no progress on stderr");
  cmd->add_flag("--fresh", fresh,
                "new runs even for specs that already succeeded in the project (default: skip "
                "them, resume interrupted ones)");
  cmd->callback([&out] {
    if (kinds) {
      json arr = json::array();
      for (auto& k : pd::jobKinds()) {
        json opts = json::array();
        for (auto& o : k.options) {
          json jo = {{"name", o.name},
                     {"type", o.type},
                     {"default", json::parse(o.defaultJson)},
                     {"required", o.required},
                     {"help", o.help}};
          if (o.min) jo["min"] = *o.min;
          if (o.max) jo["max"] = *o.max;
          if (!o.choices.empty()) jo["choices"] = o.choices;
          opts.push_back(jo);
        }
        arr.push_back({{"kind", k.kind},
                       {"title", k.title},
                       {"grid", k.grid},
                       {"description", k.description},
                       {"options", opts}});
      }
      std::cout << arr.dump(2) << "\n";
      out.code = 0;
      return;
    }
    if (project.empty()) throw CLI::RequiredError("--project");
    if ((resume > 0) == !spec.empty())
      throw CLI::ValidationError("run", "give either a SPEC file or --resume RUN_ID");
    std::shared_ptr<pd::ProjectJob> job;
    if (resume > 0) {
      job = pd::ProjectJob::resume(project, resume);
    } else {
      std::ifstream in(spec);
      std::stringstream ss;
      ss << in.rdbuf();
      json j;
      try {
        j = json::parse(ss.str());
      } catch (const json::exception& e) {
        throw pd::Error(std::string("invalid JSON: ") + e.what(), spec);
      }
      try {
        pd::cli::runSpecInProject(project, j, quiet, !fresh);
      } catch (const pd::Error& e) {
        throw pd::Error(e.what(), spec);
      }
      out.code = 0;
      return;
    }
    std::cerr << "run " << job->runId() << ": " << job->name() << "\n";
    std::int64_t id = pd::runJobInProject(job, [](const pd::JobEvent& e) {
      if (quiet || e.totalSteps <= 0) return;
      std::cerr << "  [" << e.step << "/" << e.totalSteps << "] " << e.message;
      for (auto& [k, v] : e.metrics) std::cerr << " " << k << "=" << v;
      std::cerr << "\n";
    });
    pd::Project::OpenOptions oo;
    oo.readOnly = true;
    auto p = pd::Project::open(project, oo);
    pd::RunRecord r = p->run(id);
    json m = json::object();
    for (auto& f : p->finalMetrics(id)) m[f.name] = f.value;
    std::cout << json{{"run", id},
                      {"state", pd::toString(r.state)},
                      {"metrics", m},
                      {"error", r.error}}
                     .dump()
              << "\n";
    if (r.state != pd::JobState::Succeeded)
      throw pd::Error(std::string("run ") + std::to_string(id) + " " + pd::toString(r.state) +
                      (r.error.empty() ? "" : ": " + r.error));
    out.code = 0;
  });
});
}  // namespace
