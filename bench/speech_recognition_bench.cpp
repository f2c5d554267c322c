// Speech recognition cost on the spoken-command corpus (tests/voice/make_speech_corpus.py): the
// real-time factor (decode seconds / audio seconds) of the grammar search, as the microphone path
// runs it (100 ms chunks, end of speech found by the recogniser, Finish), against the general
// English model on the same audio in the same process; the time from the end of speech to the
// transcript; and the recogniser's set-up cost.
//
//   speech_recognition_bench [--threads 2] [--conditions clean,white10] [--corpus DIR]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/label_names.h"
#include "voice/dialog_manager.h"
#include "voice/speech_recognizer.h"
#include "voice/wav_audio.h"

namespace {
using namespace viscera;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * static_cast<double>(values.size() - 1))];
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "speech_recognition_bench: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  std::string conditions = "clean,white20,pink20,white10,pink10";
  std::filesystem::path corpus = VISCERA_SPEECH_CORPUS_DIR;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--threads") threads = std::max(1, std::atoi(argv[i + 1]));
    if (flag == "--conditions") conditions = argv[i + 1];
    if (flag == "--corpus") corpus = argv[i + 1];
  }
  const std::filesystem::path source = VISCERA_SOURCE_DIR;
  const std::string make = std::string(VISCERA_PYTHON) + " " +
                           (source / "tests/voice/make_speech_corpus.py").string() + " --phrases " +
                           (source / "tests/voice/speech_commands.txt").string() + " --out " +
                           corpus.string();
  if (std::system(make.c_str()) != 0) return Fail("cannot make the corpus: " + make);

  auto catalog = IntentCatalog::Load(DefaultIntentsPath());
  if (!catalog.ok()) return Fail(catalog.error().ToString());
  auto labels = ReadLabelNames(source / "data/demo/totalseg-abdomen/labels_total_v2.json");
  if (!labels.ok()) return Fail(labels.error().ToString());
  std::map<int, std::string> names;
  for (const auto& entry : labels->entries()) names[entry.id] = entry.name;
  const DialogManager dialog(std::make_shared<IntentCatalog>(std::move(*catalog)), names);
  const GrammarSpec spec = dialog.Grammar();

  // Set-up: the first recogniser also loads the shared pronunciation dictionary.
  auto start = Clock::now();
  auto first = SpeechRecognizer::Create(spec);
  if (!first.ok()) return Fail(first.error().ToString());
  const double first_create = Seconds(start);
  start = Clock::now();
  constexpr int kCreates = 5;
  for (int i = 0; i < kCreates; ++i) (void)SpeechRecognizer::Create(spec);
  const double create = Seconds(start) / kCreates;
  const std::vector<int16_t> silence(16000, 0);
  start = Clock::now();
  (void)(*first)->RecognizeWithGeneralModel(silence);  // loads the language model
  const double general_load = Seconds(start);

  std::ifstream in(corpus / "manifest.json");
  const auto manifest = nlohmann::json::parse(in, nullptr, false);
  if (!manifest.is_object()) return Fail((corpus / "manifest.json").string() + ": unreadable");
  std::vector<nlohmann::json> items;
  for (const auto& item : manifest["items"]) {
    if (("," + conditions + ",").find("," + item["condition"].get<std::string>() + ",") !=
        std::string::npos) {
      items.push_back(item);
    }
  }

  std::mutex mutex;
  double audio_seconds = 0, grammar_seconds = 0, general_audio = 0, general_seconds = 0;
  std::vector<double> finish_seconds;
  int grammar_right = 0, general_right = 0;
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  const auto wall_start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      auto recognizer = std::move(SpeechRecognizer::Create(spec).value());
      (void)recognizer->RecognizeWithGeneralModel(silence);  // load outside the timing
      for (size_t i; (i = next++) < items.size();) {
        const auto wav = ReadWavFile(corpus / items[i]["file"].get<std::string>()).value();
        const auto audio = ToMono16k(wav);
        const IntentMatch want = dialog.Understand(items[i]["phrase"].get<std::string>());
        VISCERA_CHECK(recognizer->Start().ok(), "start");
        bool ended = false;
        for (size_t at = 0; at < audio.size() && !ended; at += 1600) {
          const size_t n = std::min<size_t>(1600, audio.size() - at);
          ended = recognizer->Feed(std::span<const int16_t>(audio).subspan(at, n))->speech_ended;
        }
        const auto finish_start = Clock::now();
        const Transcript grammar = recognizer->Finish().value();
        const double finish = Seconds(finish_start);
        const Transcript general = recognizer->RecognizeWithGeneralModel(audio).value();
        const IntentMatch heard = dialog.Understand(grammar.text);
        const IntentMatch heard_general = dialog.Understand(general.text);
        std::lock_guard lock(mutex);
        audio_seconds += grammar.audio_seconds;
        grammar_seconds += grammar.decode_seconds;
        general_audio += general.audio_seconds;
        general_seconds += general.decode_seconds;
        finish_seconds.push_back(finish);
        grammar_right += heard.intent == want.intent && heard.slots == want.slots;
        general_right += heard_general.intent == want.intent && heard_general.slots == want.slots;
      }
    });
  }
  for (auto& t : pool) t.join();
  const double wall = Seconds(wall_start);
  const double n = static_cast<double>(items.size());
  std::printf("corpus: %zu utterances (%s), %.1f s of audio fed, %d threads, %.1f s wall\n",
              items.size(), conditions.c_str(), audio_seconds, threads, wall);
  std::printf(
      "recogniser set-up: %.3f s first (with the shared dictionary), %.3f s each after; "
      "general model first use %.3f s\n",
      first_create, create, general_load);
  std::printf("grammar search: RTF %.4f, %.1f%% exact intent\n", grammar_seconds / audio_seconds,
              100 * grammar_right / n);
  const double grammar_rtf = grammar_seconds / audio_seconds;
  const double general_rtf = general_seconds / general_audio;
  std::printf("general model:  RTF %.4f, %.1f%% exact intent (the whole file, no endpointing)\n",
              general_rtf, 100 * general_right / n);
  std::printf("peer ratio grammar / general RTF: %.2f\n", grammar_rtf / general_rtf);
  std::printf("end of speech -> transcript (Finish): p50 %.1f ms, p95 %.1f ms, max %.1f ms\n",
              1000 * Percentile(finish_seconds, 0.5), 1000 * Percentile(finish_seconds, 0.95),
              1000 * Percentile(finish_seconds, 1.0));
  return 0;
}
