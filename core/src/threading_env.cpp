#include "promptdesk/threading_env.h"

#include <unistd.h>

#include <cstdlib>

namespace pd {

void reexecWithPassiveOmpWait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  ::execv("/proc/self/exe", argv);
  // exec failed (no /proc): carry on with the default policy.
}

}  // namespace pd
