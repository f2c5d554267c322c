// The service's side of voice and text commands (voice/dialog_manager.h): one intents catalog
// for the process, a dialog manager per label table (datasets share them), the speech grammar
// built from it, and running a command on a render session: the dialog manager's intent ->
// voice/voice_actions.h's plan -> RenderSession::Apply (the same validation as the dashboard's
// own messages).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/expected.h"
#include "voice/dialog_manager.h"
#include "voice/voice_actions.h"

namespace viscera {

class RenderSession;

using LabelTable = std::vector<std::pair<uint16_t, std::string>>;

class VoiceCommands {
 public:
  // Loads and checks the intents file; errors name the file and the field.
  static Expected<std::unique_ptr<VoiceCommands>> Load(const std::filesystem::path& intents_file,
                                                       std::string project);

  // The reference's project name in GET /<project>/process_query.
  const std::string& project() const { return project_; }

  // A dialog manager knowing these structure names (cached: sessions on one dataset share it);
  // the catalog's default labels (BTCV) for an empty table.
  std::shared_ptr<const DialogManager> ForLabels(const LabelTable& labels);

 private:
  std::string project_;
  std::shared_ptr<const IntentCatalog> catalog_;
  std::mutex mutex_;
  std::map<std::map<int, std::string>, std::shared_ptr<const DialogManager>> managers_;
};

// What running a command on a session did.
struct VoiceOutcome {
  IntentMatch match;
  VoicePlan plan;
  bool applied = false;        // actions went through (false: nothing to do, or refused)
  bool state_changed = false;  // settings other than the camera changed: send the state
  std::string error;           // why the session refused an action ("" when none)
};

// Understands `sentence` in `conversation`, plans the actions against the session's current
// settings and applies them with `input_id`. Saving and navigation are left to the caller
// (outcome.plan.save / .navigate): they need the dataset store or the client.
VoiceOutcome RunVoiceCommand(const DialogManager& dialog, Conversation& conversation,
                             RenderSession& session, std::string_view sentence, int64_t input_id);

// The JSON every interface returns for an understood sentence: the dialog manager's intent,
// slots, confidence and reply, with "text" (the reply, for the dashboard), "applied" and, when
// the session refused, "error".
nlohmann::json VoiceReplyJson(const VoiceOutcome& outcome);

}  // namespace viscera
