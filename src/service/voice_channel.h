// A render session's voice and text commands: typed sentences ("query"), and speech streamed
// from the dashboard's microphone ("listen", binary 16 kHz PCM, "listen_end") recognised
// offline (voice/speech_recognizer.h), understood (voice/dialog_manager.h), applied to the
// session, and answered with a "reply" message carrying the reply text and, unless turned off,
// its speech as a WAV (voice/speech_synthesizer.h).
//
// Everything runs on the service's voice work queue, one task at a time, so a session's
// recogniser and conversation need no lock and the network thread never decodes audio.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "service/voice_commands.h"

namespace viscera {

class RenderSession;
class SpeechRecognizer;
class TaskQueue;

class VoiceChannel : public std::enable_shared_from_this<VoiceChannel> {
 public:
  struct Hooks {
    std::function<void(std::string)> send_text;                    // a message to the client
    std::function<void(int64_t input_id, std::string note)> save;  // save the settings
    std::function<std::string(int step)> neighbour_dataset;        // "" when unknown
    std::function<void()> wake_renderer;
  };

  VoiceChannel(std::shared_ptr<RenderSession> session, VoiceCommands& commands, TaskQueue& work,
               Hooks hooks);
  ~VoiceChannel();

  // Network thread: each queues its work and returns.
  void Query(int64_t input_id, std::string text);
  void Listen(int64_t input_id);
  void Audio(std::string little_endian_pcm);
  void ListenEnd();
  void SetSpokenReplies(bool on);

 private:
  void Run(int64_t input_id, const std::string& sentence, bool spoken);
  void FinishListening();
  void StopListening(const std::string& why);
  void Send(const nlohmann::json& message);
  const DialogManager& Dialog();

  std::shared_ptr<RenderSession> session_;
  VoiceCommands& commands_;
  TaskQueue& work_;
  Hooks hooks_;
  // Work queue only.
  std::shared_ptr<const DialogManager> dialog_;
  Conversation conversation_;
  std::unique_ptr<SpeechRecognizer> recognizer_;
  bool listening_ = false;
  int64_t listen_id_ = 0;
  std::string last_partial_;
  int64_t samples_heard_ = 0;  // this utterance's, for the no-speech timeout
  bool spoken_replies_ = true;
};

}  // namespace viscera
