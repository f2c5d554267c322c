#include "voice/speech_synthesizer.h"

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>

#include <mutex>

#include "voice/wav_audio.h"

namespace viscera {
namespace {

// espeak-ng's one engine: its globals are touched only with `mutex` held.
struct Engine {
  std::mutex mutex;
  bool initialised = false;
  std::filesystem::path data_dir;  // the folder espeak-ng reads
  int sample_rate = 0;
  std::vector<int16_t>* output = nullptr;  // where the callback appends, during a Synthesize
};

Engine& TheEngine() {
  static Engine engine;
  return engine;
}

int OnSamples(short* samples, int count, espeak_EVENT* /*events*/) {
  Engine& engine = TheEngine();
  if (samples && count > 0 && engine.output) {
    engine.output->insert(engine.output->end(), samples, samples + count);
  }
  return 0;  // continue
}

std::string StatusMessage(espeak_ng_STATUS status) {
  char buffer[256] = {};
  espeak_ng_GetStatusCodeMessage(status, buffer, sizeof(buffer));
  return buffer;
}

// With engine.mutex held. espeak-ng is initialised once per process: after espeak_ng_Terminate()
// a second initialisation hangs in espeak_ng_Synchronize() (espeak-ng 1.51), so a different data
// folder later is refused instead of switched to.
Status Initialise(Engine& engine, const std::filesystem::path& data_dir) {
  // espeak-ng silently falls back to its built-in folder when a given one is missing, so a
  // wrong folder is caught here.
  if (!data_dir.empty() && !std::filesystem::exists(data_dir / "phontab")) {
    return MakeError(ErrorCode::kNotFound, (data_dir / "phontab").string() +
                                               ": espeak-ng data not found (espeak-ng-data)");
  }
  if (engine.initialised) {
    std::error_code ec;
    if (data_dir.empty() || std::filesystem::equivalent(data_dir, engine.data_dir, ec)) {
      return Ok{};
    }
    return MakeError(ErrorCode::kInvalidArgument,
                     "speech synthesis: espeak-ng already runs with data folder \"" +
                         engine.data_dir.string() + "\"; one folder per process");
  }
  espeak_ng_InitializePath(data_dir.empty() ? nullptr : data_dir.c_str());
  const char* path = nullptr;
  espeak_Info(&path);
  if (!path || !std::filesystem::exists(std::filesystem::path(path) / "phontab")) {
    return MakeError(ErrorCode::kNotFound,
                     std::string(path ? path : "(no path)") +
                         ": espeak-ng data not found (install espeak-ng-data)");
  }
  espeak_ng_ERROR_CONTEXT context = nullptr;
  const espeak_ng_STATUS status = espeak_ng_Initialize(&context);
  espeak_ng_ClearErrorContext(&context);
  if (status != ENS_OK) {
    return MakeError(ErrorCode::kIoError, "espeak-ng: cannot initialise with " + std::string(path) +
                                              ": " + StatusMessage(status));
  }
  if (espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, nullptr) != ENS_OK) {
    return MakeError(ErrorCode::kIoError, "espeak-ng: cannot set up synchronous output");
  }
  espeak_SetSynthCallback(OnSamples);
  engine.sample_rate = espeak_ng_GetSampleRate();
  engine.data_dir = path;
  engine.initialised = true;
  return Ok{};
}

}  // namespace

Expected<SynthesizedSpeech> SynthesizeSpeech(std::string_view text,
                                             const SpeechSynthesisOptions& options) {
  if (options.words_per_minute < 80 || options.words_per_minute > 450) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "speech synthesis: words_per_minute must be in 80..450, got " +
                         std::to_string(options.words_per_minute));
  }
  if (options.pitch < 0 || options.pitch > 99) {
    return MakeError(ErrorCode::kInvalidArgument, "speech synthesis: pitch must be in 0..99, got " +
                                                      std::to_string(options.pitch));
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "speech synthesis: nothing to say");
  }
  Engine& engine = TheEngine();
  std::lock_guard lock(engine.mutex);
  VISCERA_RETURN_IF_ERROR(Initialise(engine, options.data_dir));
  if (const auto status = espeak_ng_SetVoiceByName(options.voice.c_str()); status != ENS_OK) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "speech synthesis: voice \"" + options.voice + "\": " + StatusMessage(status));
  }
  espeak_ng_SetParameter(espeakRATE, options.words_per_minute, 0);
  espeak_ng_SetParameter(espeakPITCH, options.pitch, 0);

  SynthesizedSpeech speech;
  speech.sample_rate = engine.sample_rate;
  const std::string terminated(text);  // espeak-ng reads up to the NUL
  engine.output = &speech.samples;
  espeak_ng_STATUS status =
      espeak_ng_Synthesize(terminated.c_str(), terminated.size() + 1, 0, POS_CHARACTER, 0,
                           espeakCHARS_UTF8, nullptr, nullptr);
  if (status == ENS_OK) status = espeak_ng_Synchronize();
  engine.output = nullptr;
  if (status != ENS_OK) {
    return MakeError(ErrorCode::kIoError, "speech synthesis: " + StatusMessage(status));
  }
  return speech;
}

Expected<std::string> SynthesizeSpeechWav(std::string_view text,
                                          const SpeechSynthesisOptions& options) {
  VISCERA_ASSIGN_OR_RETURN(SynthesizedSpeech speech, SynthesizeSpeech(text, options));
  return EncodeWav(speech.samples, speech.sample_rate);
}

}  // namespace viscera
