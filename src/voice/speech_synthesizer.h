// Spoken replies: text -> 16-bit mono WAV with espeak-ng (only speech_synthesizer.cpp includes
// it). espeak-ng keeps global state, so there is one engine per process behind a mutex,
// initialised on first use; calls from several threads take turns (a short reply takes ~20 ms).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.h"

namespace viscera {

struct SpeechSynthesisOptions {
  std::string voice = "en-us";  // an espeak-ng voice name: "en-us", "en-gb", "en-us+f3", ...
  int words_per_minute = 170;   // 80..450
  int pitch = 50;               // 0..99
  // espeak-ng's data folder (holding phontab); empty: the one espeak-ng was built with. The
  // engine is initialised once per process, so later calls must name no folder or the same one.
  std::filesystem::path data_dir;
};

struct SynthesizedSpeech {
  int sample_rate = 22050;
  std::vector<int16_t> samples;  // mono

  double seconds() const { return static_cast<double>(samples.size()) / sample_rate; }
};

// Errors: kInvalidArgument for an option out of range or an unknown voice (naming it), kNotFound
// when espeak-ng's data is missing (naming the folder), kIoError when espeak-ng fails.
Expected<SynthesizedSpeech> SynthesizeSpeech(std::string_view text,
                                             const SpeechSynthesisOptions& options = {});

// The same as the bytes of a mono 16-bit PCM WAV file, ready to send to a browser.
Expected<std::string> SynthesizeSpeechWav(std::string_view text,
                                          const SpeechSynthesisOptions& options = {});

}  // namespace viscera
