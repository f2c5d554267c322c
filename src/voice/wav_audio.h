// RIFF WAV in and out for speech: PCM 16-bit, mono or stereo, any rate in; mono 16-bit out. WAV
// bytes arrive from outside (uploads, recorded commands, other tools), so every header field is
// checked and errors say which one and why. The recogniser wants 16 kHz mono: ToMono16k().
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.h"

namespace viscera {

struct WavAudio {
  int sample_rate = 16000;
  int channels = 1;              // 1 or 2
  std::vector<int16_t> samples;  // interleaved when stereo

  int64_t frames() const { return static_cast<int64_t>(samples.size()) / channels; }
  double seconds() const { return static_cast<double>(frames()) / sample_rate; }
};

// Parses a WAV file's bytes. `source` names them in errors ("wav: data chunk runs past the end of
// the file (...)" becomes "<source>: data chunk ..."). Only integer PCM 16-bit (format 1, or
// WAVE_FORMAT_EXTENSIBLE with the PCM sub-format), 1 or 2 channels, 1 Hz..384 kHz. A data chunk
// size of 0x7FFFF000 or more that runs past the end is a streamed header (espeak-ng --stdout
// writes one) and means "up to the end of the file"; any other overrun is an error.
Expected<WavAudio> ParseWav(std::string_view bytes, const std::string& source = "wav");

// Reads and parses a file (at most 256 MiB); errors name the path.
Expected<WavAudio> ReadWavFile(const std::filesystem::path& path);

// A mono 16-bit PCM WAV file's bytes (44-byte canonical header).
std::string EncodeWav(std::span<const int16_t> mono, int sample_rate);

// Writes EncodeWav()'s bytes atomically.
Status WriteWavFile(const std::filesystem::path& path, std::span<const int16_t> mono,
                    int sample_rate);

// Channels averaged to mono.
std::vector<int16_t> DownmixToMono(const WavAudio& audio);

// Band-limited resampling of mono audio (windowed-sinc, cut-off at the lower Nyquist frequency),
// so that 22.05 or 44.1 kHz speech becomes 16 kHz without aliasing.
std::vector<int16_t> ResampleMono(std::span<const int16_t> mono, int from_rate, int to_rate);

// What the recogniser takes: mono at 16 kHz.
std::vector<int16_t> ToMono16k(const WavAudio& audio);

}  // namespace viscera
