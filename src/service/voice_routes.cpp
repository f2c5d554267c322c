#include <nlohmann/json.hpp>

#include "core/log.h"
#include "datasets/dataset_catalog.h"
#include "service/api_types.h"
#include "service/render_scheduler.h"
#include "service/render_session.h"
#include "service/render_socket.h"
#include "service/scene_source.h"
#include "service/service_routes.h"
#include "service/voice_commands.h"

namespace viscera {

void AddVoiceRoutes(Router& router, VoiceRoutesContext context) {
  router.Add("GET", "/{project}/process_query", [context](ApiRequest& request) -> ApiReply {
    const std::string& project = request.path_params.at("project");
    if (project != context.voice.project()) {
      return ErrorReply(
          404, "not-found",
          "no project \"" + project + "\" (this server's is \"" + context.voice.project() + "\")");
    }
    const std::string query = request.Query("query");
    if (query.find_first_not_of(" \t\r\n") == std::string::npos)
      return ErrorReply(400, "invalid-argument", "process_query needs ?query=<text>");
    if (query.size() > kMaxQueryChars) {
      return ErrorReply(400, "invalid-argument",
                        "query of " + std::to_string(query.size()) + " characters (at most " +
                            std::to_string(kMaxQueryChars) + ")");
    }

    // Session-bound: the command acts on that open session, as if its dashboard had sent it.
    if (const std::string id = request.Query("session"); !id.empty()) {
      std::shared_ptr<RenderSession> session =
          context.sessions ? context.sessions->Find(id) : nullptr;
      if (!session) return ErrorReply(404, "not-found", "no open session \"" + id + "\"");
      auto dialog = context.voice.ForLabels(session->scene().label_names);
      Conversation conversation;  // HTTP callers answer questions back with the full command
      VoiceOutcome outcome = RunVoiceCommand(*dialog, conversation, *session, query, 0);
      if (outcome.plan.save && context.scenes) {
        const RenderSettings settings = session->settings();
        auto version = context.scenes->Save(session->scene(), settings, "voice: " + query);
        if (!version.ok()) {
          LogError("saving settings of dataset " + session->scene().dataset_id + ": " +
                   version.error().ToString());
          return ErrorReply(version.error());
        }
        session->MarkSaved(settings, *version);
        outcome.state_changed = true;
      }
      if (auto peer = session->peer(); peer && outcome.state_changed)
        peer->SendText(session->StateJson());
      if (outcome.applied && context.scheduler) context.scheduler->Wake();
      nlohmann::json reply = VoiceReplyJson(outcome);
      reply["session"] = id;
      return JsonReply(200, JsonText(reply));
    }

    LabelTable labels;
    if (const std::string dataset = request.Query("dataset"); !dataset.empty()) {
      if (Status valid = ValidateDatasetId(dataset); !valid.ok()) return ErrorReply(valid.error());
      if (!context.scenes) return ErrorReply(404, "not-found", "no datasets on this server");
      auto scene = context.scenes->Open(dataset);
      if (!scene.ok()) return ErrorReply(scene.error());
      labels = (*scene)->label_names;
    }
    auto dialog = context.voice.ForLabels(labels);
    VoiceOutcome outcome;
    outcome.match = dialog->Understand(query);
    return JsonReply(200, JsonText(VoiceReplyJson(outcome)));
  });
}

}  // namespace viscera
