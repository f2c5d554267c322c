#include "voice/noise_suppressor.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace viscera {
namespace {

constexpr float kPowerSmoothing = 0.7f;  // per 16 ms hop: ~50 ms memory
// The noise estimate may rise by this factor per hop (~1.5 dB/s): slower than speech starts,
// fast enough to follow a fan that speeds up.
constexpr float kNoiseRise = 1.0055f;
// The running minimum of a fluctuating power sits under its mean; this lifts it back.
constexpr float kMinimumBias = 1.5f;
constexpr float kDecisionDirected = 0.98f;  // weight of the previous frame's clean estimate
constexpr float kGainFloor = 0.15f;         // -16 dB: residual noise stays noise
constexpr float kPowerEpsilon = 1.0f;       // int16 units squared: digital silence is not noise

}  // namespace

void Fft(std::vector<std::complex<float>>& data, bool inverse) {
  const size_t n = data.size();
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(data[i], data[j]);
  }
  for (size_t length = 2; length <= n; length <<= 1) {
    const double angle = 2 * std::numbers::pi / static_cast<double>(length) * (inverse ? 1 : -1);
    const std::complex<float> step(static_cast<float>(std::cos(angle)),
                                   static_cast<float>(std::sin(angle)));
    for (size_t start = 0; start < n; start += length) {
      std::complex<float> w(1, 0);
      for (size_t k = 0; k < length / 2; ++k) {
        const std::complex<float> even = data[start + k];
        const std::complex<float> odd = data[start + k + length / 2] * w;
        data[start + k] = even + odd;
        data[start + k + length / 2] = even - odd;
        w *= step;
      }
    }
  }
  if (inverse) {
    for (auto& x : data) x /= static_cast<float>(n);
  }
}

NoiseSuppressor::NoiseSuppressor()
    : window_(kFrame),
      input_(kFrame, 0.0f),
      overlap_(kHop, 0.0f),
      smoothed_power_(kBins, 0.0f),
      noise_power_(kBins, 0.0f),
      previous_clean_(kBins, 0.0f),
      spectrum_(kFrame) {
  // Periodic Hann, square-rooted: analysis x synthesis = Hann, whose half-overlapped copies sum
  // to one, so a gain of one everywhere gives the input back.
  for (int i = 0; i < kFrame; ++i) {
    window_[i] =
        static_cast<float>(std::sqrt(0.5 - 0.5 * std::cos(2 * std::numbers::pi * i / kFrame)));
  }
}

std::vector<int16_t> NoiseSuppressor::Process(std::span<const int16_t> samples) {
  std::vector<int16_t> out;
  out.reserve(samples.size() + kHop);
  for (int16_t s : samples) {
    input_[kFrame - kHop + pending_] = s;
    if (++pending_ == kHop) {
      ProcessFrame(out);
      std::copy(input_.begin() + kHop, input_.end(), input_.begin());
      pending_ = 0;
    }
  }
  return out;
}

std::vector<int16_t> NoiseSuppressor::Flush() {
  std::vector<int16_t> out;
  const int real = pending_;
  if (real > 0) {
    // Complete the last hop with silence; its frame brings out the hop before it.
    std::fill(input_.begin() + kFrame - kHop + real, input_.end(), 0.0f);
    ProcessFrame(out);
    std::copy(input_.begin() + kHop, input_.end(), input_.begin());
  }
  // One frame of silence brings out the last hop; of a partial hop, only its real samples.
  std::fill(input_.begin() + kFrame - kHop, input_.end(), 0.0f);
  ProcessFrame(out);
  if (real > 0) out.resize(out.size() - static_cast<size_t>(kHop - real));
  std::fill(input_.begin(), input_.end(), 0.0f);
  std::fill(overlap_.begin(), overlap_.end(), 0.0f);
  pending_ = 0;
  skip_ = kHop;
  return out;
}

void NoiseSuppressor::ProcessFrame(std::vector<int16_t>& out) {
  for (int i = 0; i < kFrame; ++i) spectrum_[i] = {input_[i] * window_[i], 0.0f};
  Fft(spectrum_, false);
  const bool first = !heard_any_;
  heard_any_ = true;
  for (int k = 0; k < kBins; ++k) {
    const float power = std::norm(spectrum_[k]) + kPowerEpsilon;
    float& smoothed = smoothed_power_[k];
    float& noise = noise_power_[k];
    smoothed = first ? power : kPowerSmoothing * smoothed + (1 - kPowerSmoothing) * power;
    noise = first ? smoothed : std::min(smoothed, noise * kNoiseRise);
    const float noise_mean = kMinimumBias * noise;
    const float posterior = power / noise_mean;
    const float prior = kDecisionDirected * previous_clean_[k] / noise_mean +
                        (1 - kDecisionDirected) * std::max(posterior - 1.0f, 0.0f);
    const float gain = std::max(prior / (1.0f + prior), kGainFloor);
    previous_clean_[k] = gain * gain * power;
    spectrum_[k] *= gain;
    if (k > 0 && k < kFrame / 2) spectrum_[kFrame - k] = std::conj(spectrum_[k]);
  }
  Fft(spectrum_, true);
  for (int i = 0; i < kHop; ++i) {
    const float v = overlap_[i] + spectrum_[i].real() * window_[i];
    overlap_[i] = spectrum_[i + kHop].real() * window_[i + kHop];
    if (skip_ > 0) {
      --skip_;  // the hop of silence before the segment's first sample
      continue;
    }
    out.push_back(static_cast<int16_t>(std::clamp(std::lround(v), -32768L, 32767L)));
  }
}

}  // namespace viscera
