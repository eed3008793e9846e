#include "project_runs.h"

#include <cstdio>
#include <iostream>
#include <mutex>

#include "promptdesk/error.h"
#include "promptdesk/job_registry.h"
#include "promptdesk/jobs.h"
#include "promptdesk/project.h"
#include "promptdesk/version.h"

namespace pd::cli {

ProjectRunsSummary runSpecInProject(const std::string& projectPath, const nlohmann::json& spec,
                                    bool quiet, bool reuse) {
  ProjectJob::Batch batch = ProjectJob::newRuns(projectPath, spec.dump(), reuse);
  ProjectRunsSummary sum;
  sum.skipped = batch.skipped;
  sum.resumed = batch.resumed;
  if (!quiet && (batch.skipped > 0 || batch.resumed > 0))
    std::fprintf(stderr, "%d run(s) already finished in the project (skipped), %d resumed\n",
                 batch.skipped, batch.resumed);
  JobRunnerOptions ro;
  ro.workers = 1;
  ro.threadsPerWorker = hardwareCores();
  const std::size_t total = batch.jobs.size();
  for (std::size_t i = 0; i < total; ++i) {
    auto& job = batch.jobs[i];
    if (!quiet)
      std::fprintf(stderr, "[%zu/%zu] run %lld: %s\n", i + 1, total,
                   static_cast<long long>(job->runId()), job->name().c_str());
    std::mutex m;
    JobRunner runner(ro);
    runner.setListener([&](const JobEvent& e) {
      if (quiet || e.state != JobState::Running) return;
      std::lock_guard<std::mutex> lock(m);
      std::fprintf(stderr, "\r  %s", e.message.c_str());
      if (e.totalSteps > 0)
        std::fprintf(stderr, " step %lld/%lld", static_cast<long long>(e.step),
                     static_cast<long long>(e.totalSteps));
      for (const auto& [k, v] : e.metrics) std::fprintf(stderr, " %s %.4g", k.c_str(), v);
      if (e.etaSeconds >= 0) std::fprintf(stderr, " ETA %.0fs", e.etaSeconds);
      std::fprintf(stderr, "      ");
      std::fflush(stderr);
    });
    runner.wait(runner.submit(job));
    if (!quiet) std::fprintf(stderr, "\n");
    Project::OpenOptions oo;
    oo.readOnly = true;
    auto p = Project::open(projectPath, oo);
    RunRecord r = p->run(job->runId());
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& f : p->finalMetrics(r.id)) metrics[f.name] = f.value;
    std::cout << nlohmann::json{{"run", r.id},
                                {"state", toString(r.state)},
                                {"experiment", r.experiment},
                                {"method", r.method},
                                {"shots", r.shots},
                                {"seed", r.seed},
                                {"metrics", metrics},
                                {"error", r.error}}
                     .dump()
              << std::endl;
    sum.runIds.push_back(r.id);
    if (r.state != JobState::Succeeded) {
      ++sum.failed;
      if (!quiet)
        std::fprintf(stderr, "  run %lld %s: %s\n", static_cast<long long>(r.id),
                     toString(r.state), r.error.c_str());
    }
  }
  if (sum.failed > 0)
    throw Error(std::to_string(sum.failed) + " of " + std::to_string(total) +
                    " run(s) did not succeed (see their errors above and in the project)",
                projectPath);
  return sum;
}

}  // namespace pd::cli
