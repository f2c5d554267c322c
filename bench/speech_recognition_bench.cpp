// Speech recognition cost on the spoken-command corpus (tests/voice/make_speech_corpus.py): the
// real-time factor (decode seconds / audio seconds) of the grammar search, as the microphone path
// runs it (100 ms chunks, end of speech found by the recogniser, Finish), against the general
// English model on the same audio in the same process; the same path with the noise suppressor
// off (its peer: exact intent per condition and the RTF ratio); the time from the end of speech
// to the transcript; and the recogniser's set-up cost.
//
//   speech_recognition_bench [--threads 2] [--conditions clean,white10] [--corpus DIR]
//                            [--order streams|mixed]
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
  bool mixed = false;  // --order mixed: each recogniser hears all voices and conditions in turn
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--threads") threads = std::max(1, std::atoi(argv[i + 1]));
    if (flag == "--conditions") conditions = argv[i + 1];
    if (flag == "--corpus") corpus = argv[i + 1];
    if (flag == "--order") mixed = std::string(argv[i + 1]) == "mixed";
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

  // Streams of items, each heard in order by one recogniser: by default one per voice and
  // condition, as a session hears one speaker in one room (the recogniser's noise estimate
  // carries from one command to the next); with --order mixed, one per thread, every voice and
  // condition in turn.
  std::vector<std::vector<size_t>> streams;
  std::map<std::string, size_t> stream_of;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string key = mixed ? std::to_string(i % static_cast<size_t>(threads))
                                  : items[i]["voice"].get<std::string>() + "/" +
                                        items[i]["condition"].get<std::string>();
    auto [at, added] = stream_of.emplace(key, streams.size());
    if (added) streams.emplace_back();
    streams[at->second].push_back(i);
  }

  // One pass over the items: the microphone path on recognisers made with `options`, and the
  // general model (when asked) on a recogniser of its own, so it does not disturb the first one's
  // noise estimate.
  struct Pass {
    double audio_seconds = 0, grammar_seconds = 0, general_audio = 0, general_seconds = 0;
    std::vector<double> finish_seconds;
    std::map<std::string, std::pair<int, int>> right_of_condition;  // right, total
    int grammar_right = 0, general_right = 0;
    double wall = 0;
  };
  auto run = [&](const SpeechRecognizerOptions& options, bool with_general) {
    Pass pass;
    std::mutex mutex;
    std::atomic<size_t> next{0};
    std::vector<std::thread> pool;
    const auto wall_start = Clock::now();
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        auto general_recognizer = std::move(SpeechRecognizer::Create(spec, options).value());
        if (with_general) (void)general_recognizer->RecognizeWithGeneralModel(silence);
        for (size_t s; (s = next++) < streams.size();) {
          auto recognizer = std::move(SpeechRecognizer::Create(spec, options).value());
          for (size_t i : streams[s]) {
            const auto wav = ReadWavFile(corpus / items[i]["file"].get<std::string>()).value();
            const auto audio = ToMono16k(wav);
            const IntentMatch want = dialog.Understand(items[i]["phrase"].get<std::string>());
            VISCERA_CHECK(recognizer->Start().ok(), "start");
            bool ended = false;
            for (size_t at = 0; at < audio.size() && !ended; at += 1600) {
              const size_t n = std::min<size_t>(1600, audio.size() - at);
              ended =
                  recognizer->Feed(std::span<const int16_t>(audio).subspan(at, n))->speech_ended;
            }
            const auto finish_start = Clock::now();
            const Transcript grammar = recognizer->Finish().value();
            const double finish = Seconds(finish_start);
            Transcript general;
            if (with_general)
              general = general_recognizer->RecognizeWithGeneralModel(audio).value();
            const IntentMatch heard = dialog.Understand(grammar.text);
            const IntentMatch heard_general = dialog.Understand(general.text);
            const bool right = heard.intent == want.intent && heard.slots == want.slots;
            std::lock_guard lock(mutex);
            pass.audio_seconds += grammar.audio_seconds;
            pass.grammar_seconds += grammar.decode_seconds;
            pass.general_audio += general.audio_seconds;
            pass.general_seconds += general.decode_seconds;
            pass.finish_seconds.push_back(finish);
            pass.grammar_right += right;
            auto& [condition_right, condition_total] =
                pass.right_of_condition[items[i]["condition"].get<std::string>()];
            condition_right += right;
            ++condition_total;
            pass.general_right +=
                heard_general.intent == want.intent && heard_general.slots == want.slots;
          }
        }
      });
    }
    for (auto& t : pool) t.join();
    pass.wall = Seconds(wall_start);
    return pass;
  };
  auto report = [&](const char* name, const Pass& pass) {
    std::printf("%s: RTF %.4f, %.1f%% exact intent (", name,
                pass.grammar_seconds / pass.audio_seconds,
                100.0 * pass.grammar_right / static_cast<double>(items.size()));
    const char* separator = "";
    for (const auto& [condition, tally] : pass.right_of_condition) {
      std::printf("%s%s %.1f%%", separator, condition.c_str(), 100.0 * tally.first / tally.second);
      separator = ", ";
    }
    std::printf("); end of speech -> transcript p50 %.1f ms, p95 %.1f ms, max %.1f ms\n",
                1000 * Percentile(pass.finish_seconds, 0.5),
                1000 * Percentile(pass.finish_seconds, 0.95),
                1000 * Percentile(pass.finish_seconds, 1.0));
  };

  SpeechRecognizerOptions suppressed;
  SpeechRecognizerOptions raw;
  raw.noise_suppression = false;
  const Pass with = run(suppressed, true);
  const Pass without = run(raw, false);
  const double n = static_cast<double>(items.size());
  std::printf(
      "corpus: %zu utterances (%s), %.1f s of audio fed, %zu streams (%s), %d threads, %.1f s "
      "wall\n",
      items.size(), conditions.c_str(), with.audio_seconds, streams.size(),
      mixed ? "mixed" : "one per voice and condition", threads, with.wall);
  std::printf(
      "recogniser set-up: %.3f s first (with the shared dictionary), %.3f s each after; "
      "general model first use %.3f s\n",
      first_create, create, general_load);
  report("grammar, noise suppression on ", with);
  report("grammar, noise suppression off", without);
  const double grammar_rtf = with.grammar_seconds / with.audio_seconds;
  const double general_rtf = with.general_seconds / with.general_audio;
  std::printf("general model:  RTF %.4f, %.1f%% exact intent (the whole file, no endpointing)\n",
              general_rtf, 100 * with.general_right / n);
  std::printf("peer ratios: grammar / general RTF %.2f; suppression on / off RTF %.2f\n",
              grammar_rtf / general_rtf,
              grammar_rtf / (without.grammar_seconds / without.audio_seconds));
  return 0;
}
