// Opening a project file (an SQLite database) made of arbitrary bytes, read-only and read-write,
// then reading everything the project view lists.
#include <cstdint>
#include <string>

#include "promptdesk/error.h"
#include "promptdesk/project.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path dir = pd_fuzz::freshDir("project");
  const auto file = dir / "fuzz.pdesk";
  for (bool readOnly : {true, false}) {
    std::error_code ec;
    for (const char* extra : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(file.string() + extra, ec);
    pd_fuzz::writeFile(file, data, size);
    try {
      pd::Project::OpenOptions opt;
      opt.readOnly = readOnly;
      opt.busyTimeoutMs = 0;
      auto p = pd::Project::open(file.string(), opt);
      (void)p->counts();
      (void)p->models();
      (void)p->datasets();
      (void)p->templates();
    } catch (const pd::Error&) {
    }
  }
  return 0;
}
