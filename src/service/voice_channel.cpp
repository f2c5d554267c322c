#include "service/voice_channel.h"

#include <chrono>
#include <cstring>
#include <span>
#include <vector>

#include "core/base64.h"
#include "core/log.h"
#include "service/api_types.h"
#include "service/render_session.h"
#include "service/task_queue.h"
#include "voice/speech_recognizer.h"
#include "voice/speech_synthesizer.h"

namespace viscera {

namespace {

// Listening that hears no word for this long ends by itself (a muted or forgotten microphone).
constexpr int64_t kNoSpeechSamples = 8 * kListenSampleRate;

}  // namespace

VoiceChannel::VoiceChannel(std::shared_ptr<RenderSession> session, VoiceCommands& commands,
                           TaskQueue& work, Hooks hooks)
    : session_(std::move(session)), commands_(commands), work_(work), hooks_(std::move(hooks)) {}

VoiceChannel::~VoiceChannel() = default;

const DialogManager& VoiceChannel::Dialog() {
  if (!dialog_) dialog_ = commands_.ForLabels(session_->scene().label_names);
  return *dialog_;
}

void VoiceChannel::Send(const nlohmann::json& message) {
  hooks_.send_text(JsonText(message));
}

void VoiceChannel::Query(int64_t input_id, std::string text) {
  work_.Post([self = shared_from_this(), input_id, text = std::move(text)] {
    self->Run(input_id, text, /*spoken=*/false);
  });
}

void VoiceChannel::SetSpokenReplies(bool on) {
  work_.Post([self = shared_from_this(), on] { self->spoken_replies_ = on; });
}

void VoiceChannel::Listen(int64_t input_id) {
  work_.Post([self = shared_from_this(), input_id] {
    if (!self->recognizer_) {
      auto recognizer = SpeechRecognizer::Create(self->Dialog().Grammar());
      if (!recognizer.ok()) {
        LogError("session " + self->session_->id() +
                 ": speech recogniser: " + recognizer.error().ToString());
        self->Send(
            {{"type", "error"},
             {"input_id", input_id},
             {"code", ErrorCodeName(recognizer.error().code)},
             {"message", "speech recognition is unavailable: " + recognizer.error().message}});
        self->Send({{"type", "listening"}, {"active", false}});
        return;
      }
      self->recognizer_ = std::move(*recognizer);
    }
    if (Status started = self->recognizer_->Start(); !started.ok()) {
      self->StopListening(started.error().message);
      return;
    }
    self->listening_ = true;
    self->listen_id_ = input_id;
    self->last_partial_.clear();
    self->samples_heard_ = 0;
    self->Send({{"type", "listening"}, {"active", true}, {"input_id", input_id}});
  });
}

void VoiceChannel::Audio(std::string pcm) {
  work_.Post([self = shared_from_this(), pcm = std::move(pcm)] {
    if (!self->listening_) return;  // late chunks after the end of speech: nothing to hear
    if (pcm.size() % 2 != 0) {
      self->StopListening("audio message of " + std::to_string(pcm.size()) +
                          " bytes is not whole 16-bit samples");
      return;
    }
    std::vector<int16_t> samples(pcm.size() / 2);
    for (size_t i = 0; i < samples.size(); ++i) {  // little-endian on the wire
      const auto lo = static_cast<uint8_t>(pcm[2 * i]), hi = static_cast<uint8_t>(pcm[2 * i + 1]);
      samples[i] = static_cast<int16_t>(static_cast<uint16_t>(lo | hi << 8));
    }
    self->samples_heard_ += static_cast<int64_t>(samples.size());
    auto update = self->recognizer_->Feed(samples);
    if (!update.ok()) {
      self->StopListening(update.error().message);
      return;
    }
    if (update->partial_changed && update->partial != self->last_partial_) {
      self->last_partial_ = update->partial;
      self->Send({{"type", "transcript"}, {"text", update->partial}, {"final", false}});
    }
    if (update->speech_ended ||
        (self->samples_heard_ > kNoSpeechSamples && self->last_partial_.empty()))
      self->FinishListening();
  });
}

void VoiceChannel::ListenEnd() {
  work_.Post([self = shared_from_this()] {
    if (self->listening_) self->FinishListening();
  });
}

void VoiceChannel::StopListening(const std::string& why) {
  LogWarning("session " + session_->id() + ": listening stopped: " + why);
  listening_ = false;
  Send({{"type", "error"},
        {"input_id", listen_id_},
        {"code", "invalid-argument"},
        {"message", why}});
  Send({{"type", "listening"}, {"active", false}});
}

void VoiceChannel::FinishListening() {
  listening_ = false;
  auto transcript = recognizer_->Finish();
  Send({{"type", "listening"}, {"active", false}});
  if (!transcript.ok()) {
    LogWarning("session " + session_->id() + ": recognition: " + transcript.error().ToString());
    Send({{"type", "error"},
          {"input_id", listen_id_},
          {"code", ErrorCodeName(transcript.error().code)},
          {"message", transcript.error().message}});
    return;
  }
  Send({{"type", "transcript"},
        {"text", transcript->text},
        {"final", true},
        {"from_grammar", transcript->from_grammar},
        {"audio_seconds", transcript->audio_seconds},
        {"decode_seconds", transcript->decode_seconds}});
  if (transcript->text.empty()) {
    nlohmann::json reply = {{"type", "reply"},  {"input_id", listen_id_},
                            {"query", ""},      {"intent", "unknown"},
                            {"applied", false}, {"text", "I did not hear a command."}};
    Send(reply);
    return;
  }
  Run(listen_id_, transcript->text, /*spoken=*/true);
}

void VoiceChannel::Run(int64_t input_id, const std::string& sentence, bool spoken) {
  const auto start = std::chrono::steady_clock::now();
  VoiceOutcome outcome = RunVoiceCommand(Dialog(), conversation_, *session_, sentence, input_id);
  if (outcome.state_changed) hooks_.send_text(session_->StateJson());
  if (outcome.applied) hooks_.wake_renderer();
  nlohmann::json reply = VoiceReplyJson(outcome);
  reply["type"] = "reply";
  reply["input_id"] = input_id;
  reply["spoken"] = spoken;
  if (outcome.plan.navigate != 0) {
    reply["navigate"] = {{"step", outcome.plan.navigate}};
    const std::string next = hooks_.neighbour_dataset(outcome.plan.navigate);
    if (!next.empty()) reply["navigate"]["dataset"] = next;
  }
  if (outcome.plan.save) hooks_.save(input_id, "voice: " + sentence.substr(0, 200));
  // The action is on its way to the renderer; the speech is made meanwhile.
  if (spoken_replies_) {
    auto wav = SynthesizeSpeechWav(reply["text"].get<std::string>());
    if (wav.ok()) {
      reply["audio"] = Base64Encode(*wav);
    } else {
      LogWarning("session " + session_->id() + ": spoken reply: " + wav.error().ToString());
    }
  }
  Send(reply);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  char line[160];
  std::snprintf(line, sizeof line, ": %s command -> %s (%.2f)%s in %.1f ms",
                spoken ? "spoken" : "typed", outcome.match.intent.c_str(), outcome.match.confidence,
                outcome.applied ? " applied" : "", ms);
  LogInfo("session " + session_->id() + line);
}

}  // namespace viscera
