#include "voice/speech_recognizer.h"

#include <err.h>  // sphinxbase
#include <pocketsphinx.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "core/log.h"
#include "voice/noise_suppressor.h"

namespace viscera {
namespace {

constexpr const char* kGrammarSearch = "grammar";
constexpr const char* kGeneralSearch = "general";
constexpr int kSampleRate = 16000;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// PocketSphinx logs through one process-wide FILE*. A decoder given "-logfn" opens its file and
// closes the previous one, which another thread's decoder may be writing to at that moment (heap
// corruption, seen in CI as "malloc(): unaligned tcache chunk" with four recognisers loading the
// general model in parallel). So no decoder names a log file; the log is switched off once.
void SilencePocketSphinxLogOnce() {
  static std::once_flag once;
  std::call_once(once, [] { err_set_logfp(nullptr); });
}

Error DecoderError(const std::string& what) {
  return MakeError(ErrorCode::kIoError, "speech recogniser: " + what);
}

struct DecoderFree {
  void operator()(ps_decoder_t* decoder) const { ps_free(decoder); }
};
using DecoderPtr = std::unique_ptr<ps_decoder_t, DecoderFree>;

// A decoder that knows only the grammar's words (a few hundred instead of the 134,000 of
// cmudict: ~25 ms instead of ~220 ms), searching the grammar.
Expected<DecoderPtr> NewGrammarDecoder(std::vector<std::string> args, const SpeechGrammar& grammar,
                                       const PronunciationDictionary& dictionary) {
  SilencePocketSphinxLogOnce();
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  cmd_ln_t* config =
      cmd_ln_parse_r(nullptr, ps_args(), static_cast<int32>(argv.size()), argv.data(), TRUE);
  if (!config) return DecoderError("invalid decoder configuration");
  DecoderPtr decoder(ps_init(config));
  cmd_ln_free_r(config);  // the decoder holds its own reference
  if (!decoder) return DecoderError("cannot initialise PocketSphinx with " + args[1]);
  for (const std::string& word : grammar.words) {
    const auto& pronunciations = dictionary.Pronunciations(word);
    for (size_t i = 0; i < pronunciations.size(); ++i) {
      const std::string name = i == 0 ? word : word + "(" + std::to_string(i + 1) + ")";
      const bool last = &word == &*grammar.words.rbegin() && i + 1 == pronunciations.size();
      if (ps_add_word(decoder.get(), name.c_str(), pronunciations[i].c_str(), last) < 0) {
        return DecoderError("cannot add the word \"" + name + "\"");
      }
    }
  }
  if (ps_set_jsgf_string(decoder.get(), kGrammarSearch, grammar.jsgf.c_str()) < 0) {
    return DecoderError("PocketSphinx refused the generated grammar");
  }
  if (ps_set_search(decoder.get(), kGrammarSearch) < 0) {
    return DecoderError("cannot select the grammar search");
  }
  return decoder;
}

}  // namespace

std::filesystem::path DefaultSpeechModelDir() {
  if (const char* env = std::getenv("VISCERA_POCKETSPHINX_MODEL"); env && *env) return env;
  return VISCERA_POCKETSPHINX_MODEL_DIR;
}

struct SpeechRecognizer::Impl {
  SpeechRecognizerOptions options;
  SpeechGrammar grammar;
  // Two decoders when noise suppression is on. `live` hears the audio as it comes and gives the
  // partials and the end of speech; `whole` hears the suppressed audio, live too (its front end's
  // own noise estimate then has followed this utterance), and decodes the whole utterance at the
  // end. Measured on the command corpus: suppressed audio in the live pass missed the end of
  // speech in 8% of the 10 dB commands; the final decode without its own live pass lost most of
  // the suppressor's gain (white noise at 10 dB: 52% without suppression, 57% so, 60% as here).
  DecoderPtr live;
  DecoderPtr whole_owner;  // null when noise suppression is off: `live` decodes both
  ps_decoder_t* whole = nullptr;
  bool general_loaded = false;
  bool in_utterance = false;
  bool heard_speech = false;
  NoiseSuppressor suppressor;
  std::vector<int16_t> utterance;  // what was fed since Start() (suppressed), for the final decode
  std::string last_partial;
  double decode_seconds = 0;

  // The samples the decoder gets: through the noise suppressor when it is on. `last` ends the
  // segment (the suppressor's held-back hop comes out).
  std::vector<int16_t> FrontEnd(std::span<const int16_t> samples, bool last) {
    if (!options.noise_suppression) return {samples.begin(), samples.end()};
    std::vector<int16_t> out = suppressor.Process(samples);
    if (last) {
      const auto tail = suppressor.Flush();
      out.insert(out.end(), tail.begin(), tail.end());
    }
    return out;
  }

  // Ends the utterance in progress, if any, on both decoders; false when PocketSphinx refused.
  bool EndLivePasses() {
    if (!in_utterance) return true;
    in_utterance = false;
    bool ok = ps_end_utt(live.get()) >= 0;
    if (whole_owner) ok = ps_end_utt(whole) >= 0 && ok;
    return ok;
  }

  // The full dictionary and the language model, on first use: ~0.5 s that most sessions, which
  // only say commands, never pay.
  Status LoadGeneralModel() {
    if (general_loaded) return Ok{};
    const auto start = std::chrono::steady_clock::now();
    const auto dict = options.model_dir / "cmudict-en-us.dict";
    const auto lm = options.model_dir / "en-us.lm.bin";
    if (ps_load_dict(whole, dict.c_str(), nullptr, nullptr) < 0) {
      return DecoderError(dict.string() + ": cannot load the pronunciation dictionary");
    }
    if (ps_set_lm_file(whole, kGeneralSearch, lm.c_str()) < 0) {
      return DecoderError(lm.string() + ": cannot load the language model");
    }
    general_loaded = true;
    LogInfo("speech recogniser: general language model loaded in " +
            std::to_string(SecondsSince(start)) + " s");
    return Ok{};
  }

  // The final transcript of `utterance`. It comes from a pass over the whole utterance with its
  // own cepstral mean (batch CMN), not from the live pass, whose running mean carries over from
  // earlier utterances: measured on the command corpus (two voices), clean 72% -> 81% and white
  // noise at 20 dB 45% -> 60% exact. It costs one more decode (RTF ~0.08) after the end of speech.
  Expected<Transcript> DecodeUtterance() {
    Transcript transcript;
    transcript.audio_seconds = static_cast<double>(utterance.size()) / kSampleRate;
    if (utterance.empty()) return transcript;
    const bool started = ps_start_utt(whole) >= 0;
    const bool processed =
        started && ps_process_raw(whole, utterance.data(), utterance.size(), FALSE, TRUE) >= 0;
    if (started) ps_end_utt(whole);
    if (!processed) return DecoderError("decoding the utterance failed");
    if (const char* hyp = ps_get_hyp(whole, nullptr)) transcript.text = hyp;
    if (transcript.text.empty() && options.general_model_fallback) {
      VISCERA_ASSIGN_OR_RETURN(transcript.text, DecodeWithGeneralModel(utterance));
      transcript.from_grammar = false;
    }
    return transcript;
  }

  Expected<std::string> DecodeWithGeneralModel(std::span<const int16_t> samples) {
    VISCERA_RETURN_IF_ERROR(LoadGeneralModel());
    if (ps_set_search(whole, kGeneralSearch) < 0) return DecoderError("cannot select the LM");
    std::string text;
    const bool started = ps_start_utt(whole) >= 0;
    const bool processed =
        started && ps_process_raw(whole, samples.data(), samples.size(), FALSE, TRUE) >= 0;
    if (started) ps_end_utt(whole);
    if (const char* hyp = processed ? ps_get_hyp(whole, nullptr) : nullptr) text = hyp;
    if (ps_set_search(whole, kGrammarSearch) < 0) return DecoderError("cannot reselect grammar");
    if (!processed) return DecoderError("the general model failed to decode the utterance");
    return text;
  }
};

SpeechRecognizer::SpeechRecognizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SpeechRecognizer::~SpeechRecognizer() = default;

Expected<std::unique_ptr<SpeechRecognizer>> SpeechRecognizer::Create(
    const GrammarSpec& spec, SpeechRecognizerOptions options) {
  if (options.trailing_silence_ms < 100 || options.trailing_silence_ms > 3000) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "speech recogniser: trailing_silence_ms must be in 100..3000, got " +
                         std::to_string(options.trailing_silence_ms));
  }
  if (!(options.max_utterance_seconds >= 1 && options.max_utterance_seconds <= 120)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "speech recogniser: max_utterance_seconds must be in 1..120, got " +
                         std::to_string(options.max_utterance_seconds));
  }
  const auto acoustic = options.model_dir / "en-us";
  if (!std::filesystem::exists(acoustic / "mdef")) {
    return MakeError(
        ErrorCode::kNotFound,
        acoustic.string() + ": no PocketSphinx acoustic model (install pocketsphinx-en-us)");
  }
  VISCERA_ASSIGN_OR_RETURN(
      auto dictionary, PronunciationDictionary::Shared(options.model_dir / "cmudict-en-us.dict"));
  auto impl = std::make_unique<Impl>();
  VISCERA_ASSIGN_OR_RETURN(impl->grammar, BuildSpeechGrammar(spec, *dictionary));
  if (!impl->grammar.dropped.empty()) {
    // One line per recogniser (one per session): the full list is in grammar().dropped.
    LogInfo("speech grammar: " + std::to_string(impl->grammar.dropped.size()) +
            " phrases or slot values left out for lack of a pronunciation, e.g. " +
            impl->grammar.dropped.front());
  }

  // One frame is 10 ms: the VAD leaves speech after this many non-speech frames.
  const std::string postspeech = std::to_string(options.trailing_silence_ms / 10);
  // -bestpath no: the grammar's best path without a lattice pass halves the decode time at the
  // same accuracy (measured on the corpus's clean half of four voices: 80% vs 84% exact, within
  // the run-to-run spread; RTF 0.17 -> 0.08). Wider or narrower beams, -lw, -wip, -pip, -topn,
  // -frate, -dither and switching noise removal off did not do better (bench/RESULTS.md).
  std::vector<std::string> args = {
      "-hmm",     acoustic.string(), "-samprate", std::to_string(kSampleRate), "-vad_postspeech",
      postspeech, "-bestpath",       "no"};
  VISCERA_ASSIGN_OR_RETURN(impl->live, NewGrammarDecoder(args, impl->grammar, *dictionary));
  if (options.noise_suppression) {
    VISCERA_ASSIGN_OR_RETURN(impl->whole_owner,
                             NewGrammarDecoder(args, impl->grammar, *dictionary));
  }
  impl->whole = impl->whole_owner ? impl->whole_owner.get() : impl->live.get();
  impl->options = std::move(options);
  return std::unique_ptr<SpeechRecognizer>(new SpeechRecognizer(std::move(impl)));
}

Status SpeechRecognizer::Start() {
  Impl& s = *impl_;
  s.EndLivePasses();
  s.suppressor.Flush();  // what an abandoned utterance left in it
  if (ps_start_utt(s.live.get()) < 0) return DecoderError("cannot start an utterance");
  if (s.whole_owner && ps_start_utt(s.whole) < 0) {
    ps_end_utt(s.live.get());
    return DecoderError("cannot start an utterance");
  }
  s.in_utterance = true;
  s.heard_speech = false;
  s.utterance.clear();
  s.last_partial.clear();
  s.decode_seconds = 0;
  return Ok{};
}

Expected<SpeechUpdate> SpeechRecognizer::Feed(std::span<const int16_t> samples) {
  Impl& s = *impl_;
  if (!s.in_utterance) {
    return MakeError(ErrorCode::kInvalidArgument, "speech recogniser: Feed() before Start()");
  }
  const double max_samples = s.options.max_utterance_seconds * kSampleRate;
  if (static_cast<double>(s.utterance.size() + samples.size()) > max_samples) {
    return MakeError(ErrorCode::kTooLarge, "speech recogniser: utterance longer than " +
                                               std::to_string(s.options.max_utterance_seconds) +
                                               " s");
  }
  const auto start = std::chrono::steady_clock::now();
  const std::vector<int16_t> suppressed = s.FrontEnd(samples, false);
  s.utterance.insert(s.utterance.end(), suppressed.begin(), suppressed.end());
  if (!samples.empty() &&
      ps_process_raw(s.live.get(), samples.data(), samples.size(), FALSE, FALSE) < 0) {
    return DecoderError("decoding failed");
  }
  if (s.whole_owner && !suppressed.empty() &&
      ps_process_raw(s.whole, suppressed.data(), suppressed.size(), FALSE, FALSE) < 0) {
    return DecoderError("decoding failed");
  }
  SpeechUpdate update;
  const bool in_speech = ps_get_in_speech(s.live.get()) != 0;
  s.heard_speech = s.heard_speech || in_speech;
  update.speech_ended = s.heard_speech && !in_speech;
  if (const char* hyp = ps_get_hyp(s.live.get(), nullptr)) update.partial = hyp;
  s.decode_seconds += SecondsSince(start);
  update.partial_changed = update.partial != s.last_partial;
  s.last_partial = update.partial;
  return update;
}

Expected<Transcript> SpeechRecognizer::Finish() {
  Impl& s = *impl_;
  if (!s.in_utterance) {
    return MakeError(ErrorCode::kInvalidArgument, "speech recogniser: Finish() before Start()");
  }
  const auto start = std::chrono::steady_clock::now();
  const std::vector<int16_t> tail = s.FrontEnd({}, true);
  s.utterance.insert(s.utterance.end(), tail.begin(), tail.end());
  if (!s.EndLivePasses()) return DecoderError("cannot end the utterance");
  VISCERA_ASSIGN_OR_RETURN(Transcript transcript, s.DecodeUtterance());
  transcript.decode_seconds += s.decode_seconds + SecondsSince(start);
  return transcript;
}

Expected<Transcript> SpeechRecognizer::Recognize(std::span<const int16_t> samples) {
  Impl& s = *impl_;
  s.EndLivePasses();
  const auto start = std::chrono::steady_clock::now();
  s.suppressor.Flush();
  s.utterance = s.FrontEnd(samples, true);
  VISCERA_ASSIGN_OR_RETURN(Transcript transcript, s.DecodeUtterance());
  transcript.decode_seconds = SecondsSince(start);
  return transcript;
}

Expected<Transcript> SpeechRecognizer::RecognizeWithGeneralModel(std::span<const int16_t> samples) {
  Impl& s = *impl_;
  s.EndLivePasses();
  const auto start = std::chrono::steady_clock::now();
  Transcript transcript;
  transcript.from_grammar = false;
  transcript.audio_seconds = static_cast<double>(samples.size()) / kSampleRate;
  s.suppressor.Flush();
  VISCERA_ASSIGN_OR_RETURN(transcript.text, s.DecodeWithGeneralModel(s.FrontEnd(samples, true)));
  transcript.decode_seconds = SecondsSince(start);
  return transcript;
}

const SpeechGrammar& SpeechRecognizer::grammar() const {
  return impl_->grammar;
}

}  // namespace viscera
