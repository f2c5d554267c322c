#include "service/render_socket.h"

#include <nlohmann/json.hpp>
#include <variant>

#include "core/log.h"
#include "service/voice_channel.h"

namespace viscera {

namespace {

std::string ErrorMessage(int64_t input_id, const std::string& code, const std::string& message) {
  return JsonText(nlohmann::json{
      {"type", "error"}, {"input_id", input_id}, {"code", code}, {"message", message}});
}

class RenderSocket : public WebSocketHandler, public std::enable_shared_from_this<RenderSocket> {
 public:
  RenderSocket(std::shared_ptr<RenderSession> session, RenderSocketContext context)
      : session_(std::move(session)), context_(context) {}

  void OnOpen(std::shared_ptr<WebSocketPeer> peer) override {
    peer_ = peer;
    session_->set_peer(peer);
    ++context_.metrics.sessions_open;
    ++context_.metrics.sessions_total;
    context_.registry.Add(session_);
    peer->SendText(JsonText(nlohmann::json{{"type", "hello"},
                                           {"session", session_->id()},
                                           {"dataset", session_->scene().dataset_id}}));
    peer->SendText(session_->StateJson());
    context_.scheduler.Add(session_);
    voice_ = OpenVoiceChannel();
    LogInfo("session " + session_->id() + " opened on dataset " + session_->scene().dataset_id);
  }

  void OnText(const std::string& text) override {
    auto command = ParseSessionCommand(text);
    if (!command.ok()) return Refuse(0, command.error());
    if (const auto* save = std::get_if<SaveCommand>(&command->action)) {
      Save(command->id, save->note);
      return;
    }
    if (IsVoiceMessage(command->action)) {
      if (const auto* query = std::get_if<QueryCommand>(&command->action)) {
        voice_->Query(command->id, query->text);
      } else if (std::holds_alternative<ListenCommand>(command->action)) {
        listened_ = true;
        voice_->Listen(command->id);
      } else if (std::holds_alternative<ListenEndCommand>(command->action)) {
        voice_->ListenEnd();
      } else if (const auto* v = std::get_if<VoiceCommand>(&command->action)) {
        voice_->SetSpokenReplies(v->spoken_replies);
      }
      return;
    }
    auto applied = session_->Apply(*command, std::chrono::steady_clock::now());
    if (!applied.ok()) return Refuse(command->id, applied.error());
    if (*applied) Send(session_->StateJson());
    context_.scheduler.Wake();
  }

  // Audio for the voice channel. Before any "listen" it is a client error; chunks that arrive
  // after the server ended an utterance are dropped there.
  void OnBinary(const std::string& data) override {
    if (!listened_)
      return OnRefused("binary messages are audio and need a \"listen\" message first");
    voice_->Audio(data);
  }

  void OnRefused(const std::string& reason) override {
    ++context_.metrics.websocket_errors;
    Send(ErrorMessage(0, "refused", reason));
  }

  void OnClose() override {
    context_.scheduler.Remove(session_.get());
    context_.registry.Remove(session_.get());
    session_->set_peer(nullptr);
    --context_.metrics.sessions_open;
    LogInfo("session " + session_->id() + " closed");
  }

 private:
  std::shared_ptr<VoiceChannel> OpenVoiceChannel() {
    std::weak_ptr<RenderSocket> weak = weak_from_this();
    VoiceChannel::Hooks hooks;
    hooks.send_text = [weak](std::string text) {
      if (auto self = weak.lock()) self->Send(std::move(text));
    };
    hooks.save = [weak](int64_t input_id, std::string note) {
      if (auto self = weak.lock()) self->Save(input_id, std::move(note));
    };
    hooks.neighbour_dataset = [this_context = context_,
                               dataset = session_->scene().dataset_id](int step) {
      return this_context.neighbour_dataset ? this_context.neighbour_dataset(dataset, step)
                                            : std::string();
    };
    hooks.wake_renderer = [scheduler = &context_.scheduler] { scheduler->Wake(); };
    return std::make_shared<VoiceChannel>(session_, context_.voice, context_.voice_work,
                                          std::move(hooks));
  }

  void Refuse(int64_t input_id, const Error& error) {
    ++context_.metrics.websocket_errors;
    Send(ErrorMessage(input_id, ErrorCodeName(error.code), error.message));
  }

  void Send(std::string text) {
    if (auto peer = peer_.lock()) peer->SendText(std::move(text));
  }

  // Off the network thread: the store's transaction and fsync take milliseconds.
  void Save(int64_t input_id, std::string note) {
    auto self = shared_from_this();
    context_.slow_work.Post([self, input_id, note = std::move(note)] {
      const RenderSettings settings = self->session_->settings();
      auto version = self->context_.source.Save(self->session_->scene(), settings, note);
      if (!version.ok()) {
        LogError("saving settings of dataset " + self->session_->scene().dataset_id + ": " +
                 version.error().ToString());
        self->Refuse(input_id, version.error());
        return;
      }
      self->session_->MarkSaved(settings, *version);
      self->Send(JsonText(
          nlohmann::json{{"type", "saved"}, {"input_id", input_id}, {"version", *version}}));
      self->Send(self->session_->StateJson());
    });
  }

  static bool IsVoiceMessage(const SessionAction& action) {
    return std::holds_alternative<QueryCommand>(action) ||
           std::holds_alternative<ListenCommand>(action) ||
           std::holds_alternative<ListenEndCommand>(action) ||
           std::holds_alternative<VoiceCommand>(action);
  }

  std::shared_ptr<RenderSession> session_;
  RenderSocketContext context_;
  std::shared_ptr<VoiceChannel> voice_;
  bool listened_ = false;              // network thread only
  std::weak_ptr<WebSocketPeer> peer_;  // the peer holds this handler: no cycle
};

}  // namespace

std::shared_ptr<WebSocketHandler> MakeRenderSocket(std::shared_ptr<RenderSession> session,
                                                   RenderSocketContext context) {
  return std::make_shared<RenderSocket>(std::move(session), context);
}

void SessionRegistry::Add(const std::shared_ptr<RenderSession>& session) {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [](const auto& s) { return s.expired(); });
  sessions_.push_back(session);
}

void SessionRegistry::Remove(const RenderSession* session) {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [&](const auto& s) {
    auto held = s.lock();
    return !held || held.get() == session;
  });
}

std::string SessionRegistry::ListJson() const {
  std::lock_guard lock(mutex_);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& weak : sessions_) {
    if (auto s = weak.lock()) list.push_back({{"id", s->id()}, {"dataset", s->scene().dataset_id}});
  }
  return JsonText(nlohmann::json{{"sessions", list}});
}

std::shared_ptr<RenderSession> SessionRegistry::Find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  for (const auto& weak : sessions_) {
    if (auto s = weak.lock(); s && s->id() == id) return s;
  }
  return nullptr;
}

size_t SessionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace viscera
