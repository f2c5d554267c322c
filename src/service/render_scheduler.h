// The render thread: takes frames from sessions in turn (round robin, one frame per turn, so 16
// sessions share the cores fairly and none starves), renders each with every core (the renderer
// is tile-parallel), encodes it as JPEG and hands it to the session's socket, which keeps only the
// newest unsent frame. Never runs on a network thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "service/metrics.h"
#include "service/render_session.h"

namespace viscera {

class RenderScheduler {
 public:
  explicit RenderScheduler(ServiceMetrics& metrics);
  ~RenderScheduler();  // Stop()s
  RenderScheduler(const RenderScheduler&) = delete;
  RenderScheduler& operator=(const RenderScheduler&) = delete;

  void Add(std::shared_ptr<RenderSession> session);
  void Remove(const RenderSession* session);
  // New work may be pending (a command arrived).
  void Wake();
  // Finishes the frame in progress and joins the thread. Idempotent.
  void Stop();
  size_t session_count() const;

 private:
  void Run();
  void RenderOne(RenderSession& session, const FrameJob& job);

  ServiceMetrics& metrics_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<RenderSession>> sessions_;
  size_t next_ = 0;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace viscera
