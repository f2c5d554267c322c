#include "service/voice_commands.h"

#include <chrono>

#include "core/log.h"
#include "service/render_session.h"

namespace viscera {

Expected<std::unique_ptr<VoiceCommands>> VoiceCommands::Load(
    const std::filesystem::path& intents_file, std::string project) {
  VISCERA_ASSIGN_OR_RETURN(IntentCatalog catalog, IntentCatalog::Load(intents_file));
  auto commands = std::unique_ptr<VoiceCommands>(new VoiceCommands());
  commands->project_ = std::move(project);
  commands->catalog_ = std::make_shared<const IntentCatalog>(std::move(catalog));
  return commands;
}

std::shared_ptr<const DialogManager> VoiceCommands::ForLabels(const LabelTable& labels) {
  std::map<int, std::string> names;
  for (const auto& [label, name] : labels) {
    if (label != 0) names[label] = name.empty() ? "label " + std::to_string(label) : name;
  }
  if (names.empty()) names = catalog_->default_labels;
  std::lock_guard lock(mutex_);
  auto& manager = managers_[names];
  if (!manager) manager = std::make_shared<const DialogManager>(catalog_, names);
  return manager;
}

VoiceOutcome RunVoiceCommand(const DialogManager& dialog, Conversation& conversation,
                             RenderSession& session, std::string_view sentence, int64_t input_id) {
  VoiceOutcome outcome;
  outcome.match = conversation.Resolve(dialog.Understand(sentence));
  auto plan = PlanVoiceActions(outcome.match, session.settings(), *session.scene().volume,
                               dialog.vocabulary().label_names());
  if (!plan.ok()) {
    outcome.error = plan.error().message;
    return outcome;
  }
  outcome.plan = std::move(*plan);
  const auto now = std::chrono::steady_clock::now();
  for (const SessionAction& action : outcome.plan.actions) {
    auto applied = session.Apply(SessionCommand{input_id, action}, now);
    if (!applied.ok()) {
      outcome.error = applied.error().message;
      return outcome;
    }
    outcome.state_changed = outcome.state_changed || *applied;
    outcome.applied = true;
  }
  outcome.applied = outcome.applied || outcome.plan.save || outcome.plan.navigate != 0;
  return outcome;
}

nlohmann::json VoiceReplyJson(const VoiceOutcome& outcome) {
  nlohmann::json reply = outcome.match.ToJson();
  reply["text"] = outcome.match.reply;
  reply["applied"] = outcome.applied;
  if (!outcome.error.empty()) {
    reply["error"] = outcome.error;
    reply["text"] = "I could not do that: " + outcome.error;
  }
  return reply;
}

}  // namespace viscera
