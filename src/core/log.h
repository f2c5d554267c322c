// Logging to stderr, one line per event; messages name files and series, never patient identity.
#pragma once

#include <cstdint>
#include <string>

namespace viscera {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

void SetLogLevel(LogLevel level);
void Log(LogLevel level, const std::string& message);
inline void LogInfo(const std::string& m) {
  Log(LogLevel::kInfo, m);
}
inline void LogWarning(const std::string& m) {
  Log(LogLevel::kWarning, m);
}
inline void LogError(const std::string& m) {
  Log(LogLevel::kError, m);
}

// Progress of a long job (>= 64 items), logged every 25% ("decoding slices: 50% (137/275)").
// Thread-safe: Advance() may be called from ParallelFor bodies.
class Progress {
 public:
  Progress(std::string what, int64_t total);
  void Advance(int64_t n = 1);

 private:
  std::string what_;
  int64_t total_;
  int64_t done_ = 0;
  static constexpr int64_t kMinItemsToReport = 64;
  int last_quarter_ = 0;
};

}  // namespace viscera
