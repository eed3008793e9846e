#include "promptdesk/paths.h"

#include <cstdlib>

namespace pd {
std::string dataDir() {
  if (const char* env = std::getenv("PROMPTDESK_DATA"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    return std::string(xdg) + "/promptdesk";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/share/promptdesk";
}
std::string dataPath(const std::string& relative) { return dataDir() + "/" + relative; }
}  // namespace pd
