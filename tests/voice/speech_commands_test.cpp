// The speech accuracy test of issue 7: commands spoken by espeak-ng and flite (several voices and
// speeds, 16 kHz), clean and with white and pink noise at 20 and 10 dB SNR, go through the same
// path as the dashboard's microphone (SpeechRecognizer::Feed in 100 ms chunks until the end of
// speech, Finish, DialogManager::Understand). A command is right when its intent and slots equal
// those of the phrase as typed. The goals, >= 95% clean and at 20 dB and >= 85% at 10 dB,
// are NOT met (bench/RESULTS.md: ~80% clean over all voices, 95-100% for flite's clean voices,
// ~38% in white noise at 10 dB): the test prints the table and guards the measured level against
// regressions, a few points under it.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/label_names.h"
#include "test_data.h"
#include "voice/dialog_manager.h"
#include "voice/speech_recognizer.h"
#include "voice/wav_audio.h"

namespace viscera {
namespace {
namespace fs = std::filesystem;

struct CorpusItem {
  std::string file, phrase, voice, condition;
};

struct Tally {
  int right = 0, total = 0;
  double percent() const { return total ? 100.0 * right / total : 0; }
};

// Makes (or reuses) the corpus with tests/voice/make_speech_corpus.py and reads its manifest.
std::vector<CorpusItem> LoadCorpus(const fs::path& dir, std::vector<std::string>& voices,
                                   std::vector<std::string>& conditions) {
  const fs::path source = testing::SourceDir() / "tests/voice";
  const std::string command = std::string(VISCERA_PYTHON) + " " +
                              (source / "make_speech_corpus.py").string() + " --phrases " +
                              (source / "speech_commands.txt").string() + " --out " + dir.string();
  {
    // CTest runs the tests of this file in parallel: one makes the corpus, the other waits.
    fs::create_directories(dir.parent_path());
    const int lock = ::open((dir.string() + ".lock").c_str(), O_CREAT | O_RDWR, 0644);
    EXPECT_GE(lock, 0);
    if (lock >= 0) ::flock(lock, LOCK_EX);
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    if (lock >= 0) ::close(lock);  // releases the lock
  }
  std::ifstream in(dir / "manifest.json");
  const auto manifest = nlohmann::json::parse(in, nullptr, false);
  EXPECT_TRUE(manifest.is_object()) << dir / "manifest.json";
  std::vector<CorpusItem> items;
  if (!manifest.is_object()) return items;
  voices = manifest["voices"].get<std::vector<std::string>>();
  conditions = manifest["conditions"].get<std::vector<std::string>>();
  for (const auto& item : manifest["items"]) {
    items.push_back({item["file"], item["phrase"], item["voice"], item["condition"]});
  }
  return items;
}

DialogManager DemoDialogManager() {
  auto catalog = IntentCatalog::Load(DefaultIntentsPath());
  EXPECT_TRUE(catalog.ok()) << catalog.error().ToString();
  auto labels =
      ReadLabelNames(testing::SourceDir() / "data/demo/totalseg-abdomen/labels_total_v2.json");
  EXPECT_TRUE(labels.ok()) << labels.error().ToString();
  std::map<int, std::string> names;
  if (labels.ok()) {
    for (const auto& entry : labels->entries()) names[entry.id] = entry.name;
  }
  return DialogManager(
      std::make_shared<IntentCatalog>(catalog.ok() ? std::move(*catalog) : IntentCatalog{}), names);
}

bool SameCommand(const IntentMatch& a, const IntentMatch& b) {
  return a.intent == b.intent && a.slots == b.slots;
}

// Runs `body(recognizer, item index)` over the items, one recogniser per stream: a voice in one
// condition, as a user's session hears one speaker in one room. The recogniser carries state from
// one command to the next (its noise estimate), so items are fed in the corpus's order within a
// stream and every run decodes the same audio after the same history; streams run in parallel.
void ForEachStream(const std::vector<CorpusItem>& items, const GrammarSpec& spec,
                   const std::function<void(SpeechRecognizer&, size_t)>& body) {
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> by_stream;
  for (size_t i = 0; i < items.size(); ++i) {
    by_stream[{items[i].voice, items[i].condition}].push_back(i);
  }
  std::vector<std::vector<size_t>> streams;
  for (auto& [key, indices] : by_stream) streams.push_back(std::move(indices));
  const unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t s; (s = next++) < streams.size();) {
        auto recognizer = SpeechRecognizer::Create(spec);
        if (!recognizer.ok()) {
          ADD_FAILURE() << recognizer.error().ToString();
          return;
        }
        for (size_t i : streams[s]) body(**recognizer, i);
      }
    });
  }
  for (auto& t : pool) t.join();
}

TEST(SpeechCommands, ExactIntentAccuracyPerConditionAndVoice) {
  std::vector<std::string> voices, conditions;
  const fs::path corpus = VISCERA_SPEECH_CORPUS_DIR;
  const auto items = LoadCorpus(corpus, voices, conditions);
  ASSERT_GE(items.size(), 900u);
  const DialogManager dialog = DemoDialogManager();
  const GrammarSpec spec = dialog.Grammar();

  // Every phrase means something: otherwise "right" would only mean "also unknown".
  std::map<std::string, IntentMatch> expected;
  for (const auto& item : items) {
    if (expected.count(item.phrase)) continue;
    expected[item.phrase] = dialog.Understand(item.phrase);
    EXPECT_NE(expected[item.phrase].intent, "unknown") << item.phrase;
    EXPECT_FALSE(expected[item.phrase].needs_confirmation) << item.phrase;
  }

  std::mutex mutex;
  std::map<std::string, std::map<std::string, Tally>> tally;  // condition -> voice
  std::map<std::string, Tally> endpointed;                    // condition
  std::vector<std::string> misses;
  double audio_seconds = 0, decode_seconds = 0;
  int fallbacks = 0;
  ForEachStream(items, spec, [&](SpeechRecognizer& recognizer, size_t i) {
    const CorpusItem& item = items[i];
    auto wav = ReadWavFile(corpus / item.file);
    ASSERT_TRUE(wav.ok()) << wav.error().ToString();
    const std::vector<int16_t> audio = ToMono16k(*wav);
    ASSERT_TRUE(recognizer.Start().ok());
    bool ended = false;
    constexpr size_t kChunk = 1600;  // 100 ms, as the dashboard sends it
    for (size_t at = 0; at < audio.size() && !ended; at += kChunk) {
      const size_t n = std::min(kChunk, audio.size() - at);
      auto update = recognizer.Feed(std::span<const int16_t>(audio).subspan(at, n));
      ASSERT_TRUE(update.ok()) << update.error().ToString();
      ended = update->speech_ended;
    }
    auto transcript = recognizer.Finish();
    ASSERT_TRUE(transcript.ok()) << transcript.error().ToString();
    const bool right = SameCommand(dialog.Understand(transcript->text), expected[item.phrase]);
    std::lock_guard lock(mutex);
    Tally& t = tally[item.condition][item.voice];
    t.right += right;
    ++t.total;
    endpointed[item.condition].right += ended;
    ++endpointed[item.condition].total;
    audio_seconds += transcript->audio_seconds;
    decode_seconds += transcript->decode_seconds;
    fallbacks += !transcript->from_grammar;
    if (!right) {
      misses.push_back(item.file + ": \"" + item.phrase + "\" heard as \"" + transcript->text +
                       "\"" + (transcript->from_grammar ? "" : " (general model)"));
    }
  });

  // The table: voices down, conditions across.
  std::ostringstream table;
  table << std::fixed << std::setprecision(1) << std::left << std::setw(20) << "voice";
  for (const auto& c : conditions) table << std::right << std::setw(9) << c;
  table << "\n";
  std::map<std::string, Tally> per_condition;
  for (const auto& v : voices) {
    table << std::left << std::setw(20) << v;
    for (const auto& c : conditions) {
      const Tally& t = tally[c][v];
      per_condition[c].right += t.right;
      per_condition[c].total += t.total;
      table << std::right << std::setw(8) << t.percent() << "%";
    }
    table << "\n";
  }
  table << std::left << std::setw(20) << "all voices";
  for (const auto& c : conditions)
    table << std::right << std::setw(8) << per_condition[c].percent() << "%";
  table << "\n" << std::left << std::setw(20) << "end of speech found";
  for (const auto& c : conditions)
    table << std::right << std::setw(8) << endpointed[c].percent() << "%";
  std::cout << "exact-intent accuracy, " << items.size() / voices.size() / conditions.size()
            << " phrases x " << voices.size() << " voices:\n"
            << table.str() << "\nreal-time factor " << decode_seconds / audio_seconds << " ("
            << audio_seconds << " s of audio), general-model fallbacks " << fallbacks << "\n";
  std::sort(misses.begin(), misses.end());
  for (size_t i = 0; i < misses.size() && i < 60; ++i) std::cout << "  miss " << misses[i] << "\n";

  // Measured at the commit (the figures repeat exactly from run to run: one recogniser per
  // stream, fed in order): clean 84.6, white20 83.6, pink20 88.7, white10 59.5, pink10 65.1
  // percent. Floors ~4 points under, for other CPUs' floating point.
  EXPECT_GE(per_condition["clean"].percent(), 80.0);
  EXPECT_GE(per_condition["white20"].percent(), 79.0);
  EXPECT_GE(per_condition["pink20"].percent(), 84.0);
  EXPECT_GE(per_condition["white10"].percent(), 55.0);
  EXPECT_GE(per_condition["pink10"].percent(), 61.0);
  // Natural-sounding clean speech (flite's voices, 92-95% measured) is where the grammar works as
  // intended.
  for (const auto& v : voices) {
    if (v.starts_with("flite")) {
      EXPECT_GE(tally["clean"][v].percent(), 85.0) << v;
    }
  }
  // The microphone path relies on the end of speech being found in clean audio.
  EXPECT_GE(endpointed["clean"].percent(), 95.0);
}

// The general English model alone (no grammar) on the clean commands of two voices: the figure
// that says why the grammar exists (the issue measured ~10% exact).
TEST(SpeechCommands, GeneralModelAloneIsFarLessExact) {
  std::vector<std::string> voices, conditions;
  const fs::path corpus = VISCERA_SPEECH_CORPUS_DIR;
  auto items = LoadCorpus(corpus, voices, conditions);
  std::erase_if(items, [](const CorpusItem& item) {
    return item.condition != "clean" ||
           (item.voice != "espeak-en-us-150" && item.voice != "flite-slt");
  });
  ASSERT_GE(items.size(), 60u);
  const DialogManager dialog = DemoDialogManager();
  std::atomic<int> grammar_right{0}, general_right{0}, words_right{0};
  ForEachStream(items, dialog.Grammar(), [&](SpeechRecognizer& recognizer, size_t i) {
    auto wav = ReadWavFile(corpus / items[i].file);
    ASSERT_TRUE(wav.ok()) << wav.error().ToString();
    const auto audio = ToMono16k(*wav);
    const IntentMatch want = dialog.Understand(items[i].phrase);
    auto general = recognizer.RecognizeWithGeneralModel(audio);
    ASSERT_TRUE(general.ok()) << general.error().ToString();
    general_right += SameCommand(dialog.Understand(general->text), want);
    words_right += general->text == items[i].phrase;
    auto grammar = recognizer.Recognize(audio);
    ASSERT_TRUE(grammar.ok()) << grammar.error().ToString();
    grammar_right += SameCommand(dialog.Understand(grammar->text), want);
  });
  const double n = static_cast<double>(items.size());
  std::cout << "clean, espeak-en-us-150 + flite-slt, " << items.size() << " commands: grammar "
            << 100 * grammar_right / n << "% exact intent, general model "
            << 100 * general_right / n << "% exact intent (" << 100 * words_right / n
            << "% word for word)\n";
  EXPECT_GT(grammar_right.load(), general_right.load());
}

}  // namespace
}  // namespace viscera
