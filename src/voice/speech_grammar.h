// GrammarSpec (what the dialog manager expects to hear) -> a JSGF grammar the recogniser can use.
// Every word of a grammar must have a pronunciation, so words missing from the pronunciation
// dictionary are spelled out when that works ("30" -> "thirty", "ivc" -> "i v c") and the
// phrase or slot value is dropped otherwise; both are reported, never silent.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/expected.h"
#include "voice/grammar_spec.h"

namespace viscera {

// A CMU-format pronunciation dictionary ("word PH O N ES", alternatives as "word(2) ...").
class PronunciationDictionary {
 public:
  // Errors name the file and line.
  static Expected<PronunciationDictionary> Load(const std::filesystem::path& path);
  // Loaded once per process and path, then shared (read-only) by every recogniser.
  static Expected<std::shared_ptr<const PronunciationDictionary>> Shared(
      const std::filesystem::path& path);

  bool Contains(std::string_view word) const { return entries_.count(std::string(word)) != 0; }
  // The word's pronunciations ("HH AY D"), first the main one; empty when unknown.
  const std::vector<std::string>& Pronunciations(std::string_view word) const;
  size_t size() const { return entries_.size(); }

 private:
  std::unordered_map<std::string, std::vector<std::string>> entries_;
};

struct SpeechGrammar {
  std::string jsgf;             // "#JSGF V1.0; grammar viscera; public <command> = ..."
  std::set<std::string> words;  // every word it uses, all in the dictionary
  // Spoken forms that replaced a written word: "30" -> "thirty", "ivc" -> "i v c". Transcripts
  // carry the spoken form.
  std::map<std::string, std::string> respelled;
  // What could not be said with the dictionary, one line each:
  // "phrase \"zoom to {foo}\": unknown slot foo", "structures value \"xq7z\": no pronunciation".
  std::vector<std::string> dropped;
};

// Rules: one per slot (<slot_structures> = liver | left kidney | ...;), the phrases as
// alternatives of the public <command> rule, fillers optional around it. Text is lower-cased,
// punctuation other than apostrophes becomes a space. Fails (kInvalidArgument) only when no phrase
// is left.
Expected<SpeechGrammar> BuildSpeechGrammar(const GrammarSpec& spec,
                                           const PronunciationDictionary& dictionary);

// 0..999999 in words: 30 -> "thirty", 125 -> "one hundred twenty five".
std::string NumberToWords(int64_t n);

}  // namespace viscera
