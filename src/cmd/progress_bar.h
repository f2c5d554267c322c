// Progress of a long command: a bar redrawn in place (stage, done/total, ETA) when stderr is a
// terminal; otherwise one plain log line per stage and every 25%, which reads well in CI logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace viscera::cmd {

class ProgressBar {
 public:
  ProgressBar();
  // `unit` names what is counted ("windows"); a new stage name starts a new line.
  void Update(const std::string& stage, int64_t done, int64_t total, const std::string& unit);
  void Finish();  // ends the bar's line

 private:
  bool terminal_;
  std::string stage_;
  int last_quarter_ = -1;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point stage_start_;
};

}  // namespace viscera::cmd
