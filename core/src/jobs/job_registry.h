#pragma once
#include <memory>
#include <string>

#include "promptdesk/job_registry.h"
// Internal side of the job-kind registry: the built-in kinds are registered explicitly (a static
// library drops object files that nothing references, so self-registration cannot be relied on).
// A helper adding a method declares its register function here and calls it in
// registerBuiltinJobKinds() (job_registry.cpp).
namespace pd::jobs {
void registerLinearProbeCsv();
void registerClipJobs();  // clip-zero-shot, clip-fewshot, clip-fewshot-experiment
void registerTextJobs();  // text-zero-shot
}  // namespace pd::jobs

namespace pd {
// The registered kind's implementation; throws pd::Error for an unknown kind.
std::unique_ptr<JobKind> makeJobKind(const std::string& kind);
}  // namespace pd
