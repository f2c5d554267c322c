// What an understood command does to a render session: dialog_manager.h's IntentMatch -> the
// same SessionActions the dashboard sends (control/session_command.h), so every voice or text
// command passes the one settings validation layer. Also the little conversation state a session
// keeps: a pending "Did you mean ...?" that a following "yes" confirms.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "control/session_command.h"
#include "core/expected.h"
#include "render/render_settings.h"
#include "voice/dialog_manager.h"

namespace viscera {

class RenderVolume;

struct VoicePlan {
  std::vector<SessionAction> actions;  // applied in order
  bool save = false;                   // save the settings afterwards (a new version)
  int navigate = 0;                    // +1 next dataset, -1 previous
};

// The actions for `match` on a session showing `volume` with `settings` and these labels.
// Intents that change nothing (help, unknown, a question back) give an empty plan. Errors:
// kInvalidArgument for an action the catalog names but Viscera does not know.
Expected<VoicePlan> PlanVoiceActions(const IntentMatch& match, const RenderSettings& settings,
                                     const RenderVolume& volume,
                                     const std::map<int, std::string>& label_names);

// A session's dialog: remembers the last question back so "yes" acts on it and "no" drops it.
class Conversation {
 public:
  // The match to act on: `heard` itself, or the pending suggestion when `heard` confirms it.
  IntentMatch Resolve(IntentMatch heard);

 private:
  std::optional<IntentMatch> pending_;
};

}  // namespace viscera
