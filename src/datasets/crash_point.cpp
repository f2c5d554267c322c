#include "datasets/crash_point.h"

#include <csignal>
#include <cstdlib>
#include <cstring>

namespace viscera {

void CrashPoint(const char* name) {
  // Read on every call (not cached) so that a forked test child can set it just before acting.
  const char* at = std::getenv("VISCERA_CRASH_AT");
  if (at != nullptr && std::strcmp(at, name) == 0) std::raise(SIGKILL);
}

}  // namespace viscera
