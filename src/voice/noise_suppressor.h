// Stationary-noise suppression for speech before recognition: a short-time Fourier transform
// (32 ms frames, 16 ms hop, square-root Hann windows, which reconstruct exactly), a noise power
// estimate per frequency bin that follows the signal's running minimum (noise is what remains in
// the pauses; speech comes and goes), and a decision-directed Wiener gain (Ephraim & Malah)
// with a floor, so residual noise stays noise-like instead of "musical" tones.
//
// PocketSphinx's own noise removal works on 40 mel bands after the fact; this works on 257 bins
// of the waveform first, which is what helps at 10 dB white noise (bench/RESULTS.md).
//
// Streaming: Process() any number of samples; output lags input by one hop (256 samples) and
// Flush() returns the rest, so a segment comes out sample for sample as long as it went in.
// The noise estimate carries over from one segment (utterance) to the next, as the noise does.
#pragma once

#include <complex>
#include <cstdint>
#include <span>
#include <vector>

namespace viscera {

class NoiseSuppressor {
 public:
  NoiseSuppressor();

  // 16 kHz mono samples in; the suppressed samples that are ready come out.
  std::vector<int16_t> Process(std::span<const int16_t> samples);
  // The samples still held back (the last hop), with the frame completed by silence.
  std::vector<int16_t> Flush();

  static constexpr int kFrame = 512;
  static constexpr int kHop = kFrame / 2;
  static constexpr int kBins = kFrame / 2 + 1;

 private:
  void ProcessFrame(std::vector<int16_t>& out);

  std::vector<float> window_;          // sqrt-Hann, analysis and synthesis
  std::vector<float> input_;           // the last kFrame input samples
  int pending_ = 0;                    // new samples in input_ since the last frame
  int skip_ = kHop;                    // output samples still to drop (the start-up hop)
  std::vector<float> overlap_;         // the second half of the previous output frame
  std::vector<float> smoothed_power_;  // per bin, over ~50 ms
  std::vector<float> noise_power_;     // per bin, the tracked minimum
  std::vector<float> previous_clean_;  // |S|^2 of the previous frame, for the a-priori SNR
  std::vector<std::complex<float>> spectrum_;
  bool heard_any_ = false;  // the noise estimate starts from the first frame
};

// In-place radix-2 FFT of a power-of-two length; `inverse` includes the 1/n scaling.
void Fft(std::vector<std::complex<float>>& data, bool inverse);

}  // namespace viscera
