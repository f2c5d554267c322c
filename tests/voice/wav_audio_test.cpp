#include "voice/wav_audio.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <numbers>
#include <string>
#include <vector>

#include "io/atomic_file.h"
#include "test_data.h"

namespace viscera {
namespace {
using ::testing::HasSubstr;

std::vector<int16_t> Sine(double hz, int rate, double seconds, double amplitude) {
  std::vector<int16_t> out(static_cast<size_t>(rate * seconds));
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<int16_t>(std::lround(
        amplitude * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / rate)));
  }
  return out;
}

double Rms(const std::vector<int16_t>& x, size_t skip = 0) {
  double sum = 0;
  for (size_t i = skip; i + skip < x.size(); ++i) sum += static_cast<double>(x[i]) * x[i];
  return std::sqrt(sum / static_cast<double>(x.size() - 2 * skip));
}

// Zero crossings per second / 2: the frequency of a pure tone.
double ToneHz(const std::vector<int16_t>& x, int rate) {
  int crossings = 0;
  for (size_t i = 1; i < x.size(); ++i) crossings += (x[i - 1] < 0) != (x[i] < 0);
  return crossings / 2.0 / (static_cast<double>(x.size()) / rate);
}

void RunTool(const std::string& command) {
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

TEST(WavAudio, EncodesAndParsesMono16Bit) {
  const auto samples = Sine(440, 16000, 0.25, 12000);
  const std::string bytes = EncodeWav(samples, 16000);
  EXPECT_EQ(bytes.size(), 44 + samples.size() * 2);
  auto audio = ParseWav(bytes);
  ASSERT_TRUE(audio.ok()) << audio.error().ToString();
  EXPECT_EQ(audio->sample_rate, 16000);
  EXPECT_EQ(audio->channels, 1);
  EXPECT_EQ(audio->samples, samples);
  EXPECT_DOUBLE_EQ(audio->seconds(), 0.25);

  testing::ScratchDir dir;
  ASSERT_TRUE(WriteWavFile(dir / "a.wav", samples, 22050).ok());
  auto read = ReadWavFile(dir / "a.wav");
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  EXPECT_EQ(read->sample_rate, 22050);
  EXPECT_EQ(read->samples, samples);
  EXPECT_EQ(ReadWavFile(dir / "missing.wav").error().code, ErrorCode::kNotFound);
}

TEST(WavAudio, ReadsWhatSoxEspeakAndFliteWrite) {
  testing::ScratchDir dir;
  // sox: stereo 22.05 kHz, a 1 kHz tone left, silence right.
  RunTool("sox -D -n -r 22050 -c 2 -b 16 " + (dir / "stereo.wav").string() +
          " synth 0.5 sine 1000 sine 1000 remix 1 0 gain -3");
  auto stereo = ReadWavFile(dir / "stereo.wav");
  ASSERT_TRUE(stereo.ok()) << stereo.error().ToString();
  EXPECT_EQ(stereo->channels, 2);
  EXPECT_EQ(stereo->sample_rate, 22050);
  EXPECT_EQ(stereo->frames(), 11025);
  EXPECT_GT(std::abs(stereo->samples[100]) + std::abs(stereo->samples[102]), 0);
  EXPECT_LE(std::abs(stereo->samples[101]), 1);  // right channel: silence (at most dither)

  // 16 kHz mono keeps the tone and its length; downmixing halves it.
  const auto mono = ToMono16k(*stereo);
  EXPECT_EQ(mono.size(), 8000u);
  EXPECT_NEAR(ToneHz(mono, 16000), 1000, 5);
  const double left_rms = Rms(DownmixToMono(*stereo)) * 2;
  EXPECT_NEAR(Rms(mono, 100) * 2, left_rms, left_rms * 0.02);

  // espeak-ng --stdout writes a streamed header (sizes 0x7FFFF000): read to the end of the file.
  RunTool("espeak-ng --stdout 'hide the liver' > " + (dir / "espeak.wav").string());
  auto espeak = ReadWavFile(dir / "espeak.wav");
  ASSERT_TRUE(espeak.ok()) << espeak.error().ToString();
  EXPECT_EQ(espeak->sample_rate, 22050);
  EXPECT_EQ(espeak->channels, 1);
  EXPECT_EQ(static_cast<int64_t>(espeak->samples.size() * 2 + 44),
            static_cast<int64_t>(std::filesystem::file_size(dir / "espeak.wav")));
  EXPECT_GT(espeak->seconds(), 0.5);
  EXPECT_LT(espeak->seconds(), 3.0);

  // flite's slt voice is 16 kHz; ours and sox's resampling of espeak's 22.05 kHz agree.
  RunTool("flite -voice slt -t 'next slice' -o " + (dir / "flite.wav").string());
  auto flite = ReadWavFile(dir / "flite.wav");
  ASSERT_TRUE(flite.ok()) << flite.error().ToString();
  EXPECT_EQ(flite->sample_rate, 16000);
  EXPECT_GT(flite->seconds(), 0.4);
  EXPECT_GT(Rms(flite->samples), 300);

  RunTool("sox " + (dir / "espeak.wav").string() + " -r 16000 " + (dir / "sox16k.wav").string() +
          " 2>/dev/null");
  auto sox16k = ReadWavFile(dir / "sox16k.wav");
  ASSERT_TRUE(sox16k.ok()) << sox16k.error().ToString();
  const auto ours = ToMono16k(*espeak);
  ASSERT_NEAR(static_cast<double>(ours.size()), static_cast<double>(sox16k->samples.size()), 2);
  double dot = 0, a2 = 0, b2 = 0;
  for (size_t i = 0; i < std::min(ours.size(), sox16k->samples.size()); ++i) {
    dot += static_cast<double>(ours[i]) * sox16k->samples[i];
    a2 += static_cast<double>(ours[i]) * ours[i];
    b2 += static_cast<double>(sox16k->samples[i]) * sox16k->samples[i];
  }
  EXPECT_GT(dot / std::sqrt(a2 * b2), 0.99);
}

TEST(WavAudio, ResamplingRemovesWhatTheNewRateCannotHold) {
  // 10 kHz is above 16 kHz's Nyquist frequency: it must not alias down to 6 kHz.
  const auto high = ResampleMono(Sine(10000, 44100, 0.5, 10000), 44100, 16000);
  EXPECT_LT(Rms(high, 200), 10000 / std::sqrt(2.0) * 0.01);
  const auto low = ResampleMono(Sine(3000, 44100, 0.5, 10000), 44100, 16000);
  EXPECT_NEAR(Rms(low, 200), 10000 / std::sqrt(2.0), 100);
  EXPECT_NEAR(ToneHz(low, 16000), 3000, 10);
  // Upsampling too.
  const auto up = ResampleMono(Sine(500, 8000, 0.5, 10000), 8000, 16000);
  EXPECT_EQ(up.size(), 8000u);
  EXPECT_NEAR(ToneHz(up, 16000), 500, 5);
}

// A valid 16 kHz mono file to damage: fmt at 12..35, data header at 36, samples at 44.
std::string Valid() {
  return EncodeWav(std::vector<int16_t>(100, 7), 16000);
}
std::string With(std::string bytes, size_t at, std::string_view patch) {
  bytes.replace(at, patch.size(), patch);
  return bytes;
}
std::string Le32(uint32_t v) {
  return std::string{static_cast<char>(v & 0xff), static_cast<char>((v >> 8) & 0xff),
                     static_cast<char>((v >> 16) & 0xff), static_cast<char>(v >> 24)};
}
std::string Le16(uint16_t v) {
  return std::string{static_cast<char>(v & 0xff), static_cast<char>(v >> 8)};
}

TEST(WavAudio, CorruptHeadersGiveNamedErrors) {
  const std::string valid = Valid();
  const std::pair<std::string, std::string> cases[] = {
      {valid.substr(0, 10), "too short for a RIFF WAVE header"},
      {With(valid, 0, "RIFX"), "does not start with \"RIFF\""},
      {With(valid, 8, "AVI "), "not \"WAVE\""},
      {With(valid, 4, Le32(1000)), "RIFF chunk runs past the end of the file"},
      {With(valid, 16, Le32(8)), "fmt chunk has 8 bytes"},
      {With(valid, 20, Le16(3)), "format tag 3 is not integer PCM"},
      {With(valid, 34, Le16(8)), "8 bits per sample"},
      {With(valid, 22, Le16(3)), "3 channels"},
      {With(valid, 24, Le32(0)), "sample rate 0 Hz"},
      {With(valid, 32, Le16(4)), "block align 4"},
      {With(valid, 28, Le32(1234)), "byte rate 1234"},
      {With(valid, 40, Le32(400)),
       "data chunk runs past the end of the file (400 bytes at offset 44"},
      {With(valid, 40, Le32(199)), "not a whole number of 2-byte frames"},
      {With(valid, 36, "junk"), "no data chunk"},
      {With(valid, 12, "junk"), "data chunk comes before the fmt chunk"},
      {With(With(valid, 12, "junk"), 36, "abcd"), "no fmt chunk"},
  };
  for (const auto& [bytes, expected] : cases) {
    auto audio = ParseWav(bytes, "cmd.wav");
    ASSERT_FALSE(audio.ok()) << expected;
    EXPECT_THAT(audio.error().message, HasSubstr(expected));
    EXPECT_THAT(audio.error().message, HasSubstr("cmd.wav: "));
  }
  // A second fmt chunk, and a chunk running past the end.
  std::string twice = valid.substr(0, 36) + valid.substr(12, 24) + valid.substr(36);
  twice = With(twice, 4, Le32(static_cast<uint32_t>(twice.size() - 8)));
  EXPECT_THAT(ParseWav(twice).error().message, HasSubstr("second fmt chunk"));
  EXPECT_EQ(ParseWav(With(valid, 20, Le16(3))).error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(ParseWav(valid.substr(0, 60)).error().code, ErrorCode::kCorruptData);
}

TEST(WavAudio, SkipsOtherChunksAndReadsExtensiblePcm) {
  const std::string valid = Valid();
  // A LIST chunk with an odd size (padded) between fmt and data.
  std::string listed = valid.substr(0, 36) + "LIST" + Le32(3) + "abc" + '\0' + valid.substr(36);
  listed = With(listed, 4, Le32(static_cast<uint32_t>(listed.size() - 8)));
  auto audio = ParseWav(listed);
  ASSERT_TRUE(audio.ok()) << audio.error().ToString();
  EXPECT_EQ(audio->samples, std::vector<int16_t>(100, 7));

  // WAVE_FORMAT_EXTENSIBLE with the PCM sub-format.
  const std::string guid_tail("\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71", 14);
  std::string fmt = Le16(0xFFFE) + Le16(1) + Le32(16000) + Le32(32000) + Le16(2) + Le16(16) +
                    Le16(22) + Le16(16) + Le32(4) + Le16(1) + guid_tail;
  std::string body = "WAVEfmt " + Le32(static_cast<uint32_t>(fmt.size())) + fmt + valid.substr(36);
  auto extensible = ParseWav("RIFF" + Le32(static_cast<uint32_t>(body.size())) + body);
  ASSERT_TRUE(extensible.ok()) << extensible.error().ToString();
  EXPECT_EQ(extensible->samples.size(), 100u);
  // ... but not IEEE float.
  std::string float_fmt = fmt;
  float_fmt[24] = 3;
  body = "WAVEfmt " + Le32(static_cast<uint32_t>(fmt.size())) + float_fmt + valid.substr(36);
  EXPECT_THAT(ParseWav("RIFF" + Le32(static_cast<uint32_t>(body.size())) + body).error().message,
              HasSubstr("sub-format is not integer PCM"));
}

}  // namespace
}  // namespace viscera
