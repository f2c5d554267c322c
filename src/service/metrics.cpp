#include "service/metrics.h"

#include <cstdio>
#include <sstream>

#include <unistd.h>

namespace viscera {

void LatencyHistogram::Observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  ++buckets_[i];
  ++count_;
  sum_us_ += static_cast<int64_t>(seconds * 1e6);
}

std::string LatencyHistogram::Render(const std::string& name, const std::string& labels) const {
  std::ostringstream out;
  const std::string sep = labels.empty() ? "" : labels + ",";
  int64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load();
    out << name << "_bucket{" << sep << "le=\"" << kBounds[i] << "\"} " << cumulative << "\n";
  }
  cumulative += buckets_[kBounds.size()].load();
  out << name << "_bucket{" << sep << "le=\"+Inf\"} " << cumulative << "\n";
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out << name << "_sum" << braces << " " << static_cast<double>(sum_us_.load()) / 1e6 << "\n";
  out << name << "_count" << braces << " " << count_.load() << "\n";
  return out.str();
}

void ServiceMetrics::CountRequest(int status, double seconds) {
  request_time_.Observe(seconds);
  std::lock_guard lock(mutex_);
  ++requests_by_status_[status];
}

int64_t ResidentMemoryBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long pages_total = 0, pages_resident = 0;  // NOLINT(runtime/int): statm's format
  const int n = std::fscanf(f, "%ld %ld", &pages_total, &pages_resident);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<int64_t>(pages_resident) * sysconf(_SC_PAGESIZE);
}

std::string ServiceMetrics::RenderPrometheus() const {
  std::ostringstream out;
  auto counter = [&](const char* name, const char* help, int64_t value, const char* type) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n"
        << name << " " << value << "\n";
  };
  out << "# HELP viscera_frames_total Frames sent to clients.\n"
      << "# TYPE viscera_frames_total counter\n"
      << "viscera_frames_total{quality=\"draft\"} " << frames_draft.load() << "\n"
      << "viscera_frames_total{quality=\"full\"} " << frames_full.load() << "\n";
  counter("viscera_frames_dropped_total",
          "Frames replaced by a newer one before a slow client read them.", frames_dropped.load(),
          "counter");
  counter("viscera_frame_bytes_total", "JPEG bytes of frames produced.", frame_bytes.load(),
          "counter");
  counter("viscera_sessions", "Open render sessions.", sessions_open.load(), "gauge");
  counter("viscera_sessions_total", "Render sessions opened.", sessions_total.load(), "counter");
  counter("viscera_websocket_errors_total", "Client messages refused as invalid.",
          websocket_errors.load(), "counter");
  counter("viscera_render_errors_total", "Frames that failed to render or encode.",
          render_errors.load(), "counter");
  if (loaded_volumes) {
    const auto [scenes, bytes] = loaded_volumes();
    counter("viscera_loaded_volumes", "Datasets loaded for rendering (shared by their sessions).",
            scenes, "gauge");
    counter("viscera_loaded_volume_bytes", "Bytes held by the loaded volumes.", bytes, "gauge");
  }
  out << "# HELP viscera_input_to_frame_seconds Client input received to its frame sent.\n"
      << "# TYPE viscera_input_to_frame_seconds histogram\n"
      << input_to_frame.Render("viscera_input_to_frame_seconds", "");
  out << "# HELP viscera_render_seconds Time to render and encode a frame.\n"
      << "# TYPE viscera_render_seconds histogram\n"
      << render_time.Render("viscera_render_seconds", "");
  out << "# HELP viscera_http_request_seconds HTTP request latency.\n"
      << "# TYPE viscera_http_request_seconds histogram\n"
      << request_time_.Render("viscera_http_request_seconds", "");
  {
    std::lock_guard lock(mutex_);
    out << "# HELP viscera_http_requests_total HTTP requests by status.\n"
        << "# TYPE viscera_http_requests_total counter\n";
    for (const auto& [status, n] : requests_by_status_) {
      out << "viscera_http_requests_total{status=\"" << status << "\"} " << n << "\n";
    }
  }
  counter("process_resident_memory_bytes", "Resident memory size in bytes.", ResidentMemoryBytes(),
          "gauge");
  return out.str();
}

}  // namespace viscera
