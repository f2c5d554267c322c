// Latency and throughput of a running `viscera serve`, over its WebSocket render API.
//
//   serve_bench --url http://127.0.0.1:PORT --dataset ID [--sessions 1,4,16] [--seconds 60]
//               [--size 512x512] [--latency-inputs 200] [--token T]
//
// Phase 1 (latency): one session on /api/render?dataset=ID sends {"type":"resize"} and waits for a
// frame, then sends orbit inputs at ~30 Hz and times each from its send to the first frame whose
// header input_id >= its id. Phase 2 (throughput): for each N in --sessions, N sessions (a thread
// each) send orbit inputs paced by the frames that come back (at most 2 in flight) for --seconds.
// The server's RSS is read from GET /metrics (process_resident_memory_bytes) before and after.
// Prints a table, then one JSON line:
//   {"p50_ms":..,"p95_ms":..,"fps":{"1":..,"4":..},"rss_before_mb":..,"rss_after_mb":..,...}
// where fps is the mean frames/s per session (fps_min and fps_total give the rest). Exit status 1
// when any phase failed (the JSON line is still printed, with nulls).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client/frame_message.h"
#include "client/http_client.h"

namespace viscera {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kFirstFrameTimeoutMs = 60000;  // the first frame may wait for a dataset load
constexpr int kStallTimeoutMs = 10000;       // no frame for this long fails a session
constexpr int kLatencyPeriodMs = 33;         // ~30 Hz inputs

struct Options {
  std::string url;
  HttpEndpoint endpoint;
  std::string dataset;
  std::vector<int> sessions = {1, 4, 16};
  int seconds = 60;
  int width = 512;
  int height = 512;
  int latency_inputs = 200;
};

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string UrlEncode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Expected<int> ParsePositive(const std::string& flag, const std::string& text) {
  try {
    size_t used = 0;
    const int value = std::stoi(text, &used);
    if (used == text.size() && value > 0) return value;
  } catch (const std::exception&) {  // falls through to the error below
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   flag + ": expected a positive integer, got \"" + text + "\"");
}

const char* kUsage =
    "usage: serve_bench --url http://HOST:PORT --dataset ID [--sessions 1,4,16] [--seconds 60]\n"
    "                   [--size 512x512] [--latency-inputs 200] [--token TOKEN]\n";

Expected<Options> ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") return MakeError(ErrorCode::kNotFound, "");
    if (i + 1 >= argc) return MakeError(ErrorCode::kInvalidArgument, flag + " needs a value");
    const std::string value = argv[++i];
    if (flag == "--url") {
      options.url = value;
    } else if (flag == "--dataset") {
      options.dataset = value;
    } else if (flag == "--token") {
      options.endpoint.token = value;
    } else if (flag == "--seconds") {
      VISCERA_ASSIGN_OR_RETURN(options.seconds, ParsePositive(flag, value));
    } else if (flag == "--latency-inputs") {
      VISCERA_ASSIGN_OR_RETURN(options.latency_inputs, ParsePositive(flag, value));
    } else if (flag == "--size") {
      const size_t x = value.find('x');
      if (x == std::string::npos) {
        return MakeError(ErrorCode::kInvalidArgument, "--size: expected WxH, got " + value);
      }
      VISCERA_ASSIGN_OR_RETURN(options.width, ParsePositive(flag, value.substr(0, x)));
      VISCERA_ASSIGN_OR_RETURN(options.height, ParsePositive(flag, value.substr(x + 1)));
    } else if (flag == "--sessions") {
      options.sessions.clear();
      std::stringstream list(value);
      std::string item;
      while (std::getline(list, item, ',')) {
        VISCERA_ASSIGN_OR_RETURN(const int n, ParsePositive(flag, item));
        options.sessions.push_back(n);
      }
      if (options.sessions.empty()) {
        return MakeError(ErrorCode::kInvalidArgument, "--sessions: empty list");
      }
    } else {
      return MakeError(ErrorCode::kInvalidArgument, "unknown option " + flag);
    }
  }
  if (options.url.empty() || options.dataset.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "--url and --dataset are required");
  }
  const std::string token = options.endpoint.token;
  VISCERA_ASSIGN_OR_RETURN(options.endpoint, ParseHttpUrl(options.url));
  options.endpoint.token = token;
  return options;
}

// The server's resident memory in MiB, from its Prometheus metrics.
Expected<double> ReadRssMb(const HttpEndpoint& endpoint) {
  VISCERA_ASSIGN_OR_RETURN(HttpResponse response,
                           HttpRequest(endpoint, "GET", "/metrics", "", "", 10000));
  const std::string what = "GET " + EndpointUrl(endpoint) + "/metrics";
  if (response.status != 200) {
    return MakeError(ErrorCode::kIoError, what + ": HTTP " + std::to_string(response.status));
  }
  std::istringstream lines(response.body);
  std::string line;
  const std::string name = "process_resident_memory_bytes";
  while (std::getline(lines, line)) {
    if (line.compare(0, name.size(), name) != 0) continue;
    const char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != ' ' && next != '{') continue;  // another metric sharing the prefix
    const size_t value_at =
        line.find(' ', line.find('}') == std::string::npos ? 0 : line.find('}'));
    if (value_at == std::string::npos) break;
    char* end = nullptr;
    const double bytes = std::strtod(line.c_str() + value_at, &end);
    if (end == line.c_str() + value_at || !std::isfinite(bytes)) break;
    return bytes / (1024.0 * 1024.0);
  }
  return MakeError(ErrorCode::kNotFound, what + ": no " + name + " line");
}

// One render session: a WebSocket on /api/render that yields parsed frames.
class Session {
 public:
  static Expected<std::unique_ptr<Session>> Open(const Options& options) {
    const std::string target = "/api/render?dataset=" + UrlEncode(options.dataset);
    VISCERA_ASSIGN_OR_RETURN(auto socket, WebSocketClient::Connect(options.endpoint, target));
    auto session = std::unique_ptr<Session>(new Session(std::move(socket)));
    const json resize = {
        {"type", "resize"}, {"id", 1}, {"width", options.width}, {"height", options.height}};
    VISCERA_RETURN_IF_ERROR(session->socket_->SendText(resize.dump()));
    session->next_id_ = 2;
    VISCERA_ASSIGN_OR_RETURN(FrameMessage first, session->NextFrame(kFirstFrameTimeoutMs));
    if (first.width != options.width || first.height != options.height) {
      std::fprintf(stderr, "warning: asked for %dx%d, first frame is %dx%d\n", options.width,
                   options.height, first.width, first.height);
    }
    return session;
  }

  // Sends the next orbit input; returns its id.
  Expected<int64_t> SendOrbit() {
    const int64_t id = next_id_++;
    const json orbit = {{"type", "orbit"}, {"id", id}, {"yaw_deg", 2}, {"pitch_deg", 0}};
    VISCERA_RETURN_IF_ERROR(socket_->SendText(orbit.dump()));
    return id;
  }

  // The next frame within timeout_ms (kNotFound "timeout" otherwise). Text messages are skipped,
  // except {"type":"error"}, which fails.
  Expected<FrameMessage> NextFrame(int timeout_ms) {
    const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      VISCERA_ASSIGN_OR_RETURN(
          WebSocketMessage message,
          socket_->Receive(static_cast<int>(std::max<int64_t>(0, left.count()))));
      if (message.binary) return ParseFrameMessage(message.data);
      const json text = json::parse(message.data, nullptr, false);
      if (text.is_object() && text.value("type", "") == "error") {
        return MakeError(ErrorCode::kIoError, "server error: " + message.data);
      }
    }
  }

 private:
  explicit Session(std::unique_ptr<WebSocketClient> socket) : socket_(std::move(socket)) {}
  std::unique_ptr<WebSocketClient> socket_;
  int64_t next_id_ = 1;
};

struct LatencyResult {
  std::vector<double> latencies_ms;  // sorted
  std::map<std::string, int64_t> frames_by_quality;
  int lost = 0;  // inputs no frame answered
};

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

Expected<LatencyResult> RunLatency(const Options& options) {
  VISCERA_ASSIGN_OR_RETURN(auto session, Session::Open(options));
  LatencyResult result;
  std::map<int64_t, Clock::time_point> pending;  // input id -> send time
  int sent = 0;
  Clock::time_point next_send = Clock::now();
  Clock::time_point drain_deadline = Clock::time_point::max();
  while (sent < options.latency_inputs || !pending.empty()) {
    const Clock::time_point now = Clock::now();
    if (sent < options.latency_inputs && now >= next_send) {
      VISCERA_ASSIGN_OR_RETURN(const int64_t id, session->SendOrbit());
      pending[id] = Clock::now();
      ++sent;
      next_send += std::chrono::milliseconds(kLatencyPeriodMs);
      if (sent == options.latency_inputs) {
        drain_deadline = Clock::now() + std::chrono::milliseconds(kStallTimeoutMs);
      }
      continue;
    }
    if (now >= drain_deadline) break;
    const Clock::time_point until = sent < options.latency_inputs ? next_send : drain_deadline;
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count() + 1;
    Expected<FrameMessage> frame = session->NextFrame(static_cast<int>(std::max<int64_t>(wait, 1)));
    if (!frame.ok()) {
      if (frame.error().code == ErrorCode::kNotFound) continue;  // nothing yet
      return frame.error();
    }
    const Clock::time_point arrived = Clock::now();
    ++result.frames_by_quality[frame->quality];
    while (!pending.empty() && pending.begin()->first <= frame->input_id) {
      result.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(arrived - pending.begin()->second).count());
      pending.erase(pending.begin());
    }
  }
  result.lost = static_cast<int>(pending.size());
  std::sort(result.latencies_ms.begin(), result.latencies_ms.end());
  return result;
}

struct SessionStats {
  int64_t frames = 0;
  double seconds = 0;
  std::string error;  // empty when the session ran to the end
  double fps() const { return seconds > 0 ? static_cast<double>(frames) / seconds : 0; }
};

// One session of the throughput phase: open, wait for the others, then input paced by frames.
SessionStats RunThroughputSession(const Options& options, std::latch& ready) {
  SessionStats stats;
  Expected<std::unique_ptr<Session>> opened = Session::Open(options);
  ready.arrive_and_wait();
  if (!opened.ok()) {
    stats.error = opened.error().ToString();
    return stats;
  }
  Session& session = **opened;
  const Clock::time_point start = Clock::now();
  const Clock::time_point end = start + std::chrono::seconds(options.seconds);
  int64_t last_sent = 1;   // the resize
  int64_t last_acked = 1;  // input_id of the newest frame
  Clock::time_point last_frame = start;
  while (Clock::now() < end) {
    while (last_sent - last_acked < 2) {
      Expected<int64_t> id = session.SendOrbit();
      if (!id.ok()) {
        stats.error = id.error().ToString();
        break;
      }
      last_sent = *id;
    }
    if (!stats.error.empty()) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    Expected<FrameMessage> frame =
        session.NextFrame(static_cast<int>(std::clamp<int64_t>(left.count(), 1, 1000)));
    if (!frame.ok()) {
      if (frame.error().code != ErrorCode::kNotFound) {
        stats.error = frame.error().ToString();
        break;
      }
      if (MillisSince(last_frame) > kStallTimeoutMs) {
        stats.error = "no frame for " + std::to_string(kStallTimeoutMs / 1000) + " s";
        break;
      }
      continue;
    }
    if (Clock::now() > end) break;
    last_frame = Clock::now();
    ++stats.frames;
    last_acked = std::max(last_acked, frame->input_id);
  }
  stats.seconds = MillisSince(start) / 1000.0;
  return stats;
}

struct ThroughputResult {
  int sessions = 0;
  double mean_fps = 0, min_fps = 0, total_fps = 0;
  int failed = 0;
  std::string first_error;
};

ThroughputResult RunThroughput(const Options& options, int sessions) {
  std::vector<SessionStats> stats(static_cast<size_t>(sessions));
  std::latch ready(sessions);
  std::vector<std::thread> threads;
  for (int i = 0; i < sessions; ++i) {
    threads.emplace_back(
        [&, i] { stats[static_cast<size_t>(i)] = RunThroughputSession(options, ready); });
  }
  for (auto& thread : threads) thread.join();
  ThroughputResult result;
  result.sessions = sessions;
  result.min_fps = 1e300;
  int ok = 0;
  for (const SessionStats& s : stats) {
    if (!s.error.empty()) {
      ++result.failed;
      if (result.first_error.empty()) result.first_error = s.error;
    }
    if (s.seconds <= 0) continue;
    ++ok;
    result.total_fps += s.fps();
    result.min_fps = std::min(result.min_fps, s.fps());
  }
  result.mean_fps = ok > 0 ? result.total_fps / ok : 0;
  if (ok == 0) result.min_fps = 0;
  return result;
}

json OrNull(const Expected<double>& value) {
  return value.ok() ? json(*value) : json(nullptr);
}

int Main(int argc, char** argv) {
  Expected<Options> parsed = ParseOptions(argc, argv);
  if (!parsed.ok() && parsed.error().code == ErrorCode::kNotFound) {
    std::printf("%s", kUsage);
    return 0;
  }
  if (!parsed.ok()) {
    std::fprintf(stderr, "serve_bench: %s\n%s", parsed.error().message.c_str(), kUsage);
    return 2;
  }
  const Options& options = *parsed;
  bool failed = false;
  std::printf("serve_bench: %s dataset=%s size=%dx%d\n", EndpointUrl(options.endpoint).c_str(),
              options.dataset.c_str(), options.width, options.height);

  const Expected<double> rss_before = ReadRssMb(options.endpoint);
  if (rss_before.ok()) {
    std::printf("server RSS before: %.1f MiB\n", *rss_before);
  } else {
    std::printf("server RSS before: unknown (%s)\n", rss_before.error().ToString().c_str());
  }

  json out;
  std::printf("\nlatency: 1 session, %d orbit inputs at ~%d Hz\n", options.latency_inputs,
              1000 / kLatencyPeriodMs);
  Expected<LatencyResult> latency = RunLatency(options);
  if (latency.ok()) {
    const auto& l = latency->latencies_ms;
    std::printf("  p50 %.1f ms   p95 %.1f ms   max %.1f ms   answered %zu, lost %d\n",
                Percentile(l, 50), Percentile(l, 95), l.empty() ? 0.0 : l.back(), l.size(),
                latency->lost);
    std::printf("  frames by quality:");
    for (const auto& [quality, count] : latency->frames_by_quality) {
      std::printf(" %s %lld", quality.c_str(), static_cast<long long>(count));
    }
    std::printf("\n");
    out["p50_ms"] = Percentile(l, 50);
    out["p95_ms"] = Percentile(l, 95);
    out["max_ms"] = l.empty() ? 0.0 : l.back();
    out["lost_inputs"] = latency->lost;
    out["frames_by_quality"] = latency->frames_by_quality;
    if (l.empty()) failed = true;
  } else {
    std::printf("  FAILED: %s\n", latency.error().ToString().c_str());
    out["p50_ms"] = nullptr;
    out["p95_ms"] = nullptr;
    out["latency_error"] = latency.error().ToString();
    failed = true;
  }

  std::printf("\nthroughput: %d s per step, inputs paced by frames (at most 2 in flight)\n",
              options.seconds);
  std::printf("  %8s  %12s  %12s  %10s  %6s\n", "sessions", "fps mean", "fps min", "fps total",
              "failed");
  json fps = json::object(), fps_min = json::object(), fps_total = json::object();
  for (int n : options.sessions) {
    const ThroughputResult r = RunThroughput(options, n);
    std::printf("  %8d  %12.1f  %12.1f  %10.1f  %6d\n", n, r.mean_fps, r.min_fps, r.total_fps,
                r.failed);
    if (r.failed > 0) {
      std::printf("    first error: %s\n", r.first_error.c_str());
      failed = true;
    }
    const std::string key = std::to_string(n);
    fps[key] = r.mean_fps;
    fps_min[key] = r.min_fps;
    fps_total[key] = r.total_fps;
  }
  out["fps"] = fps;
  out["fps_min"] = fps_min;
  out["fps_total"] = fps_total;

  const Expected<double> rss_after = ReadRssMb(options.endpoint);
  if (rss_after.ok()) {
    std::printf("\nserver RSS after: %.1f MiB\n", *rss_after);
  } else {
    std::printf("\nserver RSS after: unknown (%s)\n", rss_after.error().ToString().c_str());
  }
  out["rss_before_mb"] = OrNull(rss_before);
  out["rss_after_mb"] = OrNull(rss_after);
  std::printf("%s\n", out.dump().c_str());
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace viscera

int main(int argc, char** argv) {
  return viscera::Main(argc, argv);
}
