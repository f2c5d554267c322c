#include "voice/wav_audio.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <optional>

#include "io/atomic_file.h"

namespace viscera {
namespace {

uint16_t Le16(std::string_view b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) |
                               (static_cast<uint8_t>(b[at + 1]) << 8));
}
uint32_t Le32(std::string_view b, size_t at) {
  return static_cast<uint32_t>(Le16(b, at)) | (static_cast<uint32_t>(Le16(b, at + 2)) << 16);
}
void PutLe16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}
void PutLe32(std::string& out, uint32_t v) {
  PutLe16(out, static_cast<uint16_t>(v & 0xffff));
  PutLe16(out, static_cast<uint16_t>(v >> 16));
}

// Streaming writers (espeak-ng --stdout: 0x7FFFF000) put a placeholder size that they never fix.
constexpr uint32_t kStreamedSize = 0x7FFFF000u;

Error Corrupt(const std::string& source, const std::string& what) {
  return MakeError(ErrorCode::kCorruptData, source + ": " + what);
}
Error Unsupported(const std::string& source, const std::string& what) {
  return MakeError(ErrorCode::kUnsupported, source + ": " + what);
}

struct Format {
  int channels = 0;
  int sample_rate = 0;
};

Expected<Format> ParseFmt(std::string_view body, const std::string& source) {
  if (body.size() < 16) {
    return Corrupt(source, "fmt chunk has " + std::to_string(body.size()) +
                               " bytes, a PCM format needs at least 16");
  }
  const uint16_t tag = Le16(body, 0);
  const uint16_t channels = Le16(body, 2);
  const uint32_t rate = Le32(body, 4);
  const uint32_t byte_rate = Le32(body, 8);
  const uint16_t block_align = Le16(body, 12);
  const uint16_t bits = Le16(body, 14);
  if (tag == 0xFFFE) {
    // WAVE_FORMAT_EXTENSIBLE: the real format is the sub-format GUID's first two bytes; the rest
    // of the GUID must be the standard KSDATAFORMAT suffix.
    static constexpr unsigned char kGuidTail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                                    0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71};
    if (body.size() < 40) {
      return Corrupt(source, "extensible fmt chunk has " + std::to_string(body.size()) +
                                 " bytes, it needs 40");
    }
    if (Le16(body, 24) != 1 || std::memcmp(body.data() + 26, kGuidTail, 14) != 0) {
      return Unsupported(source, "extensible format's sub-format is not integer PCM");
    }
  } else if (tag != 1) {
    return Unsupported(source, "format tag " + std::to_string(tag) +
                                   " is not integer PCM (1); only 16-bit PCM is read");
  }
  if (bits != 16) {
    return Unsupported(source, std::to_string(bits) + " bits per sample; only 16 is read");
  }
  if (channels < 1 || channels > 2) {
    return Unsupported(source, std::to_string(channels) + " channels; only 1 or 2 are read");
  }
  if (rate < 1 || rate > 384000) {
    return Corrupt(source, "sample rate " + std::to_string(rate) + " Hz is outside 1..384000");
  }
  if (block_align != channels * 2) {
    return Corrupt(source, "block align " + std::to_string(block_align) +
                               " is not channels x 2 = " + std::to_string(channels * 2));
  }
  if (byte_rate != rate * block_align) {
    return Corrupt(source, "byte rate " + std::to_string(byte_rate) +
                               " is not sample rate x block align = " +
                               std::to_string(uint64_t{rate} * block_align));
  }
  return Format{channels, static_cast<int>(rate)};
}

}  // namespace

Expected<WavAudio> ParseWav(std::string_view bytes, const std::string& source) {
  if (bytes.size() < 12) {
    return Corrupt(source, "file has " + std::to_string(bytes.size()) +
                               " bytes, too short for a RIFF WAVE header (12)");
  }
  if (bytes.substr(0, 4) != "RIFF") return Corrupt(source, "does not start with \"RIFF\"");
  if (bytes.substr(8, 4) != "WAVE") return Corrupt(source, "RIFF form type is not \"WAVE\"");
  const uint32_t riff_size = Le32(bytes, 4);
  size_t riff_end = 8 + static_cast<size_t>(riff_size);
  if (riff_size < 4) {
    return Corrupt(source, "RIFF size " + std::to_string(riff_size) + " is smaller than \"WAVE\"");
  }
  if (riff_end > bytes.size()) {
    if (riff_size < kStreamedSize) {
      return Corrupt(source, "RIFF chunk runs past the end of the file (size " +
                                 std::to_string(riff_size) + " + 8 > " +
                                 std::to_string(bytes.size()) + " bytes)");
    }
    riff_end = bytes.size();
  }

  std::optional<Format> format;
  size_t at = 12;
  while (at + 8 <= riff_end) {
    const std::string_view id = bytes.substr(at, 4);
    const uint32_t size = Le32(bytes, at + 4);
    const size_t body = at + 8;
    const std::string chunk_name(id);
    if (id == "data") {
      if (!format) return Corrupt(source, "data chunk comes before the fmt chunk");
      size_t data_size = size;
      if (body + data_size > bytes.size()) {
        if (size < kStreamedSize) {
          return Corrupt(source, "data chunk runs past the end of the file (" +
                                     std::to_string(size) + " bytes at offset " +
                                     std::to_string(body) + ", file has " +
                                     std::to_string(bytes.size()) + ")");
        }
        data_size = bytes.size() - body;
      }
      const size_t frame_bytes = static_cast<size_t>(format->channels) * 2;
      if (size < kStreamedSize && data_size % frame_bytes != 0) {
        return Corrupt(source, "data chunk size " + std::to_string(data_size) +
                                   " is not a whole number of " + std::to_string(frame_bytes) +
                                   "-byte frames");
      }
      data_size -= data_size % frame_bytes;  // a streamed file cut mid-frame
      WavAudio audio;
      audio.sample_rate = format->sample_rate;
      audio.channels = format->channels;
      audio.samples.resize(data_size / 2);
      for (size_t i = 0; i < audio.samples.size(); ++i) {
        audio.samples[i] = static_cast<int16_t>(Le16(bytes, body + 2 * i));
      }
      return audio;
    }
    if (body + size > riff_end) {
      return Corrupt(source, "\"" + chunk_name + "\" chunk runs past the end of the file (" +
                                 std::to_string(size) + " bytes at offset " + std::to_string(body) +
                                 ")");
    }
    if (id == "fmt ") {
      if (format) return Corrupt(source, "second fmt chunk");
      VISCERA_ASSIGN_OR_RETURN(format, ParseFmt(bytes.substr(body, size), source));
    }
    at = body + size + (size & 1);  // chunks are padded to an even size
  }
  if (!format) return Corrupt(source, "no fmt chunk");
  return Corrupt(source, "no data chunk");
}

Expected<WavAudio> ReadWavFile(const std::filesystem::path& path) {
  constexpr int64_t kMaxBytes = int64_t{256} << 20;
  VISCERA_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path, kMaxBytes));
  return ParseWav(bytes, path.string());
}

std::string EncodeWav(std::span<const int16_t> mono, int sample_rate) {
  const uint32_t data_bytes = static_cast<uint32_t>(mono.size() * 2);
  std::string out;
  out.reserve(44 + data_bytes);
  out += "RIFF";
  PutLe32(out, 36 + data_bytes);
  out += "WAVEfmt ";
  PutLe32(out, 16);
  PutLe16(out, 1);  // PCM
  PutLe16(out, 1);  // mono
  PutLe32(out, static_cast<uint32_t>(sample_rate));
  PutLe32(out, static_cast<uint32_t>(sample_rate) * 2);
  PutLe16(out, 2);
  PutLe16(out, 16);
  out += "data";
  PutLe32(out, data_bytes);
  for (int16_t s : mono) PutLe16(out, static_cast<uint16_t>(s));
  return out;
}

Status WriteWavFile(const std::filesystem::path& path, std::span<const int16_t> mono,
                    int sample_rate) {
  return WriteFileAtomically(path, EncodeWav(mono, sample_rate));
}

std::vector<int16_t> DownmixToMono(const WavAudio& audio) {
  if (audio.channels == 1) return audio.samples;
  std::vector<int16_t> mono(static_cast<size_t>(audio.frames()));
  for (size_t i = 0; i < mono.size(); ++i) {
    int sum = 0;
    for (int c = 0; c < audio.channels; ++c) sum += audio.samples[i * audio.channels + c];
    mono[i] = static_cast<int16_t>(sum / audio.channels);
  }
  return mono;
}

std::vector<int16_t> ResampleMono(std::span<const int16_t> mono, int from_rate, int to_rate) {
  VISCERA_CHECK(from_rate > 0 && to_rate > 0, "sample rates must be positive");
  if (from_rate == to_rate || mono.empty()) return {mono.begin(), mono.end()};
  const double step = static_cast<double>(from_rate) / to_rate;  // input samples per output
  // Cut-off relative to the input rate: the lower of the two Nyquist frequencies.
  const double cutoff = std::min(1.0, 1.0 / step);
  constexpr int kZeroCrossings = 16;
  const double half_width = kZeroCrossings / cutoff;  // in input samples
  const auto out_size = static_cast<size_t>(std::floor(static_cast<double>(mono.size()) / step));
  std::vector<int16_t> out(out_size);
  const auto n = static_cast<int64_t>(mono.size());
  for (size_t i = 0; i < out_size; ++i) {
    const double t = static_cast<double>(i) * step;
    const auto first = std::max<int64_t>(0, static_cast<int64_t>(std::ceil(t - half_width)));
    const auto last = std::min<int64_t>(n - 1, static_cast<int64_t>(std::floor(t + half_width)));
    double sum = 0;
    for (int64_t k = first; k <= last; ++k) {
      const double x = static_cast<double>(k) - t;
      const double arg = std::numbers::pi * cutoff * x;
      const double sinc = std::abs(arg) < 1e-9 ? 1.0 : std::sin(arg) / arg;
      // Blackman window over [-half_width, half_width].
      const double w = 0.42 + 0.5 * std::cos(std::numbers::pi * x / half_width) +
                       0.08 * std::cos(2 * std::numbers::pi * x / half_width);
      sum += mono[static_cast<size_t>(k)] * cutoff * sinc * w;
    }
    out[i] = static_cast<int16_t>(std::clamp(std::lround(sum), -32768L, 32767L));
  }
  return out;
}

std::vector<int16_t> ToMono16k(const WavAudio& audio) {
  return ResampleMono(DownmixToMono(audio), audio.sample_rate, 16000);
}

}  // namespace viscera
