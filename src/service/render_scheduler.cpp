#include "service/render_scheduler.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "client/frame_message.h"
#include "core/log.h"
#include "service/http_server.h"
#include "service/jpeg_codec.h"

namespace viscera {

namespace {
const char* QualityName(const FrameJob& job) {
  if (!job.full) return "draft";
  return job.settings.quality == RenderQuality::kCinematic ? "cinematic" : "full";
}
}  // namespace

RenderScheduler::RenderScheduler(ServiceMetrics& metrics) : metrics_(metrics) {
  thread_ = std::thread([this] { Run(); });
}

RenderScheduler::~RenderScheduler() {
  Stop();
}

void RenderScheduler::Add(std::shared_ptr<RenderSession> session) {
  {
    std::lock_guard lock(mutex_);
    sessions_.push_back(std::move(session));
    woken_ = true;
  }
  wake_.notify_one();
}

void RenderScheduler::Remove(const RenderSession* session) {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [&](const auto& s) { return s.get() == session; });
}

void RenderScheduler::Wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_one();
}

void RenderScheduler::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

size_t RenderScheduler::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void RenderScheduler::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const SteadyTime now = std::chrono::steady_clock::now();
    SteadyTime next_due = now + std::chrono::seconds(1);
    std::shared_ptr<RenderSession> chosen;
    std::optional<FrameJob> job;
    // Round robin: start after the session served last.
    for (size_t n = 0; n < sessions_.size() && !job; ++n) {
      const size_t i = (next_ + n) % sessions_.size();
      job = sessions_[i]->TakeWork(now, &next_due);
      if (job) {
        chosen = sessions_[i];
        next_ = i + 1;
      }
    }
    if (!job) {
      woken_ = false;
      wake_.wait_until(lock, next_due, [this] { return stopping_ || woken_; });
      continue;
    }
    lock.unlock();
    RenderOne(*chosen, *job);
    chosen.reset();  // a closed session's renderer is freed here, not under the lock
    lock.lock();
  }
}

void RenderScheduler::RenderOne(RenderSession& session, const FrameJob& job) {
  static thread_local JpegEncoder encoder;
  const auto start = std::chrono::steady_clock::now();
  FrameStats stats;
  RgbImage image = session.Render(job, &stats);
  auto jpeg = encoder.Encode(image, job.full ? kFullJpegQuality : kDraftJpegQuality);
  if (!jpeg.ok()) {
    ++metrics_.render_errors;
    LogError("render: session " + session.id() + " (dataset " + session.scene().dataset_id +
             "): " + jpeg.error().ToString());
    return;
  }
  FrameMessage frame;
  frame.input_id = job.input_id;
  frame.seq = session.NextSequence();
  frame.width = image.width;
  frame.height = image.height;
  frame.quality = QualityName(job);
  frame.render_ms = stats.milliseconds;
  frame.jpeg = std::move(*jpeg);
  const auto end = std::chrono::steady_clock::now();
  metrics_.render_time.Observe(std::chrono::duration<double>(end - start).count());
  metrics_.input_to_frame.Observe(std::chrono::duration<double>(end - job.input_at).count());
  (job.full ? metrics_.frames_full : metrics_.frames_draft)++;
  metrics_.frame_bytes += static_cast<int64_t>(frame.jpeg.size());
  if (auto peer = session.peer()) peer->SendFrame(EncodeFrameMessage(frame));
}

}  // namespace viscera
