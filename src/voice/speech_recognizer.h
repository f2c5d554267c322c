// Offline speech recognition of commands (PocketSphinx behind this interface; only
// speech_recognizer.cpp includes it). Recognition is constrained by a JSGF grammar made from the
// dialog manager's GrammarSpec (speech_grammar.h); when the grammar search finds nothing, the
// buffered utterance is decoded again with the general English language model, so free text
// still gets a transcript.
//
// Streaming, as from a browser microphone: Start(), then Feed() each chunk (any size; ~100 ms) as
// it arrives; Feed() decodes live for partial transcripts and, once speech was heard and
// `trailing_silence_ms` of non-speech followed, reports speech_ended; the caller then calls
// Finish(), which decodes the buffered utterance once more as a whole (more exact than the live
// pass: the utterance's own cepstral mean) for the final transcript. That final decode hears the
// audio through a noise suppressor (voice/noise_suppressor.h; an option, on by default).
//
// Not thread-safe by design: a recogniser holds its decoders' state, which carries from one
// utterance to the next as the microphone's noise does; use one per session (or per thread).
// Different recognisers may run in parallel.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "core/expected.h"
#include "voice/grammar_spec.h"
#include "voice/speech_grammar.h"

namespace viscera {

// The acoustic model, dictionary and language model (Debian's pocketsphinx-en-us):
// $VISCERA_POCKETSPHINX_MODEL, else /usr/share/pocketsphinx/model/en-us.
std::filesystem::path DefaultSpeechModelDir();

struct SpeechRecognizerOptions {
  // Holds en-us/ (acoustic model), cmudict-en-us.dict and en-us.lm.bin.
  std::filesystem::path model_dir = DefaultSpeechModelDir();
  // Non-speech after speech that ends an utterance (100..3000 ms).
  int trailing_silence_ms = 500;
  // Decode again with the general model when the grammar search yields nothing.
  bool general_model_fallback = true;
  // Stationary noise taken out of the audio before decoding (voice/noise_suppressor.h).
  bool noise_suppression = true;
  // Longest utterance kept for the fallback decode (1..120 s); Feed() fails past it.
  double max_utterance_seconds = 30;
};

struct SpeechUpdate {
  std::string partial;           // the best hypothesis so far (grammar search)
  bool partial_changed = false;  // differs from the previous update's
  bool speech_ended = false;     // speech was heard, then trailing_silence_ms of non-speech
};

struct Transcript {
  std::string text;           // lower-case words; empty when nothing was recognised
  bool from_grammar = true;   // false when the general model produced it
  double audio_seconds = 0;   // audio fed for this utterance
  double decode_seconds = 0;  // wall time spent decoding it (all searches)
};

class SpeechRecognizer {
 public:
  // Builds the grammar (errors when no phrase can be said) and the decoder: ~70 ms (measured
  // for the demo abdomen's grammar; the first one in a process also loads the shared
  // pronunciation dictionary, ~0.2 s). Only the grammar's words go into the decoder; the general
  // model (~0.5 s) is loaded on first use.
  static Expected<std::unique_ptr<SpeechRecognizer>> Create(const GrammarSpec& spec,
                                                            SpeechRecognizerOptions options = {});
  ~SpeechRecognizer();
  SpeechRecognizer(const SpeechRecognizer&) = delete;
  SpeechRecognizer& operator=(const SpeechRecognizer&) = delete;

  // Begins an utterance (an unfinished one is discarded).
  Status Start();
  // 16 kHz mono 16-bit samples. Fails when no utterance was started or it grew too long.
  Expected<SpeechUpdate> Feed(std::span<const int16_t> samples_16k_mono);
  // Ends the utterance: the grammar's transcript of the whole utterance, or the general model's
  // when the grammar yields nothing (fallback). Takes ~0.1 s of decoding per second of audio.
  Expected<Transcript> Finish();
  // One-shot: what Finish() would say for this audio (without the live pass).
  Expected<Transcript> Recognize(std::span<const int16_t> samples_16k_mono);
  // The general model alone on the whole audio (no grammar): for comparisons and free text.
  Expected<Transcript> RecognizeWithGeneralModel(std::span<const int16_t> samples_16k_mono);

  // The grammar in use, with what was respelled or dropped.
  const SpeechGrammar& grammar() const;

 private:
  struct Impl;
  explicit SpeechRecognizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace viscera
