// A render session's WebSocket: parses each client message through the control layer (one
// validation for every setting), applies it to the session and wakes the render thread; replies
// with state, errors and save results as JSON text. A message that is not valid gets an error
// naming the problem and the connection stays open.
#pragma once

#include <memory>

#include "service/http_server.h"
#include "service/metrics.h"
#include "service/render_scheduler.h"
#include "service/render_session.h"
#include "service/scene_source.h"
#include "service/task_queue.h"

namespace viscera {

class SessionRegistry;

struct RenderSocketContext {
  RenderScheduler& scheduler;
  SceneSource& source;
  TaskQueue& slow_work;  // settings saves
  ServiceMetrics& metrics;
  SessionRegistry& registry;
};

std::shared_ptr<WebSocketHandler> MakeRenderSocket(std::shared_ptr<RenderSession> session,
                                                   RenderSocketContext context);

// The open sessions, for /api/sessions and for draining on shutdown.
class SessionRegistry {
 public:
  void Add(const std::shared_ptr<RenderSession>& session);
  void Remove(const RenderSession* session);
  // {"sessions": [{"id": ..., "dataset": ...}]}
  std::string ListJson() const;
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::weak_ptr<RenderSession>> sessions_;
};

}  // namespace viscera
