// Opening a project file (an SQLite database) made of arbitrary bytes, read-only and read-write
// (which may migrate an old schema after writing a backup), then reading everything the project
// view lists: models, datasets with their splits, templates, runs with their series, metrics,
// predictions, artifacts (their safetensors BLOBs decoded), notes.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "project/tensor_blob.h"
#include "promptdesk/error.h"
#include "promptdesk/project.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (bool readOnly : {true, false}) {
    const auto dir = pd_fuzz::freshDir("project");  // also drops -wal/-shm/backup files
    const auto file = dir / "fuzz.pdesk";
    pd_fuzz::writeFile(file, data, size);
    try {
      pd::Project::OpenOptions opt;
      opt.readOnly = readOnly;
      opt.busyTimeoutMs = 0;
      auto p = pd::Project::open(file.string(), opt);
      (void)p->counts();
      (void)p->models();
      for (const auto& d : p->datasets()) (void)p->splits(d.id);
      (void)p->templates();
      (void)p->experiments();
      (void)p->notes();
      for (const auto& r : p->runs()) {
        (void)p->series(r.id);
        (void)p->finalMetrics(r.id);
        (void)p->predictions(r.id);
        for (const auto& a : p->artifacts(r.id)) {
          const std::string bytes = p->artifactBytes(a.id);
          if (a.format == "safetensors") {
            try {
              (void)pd::project::decodeSafetensors(bytes, "artifact");
            } catch (const pd::Error&) {
            }
          }
        }
      }
    } catch (const pd::Error&) {
    }
  }
  return 0;
}
