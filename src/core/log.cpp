#include "core/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace viscera {
namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mutex;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}
}  // namespace

void SetLogLevel(LogLevel level) {
  g_level = level;
}

void Log(LogLevel level, const std::string& message) {
  if (level < g_level.load()) return;
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::lock_guard lock(g_mutex);
  std::fprintf(stderr, "%s %s %s\n", stamp, LevelName(level), message.c_str());
}

Progress::Progress(std::string what, int64_t total) : what_(std::move(what)), total_(total) {}

void Progress::Advance(int64_t n) {
  std::lock_guard lock(g_mutex);
  done_ += n;
  if (total_ <= 0) return;
  // Short jobs stay quiet; long ones report every quarter.
  if (total_ < kMinItemsToReport) return;
  int quarter = static_cast<int>(done_ * 4 / total_);
  if (quarter <= last_quarter_) return;
  last_quarter_ = quarter;
  if (LogLevel::kInfo < g_level.load()) return;
  std::fprintf(stderr, "  %s: %d%% (%lld/%lld)\n", what_.c_str(), quarter * 25,
               static_cast<long long>(done_), static_cast<long long>(total_));
}

}  // namespace viscera
