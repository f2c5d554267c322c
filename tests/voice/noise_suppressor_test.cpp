#include "voice/noise_suppressor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "voice/speech_synthesizer.h"
#include "voice/wav_audio.h"

namespace viscera {
namespace {

// "Hide the liver. Show the kidneys." spoken by espeak-ng at 16 kHz, after 0.5 s of silence.
std::vector<int16_t> Speech() {
  auto speech = SynthesizeSpeech("Hide the liver. Show the kidneys.");
  EXPECT_TRUE(speech.ok()) << speech.error().ToString();
  std::vector<int16_t> out(8000, 0);
  if (!speech.ok()) return out;
  const auto mono = ResampleMono(speech->samples, speech->sample_rate, 16000);
  out.insert(out.end(), mono.begin(), mono.end());
  out.resize(out.size() + 8000, 0);
  return out;
}

// Gaussian white noise at `snr_db` under the speech's mean power over its loud half.
std::vector<float> WhiteNoise(const std::vector<int16_t>& speech, double snr_db) {
  double power = 0;
  size_t loud = 0;
  for (int16_t s : speech) {
    if (std::abs(s) > 300) {
      power += static_cast<double>(s) * s;
      ++loud;
    }
  }
  const double sigma = std::sqrt(power / static_cast<double>(loud) / std::pow(10, snr_db / 10));
  std::mt19937 random(7);
  std::normal_distribution<double> normal(0, sigma);
  std::vector<float> noise(speech.size());
  for (auto& n : noise) n = static_cast<float>(normal(random));
  return noise;
}

double Power(const std::vector<double>& x, size_t from, size_t to) {
  double sum = 0;
  for (size_t i = from; i < to; ++i) sum += x[i] * x[i];
  return sum / static_cast<double>(to - from);
}

std::vector<int16_t> SuppressAll(NoiseSuppressor& suppressor, const std::vector<int16_t>& in) {
  auto out = suppressor.Process(in);
  const auto tail = suppressor.Flush();
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

TEST(NoiseSuppressor, FftMatchesTheDefinition) {
  std::vector<std::complex<float>> x(64);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = {static_cast<float>(std::sin(0.3 * i) + 0.1 * i), static_cast<float>(std::cos(i))};
  }
  auto fast = x;
  Fft(fast, false);
  for (size_t k = 0; k < x.size(); ++k) {
    std::complex<double> sum = 0;
    for (size_t n = 0; n < x.size(); ++n) {
      const double angle = -2 * std::numbers::pi * static_cast<double>(k * n) / 64.0;
      sum += std::complex<double>(x[n]) * std::complex<double>(std::cos(angle), std::sin(angle));
    }
    EXPECT_NEAR(fast[k].real(), sum.real(), 1e-3) << k;
    EXPECT_NEAR(fast[k].imag(), sum.imag(), 1e-3) << k;
  }
  Fft(fast, true);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(std::abs(fast[i] - x[i]), 0, 1e-4);
}

// Chunk sizes do not matter, and a segment comes out as long as it went in, aligned.
TEST(NoiseSuppressor, StreamsSampleForSampleWhateverTheChunks) {
  const auto speech = Speech();
  NoiseSuppressor whole;
  const auto once = SuppressAll(whole, speech);
  ASSERT_EQ(once.size(), speech.size());
  NoiseSuppressor chunked;
  std::vector<int16_t> pieces;
  for (size_t at = 0, n = 1; at < speech.size(); at += n, n = n * 3 % 1601 + 1) {
    const size_t take = std::min(n, speech.size() - at);
    auto out = chunked.Process(std::span<const int16_t>(speech).subspan(at, take));
    pieces.insert(pieces.end(), out.begin(), out.end());
  }
  const auto tail = chunked.Flush();
  pieces.insert(pieces.end(), tail.begin(), tail.end());
  EXPECT_EQ(pieces, once);
  // A segment shorter than a hop still comes back whole.
  NoiseSuppressor tiny;
  EXPECT_EQ(SuppressAll(tiny, std::vector<int16_t>(100, 1000)).size(), 100u);
}

// Clean speech passes nearly untouched: the noise estimate of digital silence is no noise.
TEST(NoiseSuppressor, CleanSpeechPassesUntouched) {
  const auto speech = Speech();
  NoiseSuppressor suppressor;
  const auto out = SuppressAll(suppressor, speech);
  ASSERT_EQ(out.size(), speech.size());
  std::vector<double> in(speech.begin(), speech.end()), error(speech.size());
  for (size_t i = 0; i < speech.size(); ++i) error[i] = out[i] - in[i];
  const double snr = 10 * std::log10(Power(in, 0, in.size()) / Power(error, 0, error.size()));
  EXPECT_GT(snr, 20) << "the suppressor changed clean speech";
}

// White noise at 10 dB: in the pauses the noise drops by more than 10 dB, and the output is
// closer to the clean speech than the input was.
TEST(NoiseSuppressor, WhiteNoiseAt10DbIsReducedAndSpeechKept) {
  const auto speech = Speech();
  const auto noise = WhiteNoise(speech, 10);
  std::vector<int16_t> noisy(speech.size());
  for (size_t i = 0; i < speech.size(); ++i) {
    noisy[i] = static_cast<int16_t>(std::clamp(std::lround(speech[i] + noise[i]), -32768L, 32767L));
  }
  NoiseSuppressor suppressor;
  // The second pass is what a session hears: the noise estimate already settled.
  SuppressAll(suppressor, noisy);
  const auto out = SuppressAll(suppressor, noisy);
  ASSERT_EQ(out.size(), speech.size());
  std::vector<double> before(speech.size()), after(speech.size()), residual_in(speech.size()),
      residual_out(speech.size());
  for (size_t i = 0; i < speech.size(); ++i) {
    before[i] = noisy[i];
    after[i] = out[i];
    residual_in[i] = noisy[i] - speech[i];
    residual_out[i] = out[i] - speech[i];
  }
  // The last 0.5 s is silence plus noise only.
  const size_t pause = speech.size() - 8000;
  const double pause_drop_db =
      10 * std::log10(Power(before, pause, speech.size()) / Power(after, pause, speech.size()));
  EXPECT_GT(pause_drop_db, 10);
  const double error_drop_db =
      10 * std::log10(Power(residual_in, 0, speech.size()) / Power(residual_out, 0, speech.size()));
  EXPECT_GT(error_drop_db, 3);
  std::cout << "white noise at 10 dB: pauses " << pause_drop_db << " dB quieter, error to clean "
            << error_drop_db << " dB smaller\n";
}

}  // namespace
}  // namespace viscera
