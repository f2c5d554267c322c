// Counters, gauges and latency histograms in Prometheus' text format (/metrics). Lock-free
// updates from any thread; rendering the text takes a snapshot.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace viscera {

// Cumulative histogram over fixed bounds in seconds (Prometheus' "le" buckets).
class LatencyHistogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.005, 0.01, 0.02, 0.033, 0.05, 0.1,
                                                     0.2,   0.5,  1,    2.5,   5,    10};
  void Observe(double seconds);
  // Lines "name_bucket{le=..} n", "name_sum", "name_count" with `labels` ("" or `a="b"`).
  std::string Render(const std::string& name, const std::string& labels) const;
  int64_t count() const { return count_.load(); }

 private:
  std::array<std::atomic<int64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<int64_t> count_{0};
  std::atomic<int64_t> sum_us_{0};
};

struct ServiceMetrics {
  std::atomic<int64_t> frames_draft{0}, frames_full{0};
  std::atomic<int64_t> frames_dropped{0};  // replaced before a slow client read them
  std::atomic<int64_t> frame_bytes{0};
  std::atomic<int64_t> sessions_open{0}, sessions_total{0};
  std::atomic<int64_t> websocket_errors{0};  // refused or invalid client messages
  std::atomic<int64_t> render_errors{0};
  // Datasets loaded for rendering and the bytes their volumes hold (set by the service).
  std::function<std::pair<int64_t, int64_t>()> loaded_volumes;
  LatencyHistogram input_to_frame;  // client input received -> its frame handed to the socket
  LatencyHistogram render_time;
  // HTTP requests by status class.
  void CountRequest(int status, double seconds);

  std::string RenderPrometheus() const;

 private:
  mutable std::mutex mutex_;
  std::map<int, int64_t> requests_by_status_;
  LatencyHistogram request_time_;
};

// This process's resident set size in bytes (from /proc/self/statm), 0 if unknown.
int64_t ResidentMemoryBytes();

}  // namespace viscera
