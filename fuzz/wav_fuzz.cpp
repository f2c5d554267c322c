// libFuzzer target for the WAV reader (voice/wav_audio.h): recorded commands and uploaded audio
// arrive from browsers and other tools, and their headers decide how many samples are read. What
// parsed also goes through the resampler and the noise suppressor.
#include <cstdint>
#include <string_view>

#include "voice/noise_suppressor.h"
#include "voice/wav_audio.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto audio = viscera::ParseWav(bytes, "fuzz.wav");
  if (audio) {
    // What the recogniser relies on after a successful parse.
    VISCERA_CHECK(audio->channels == 1 || audio->channels == 2, "channels");
    VISCERA_CHECK(audio->sample_rate >= 1 && audio->sample_rate <= 384000, "rate");
    VISCERA_CHECK(audio->samples.size() % audio->channels == 0, "whole frames");
    VISCERA_CHECK(audio->samples.size() * 2 <= size, "no more samples than bytes");
    // Resampling and re-encoding must hold for whatever parsed (short inputs keep it fast).
    if (audio->frames() < 20000) {
      const auto mono = viscera::ToMono16k(*audio);
      const auto again = viscera::ParseWav(viscera::EncodeWav(mono, 16000), "again");
      VISCERA_CHECK(again && again->samples == mono, "round trip");
      // The recogniser's noise suppressor gives back a sample for each sample, whatever the audio
      // (full-scale square waves, silence, one sample).
      viscera::NoiseSuppressor suppressor;
      auto out = suppressor.Process(mono);
      const auto tail = suppressor.Flush();
      VISCERA_CHECK(out.size() + tail.size() == mono.size(), "suppressor length");
    }
  }
  return 0;
}
