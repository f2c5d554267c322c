#include "cmd/progress_bar.h"

#include <unistd.h>

#include <cstdio>

#include "core/log.h"

namespace viscera::cmd {
namespace {

std::string Clock(double seconds) {
  int s = static_cast<int>(seconds + 0.5);
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%d:%02d", s / 60, s % 60);
  return buffer;
}

}  // namespace

ProgressBar::ProgressBar() : terminal_(::isatty(STDERR_FILENO) == 1) {}

void ProgressBar::Update(const std::string& stage, int64_t done, int64_t total,
                         const std::string& unit) {
  auto now = std::chrono::steady_clock::now();
  if (stage != stage_) {
    Finish();
    stage_ = stage;
    stage_start_ = now;
    last_quarter_ = -1;
    if (!terminal_) LogInfo("stage " + stage);
  }
  if (total <= 1) return;
  double elapsed = std::chrono::duration<double>(now - stage_start_).count();
  std::string eta =
      done > 0 ? Clock(elapsed / static_cast<double>(done) * static_cast<double>(total - done))
               : "?";
  if (terminal_) {
    constexpr int kWidth = 30;
    int filled = static_cast<int>(kWidth * done / total);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '.');
    std::fprintf(stderr, "\r%-11s [%s] %lld/%lld %s, elapsed %s, ETA %s ", stage.c_str(),
                 bar.c_str(), static_cast<long long>(done), static_cast<long long>(total),
                 unit.c_str(), Clock(elapsed).c_str(), eta.c_str());
    std::fflush(stderr);
    drawn_ = true;
    return;
  }
  int quarter = static_cast<int>(4 * done / total);
  if (quarter > last_quarter_) {
    last_quarter_ = quarter;
    LogInfo(stage + ": " + std::to_string(done) + "/" + std::to_string(total) + " " + unit +
            ", ETA " + eta);
  }
}

void ProgressBar::Finish() {
  if (terminal_ && drawn_) std::fputc('\n', stderr);
  drawn_ = false;
}

}  // namespace viscera::cmd
