// Crash-consistency test hooks: named points inside multi-step operations (import, delete, save
// settings) where a test can make the process die as if killed with `kill -9`.
#pragma once

namespace viscera {

// If the environment variable VISCERA_CRASH_AT equals `name`, raises SIGKILL: the process dies at
// exactly this point, with no destructors, flushes or atexit handlers. A no-op otherwise.
void CrashPoint(const char* name);

}  // namespace viscera
