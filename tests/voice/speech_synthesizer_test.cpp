#include "voice/speech_synthesizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <thread>
#include <vector>

#include "test_data.h"
#include "voice/speech_recognizer.h"
#include "voice/wav_audio.h"

namespace viscera {
namespace {
using ::testing::HasSubstr;

// RMS of the loudest 20 ms frame, and the share of 20 ms frames above -40 dB of it.
std::pair<double, double> SpeechEnergy(const std::vector<int16_t>& x, int rate) {
  const size_t frame = static_cast<size_t>(rate / 50);
  std::vector<double> levels;
  for (size_t at = 0; at + frame <= x.size(); at += frame) {
    double sum = 0;
    for (size_t i = at; i < at + frame; ++i) sum += static_cast<double>(x[i]) * x[i];
    levels.push_back(std::sqrt(sum / static_cast<double>(frame)));
  }
  double loudest = 0;
  for (double l : levels) loudest = std::max(loudest, l);
  double active = 0;
  for (double l : levels) active += l > loudest / 100;
  return {loudest, levels.empty() ? 0 : active / static_cast<double>(levels.size())};
}

TEST(SpeechSynthesizer, SaysTheReplyAsAWav) {
  auto speech = SynthesizeSpeech("Hiding the liver.");
  ASSERT_TRUE(speech.ok()) << speech.error().ToString();
  EXPECT_EQ(speech->sample_rate, 22050);
  // Three words at 170 words a minute, plus espeak's short lead-in and tail.
  EXPECT_GT(speech->seconds(), 0.6);
  EXPECT_LT(speech->seconds(), 2.5);
  const auto [loudest, active] = SpeechEnergy(speech->samples, speech->sample_rate);
  EXPECT_GT(loudest, 1000);  // speech, not silence
  EXPECT_GT(active, 0.5);

  auto wav = SynthesizeSpeechWav("Hiding the liver.");
  ASSERT_TRUE(wav.ok()) << wav.error().ToString();
  auto parsed = ParseWav(*wav);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->channels, 1);
  EXPECT_EQ(parsed->sample_rate, 22050);
  // The same reply again (espeak-ng carries a little state between calls: equal length, not bytes).
  EXPECT_NEAR(parsed->seconds(), speech->seconds(), 0.05 * speech->seconds());

  // Faster speech is shorter.
  SpeechSynthesisOptions fast;
  fast.words_per_minute = 340;
  auto quick = SynthesizeSpeech("Hiding the liver.", fast);
  ASSERT_TRUE(quick.ok()) << quick.error().ToString();
  EXPECT_LT(quick->seconds(), speech->seconds() * 0.75);
}

TEST(SpeechSynthesizer, BadOptionsAndMissingDataAreErrors) {
  SpeechSynthesisOptions options;
  options.voice = "no-such-voice";
  auto bad = SynthesizeSpeech("hello", options);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(bad.error().message, HasSubstr("voice \"no-such-voice\""));

  options = {};
  options.words_per_minute = 20;
  EXPECT_THAT(SynthesizeSpeech("hello", options).error().message,
              HasSubstr("words_per_minute must be in 80..450, got 20"));
  EXPECT_THAT(SynthesizeSpeech("  ").error().message, HasSubstr("nothing to say"));

  options = {};
  options.data_dir = "/nonexistent/espeak-ng-data";
  bad = SynthesizeSpeech("hello", options);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(bad.error().message, HasSubstr("/nonexistent/espeak-ng-data/phontab"));
  // The engine still serves the next caller.
  EXPECT_TRUE(SynthesizeSpeech("hello").ok());
  // Once running, it keeps its data folder: another one is refused, not switched to.
  testing::ScratchDir other;
  { std::ofstream(other / "phontab") << "x"; }
  options.data_dir = other.path();
  bad = SynthesizeSpeech("hello", options);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("already runs with data folder"));
}

TEST(SpeechSynthesizer, ThreadsTakeTurns) {
  std::vector<std::thread> threads;
  std::vector<size_t> sizes(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&sizes, t] {
      auto speech = SynthesizeSpeech("Showing the kidneys.");
      sizes[t] = speech.ok() ? speech->samples.size() : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GT(sizes[0], 10000u);
  // Each thread got a whole reply, not an interleaving of several.
  for (size_t s : sizes)
    EXPECT_NEAR(static_cast<double>(s), static_cast<double>(sizes[0]),
                0.03 * static_cast<double>(sizes[0]));
}

TEST(SpeechSynthesizer, TheRecognizerUnderstandsTheReply) {
  GrammarSpec spec;
  spec.phrases = {"hiding the {structures}", "showing the {structures}", "zoom in", "next slice"};
  spec.slots["structures"] = {"liver", "spleen", "left kidney", "kidneys", "ribs"};
  auto recognizer = SpeechRecognizer::Create(spec);
  ASSERT_TRUE(recognizer.ok()) << recognizer.error().ToString();
  for (const std::string text : {"Hiding the liver.", "Showing the kidneys.", "Next slice."}) {
    auto speech = SynthesizeSpeech(text);
    ASSERT_TRUE(speech.ok()) << speech.error().ToString();
    std::vector<int16_t> audio(4800, 0);  // 0.3 s of silence first, as from a microphone
    const auto mono = ResampleMono(speech->samples, speech->sample_rate, 16000);
    audio.insert(audio.end(), mono.begin(), mono.end());
    audio.resize(audio.size() + 12800, 0);
    auto transcript = (*recognizer)->Recognize(audio);
    ASSERT_TRUE(transcript.ok()) << transcript.error().ToString();
    std::string expected;
    for (char c : text) {
      if (c != '.') expected.push_back(static_cast<char>(std::tolower(c)));
    }
    EXPECT_EQ(transcript->text, expected);
    EXPECT_TRUE(transcript->from_grammar);
    EXPECT_NEAR(transcript->audio_seconds, static_cast<double>(audio.size()) / 16000, 1e-9);
    EXPECT_GT(transcript->decode_seconds, 0);
  }
}

// Recognisers on several threads at once, each loading the general model while the others decode:
// PocketSphinx's log is one process-wide FILE*, which per-decoder log files used to close under
// another thread's feet (CI: "malloc(): unaligned tcache chunk detected").
TEST(SpeechSynthesizer, RecognisersOnManyThreadsAtOnceUnderstandTheReply) {
  GrammarSpec spec;
  spec.phrases = {"next slice", "zoom in"};
  auto speech = SynthesizeSpeech("Next slice.");
  ASSERT_TRUE(speech.ok()) << speech.error().ToString();
  std::vector<int16_t> audio(4800, 0);
  const auto mono = ResampleMono(speech->samples, speech->sample_rate, 16000);
  audio.insert(audio.end(), mono.begin(), mono.end());
  audio.resize(audio.size() + 12800, 0);
  // What one recogniser alone makes of it: decoding is deterministic, so every thread must agree.
  auto alone = SpeechRecognizer::Create(spec);
  ASSERT_TRUE(alone.ok()) << alone.error().ToString();
  auto general_alone = (*alone)->RecognizeWithGeneralModel(audio);
  ASSERT_TRUE(general_alone.ok()) << general_alone.error().ToString();
  ASSERT_FALSE(general_alone->text.empty());
  constexpr int kThreads = 8;
  std::vector<std::string> grammar_text(kThreads), general_text(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 2; ++round) {
        auto recognizer = SpeechRecognizer::Create(spec);
        if (!recognizer.ok()) return;
        auto general = (*recognizer)->RecognizeWithGeneralModel(audio);
        auto grammar = (*recognizer)->Recognize(audio);
        if (general.ok()) general_text[t] = general->text;
        if (grammar.ok()) grammar_text[t] = grammar->text;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(grammar_text[t], "next slice") << "thread " << t;
    EXPECT_EQ(general_text[t], general_alone->text) << "thread " << t;
  }
}

}  // namespace
}  // namespace viscera
