// A render session's WebSocket: parses each client message through the control layer (one
// validation for every setting), applies it to the session and wakes the render thread; replies
// with state, errors and save results as JSON text. Voice and text commands (query, listen,
// binary audio, listen_end, voice) go to the session's VoiceChannel (service/voice_channel.h). A
// message that is not valid gets an error naming the problem and the connection stays open.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "service/http_server.h"
#include "service/metrics.h"
#include "service/render_scheduler.h"
#include "service/render_session.h"
#include "service/scene_source.h"
#include "service/task_queue.h"

namespace viscera {

class SessionRegistry;
class VoiceCommands;

struct RenderSocketContext {
  RenderScheduler& scheduler;
  SceneSource& source;
  TaskQueue& slow_work;  // settings saves
  ServiceMetrics& metrics;
  SessionRegistry& registry;
  VoiceCommands& voice;   // voice and text commands (the server does not start without them)
  TaskQueue& voice_work;  // recognition and speech, off the network thread
  // The dataset `step` places after `current` in the list (next/previous dataset); "" if none.
  std::function<std::string(const std::string& current, int step)> neighbour_dataset;
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
  std::shared_ptr<RenderSession> Find(const std::string& id) const;  // null when not open
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::weak_ptr<RenderSession>> sessions_;
};

}  // namespace viscera
