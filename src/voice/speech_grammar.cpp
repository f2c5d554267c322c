#include "voice/speech_grammar.h"

#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

namespace viscera {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsLetter(char c) {
  return c >= 'a' && c <= 'z';
}

// Lower case; anything but letters, digits, apostrophes and (when `keep_braces`) slot braces
// becomes a space.
std::vector<std::string> Tokens(std::string_view text, bool keep_braces) {
  std::vector<std::string> tokens;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) tokens.push_back(std::move(current));
    current.clear();
  };
  for (char raw : text) {
    const char c = (raw >= 'A' && raw <= 'Z') ? static_cast<char>(raw - 'A' + 'a') : raw;
    if (IsLetter(c) || IsDigit(c) || c == '\'' || c == '_' ||
        (keep_braces && (c == '{' || c == '}'))) {
      current.push_back(c);
    } else {
      flush();
    }
  }
  flush();
  return tokens;
}

// Acronyms up to this many letters are spelled letter by letter ("ivc" -> "i v c"); longer
// unknown words are more likely names the dictionary lacks, where letters would be wrong.
constexpr size_t kMaxSpelledLetters = 4;

// The spoken words for one written word, or nothing when it cannot be said.
std::optional<std::vector<std::string>> SpellWord(const std::string& word,
                                                  const PronunciationDictionary& dictionary) {
  if (dictionary.Contains(word)) return std::vector<std::string>{word};
  // Words the dictionary spells with an apostrophe ("what's") are said only as it has them.
  if (word.find('\'') != std::string::npos) return std::nullopt;
  // Runs of letters and of digits ("t12" -> "t", "12"); underscores separate words.
  std::vector<std::string> runs;
  bool new_run = true;
  for (char c : word) {
    if (c == '_') {
      new_run = true;
      continue;
    }
    if (new_run || IsDigit(runs.back().back()) != IsDigit(c)) runs.emplace_back();
    runs.back().push_back(c);
    new_run = false;
  }
  std::vector<std::string> spoken;
  for (const std::string& run : runs) {
    if (dictionary.Contains(run)) {
      spoken.push_back(run);
    } else if (IsDigit(run[0])) {
      if (run.size() > 6) return std::nullopt;
      for (const std::string& w : Tokens(NumberToWords(std::stoll(run)), false)) {
        if (!dictionary.Contains(w)) return std::nullopt;
        spoken.push_back(w);
      }
    } else if (run.size() <= kMaxSpelledLetters) {
      for (char c : run) {
        const std::string letter(1, c);
        if (!dictionary.Contains(letter)) return std::nullopt;
        spoken.push_back(letter);
      }
    } else {
      return std::nullopt;
    }
  }
  if (spoken.empty()) return std::nullopt;
  return spoken;
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// A JSGF rule name for a slot: letters, digits and underscores only.
std::string RuleName(const std::string& slot) {
  std::string name = "slot_";
  for (char c : slot) name.push_back((IsLetter(c) || IsDigit(c)) ? c : '_');
  return name;
}

struct Sayer {
  const PronunciationDictionary& dictionary;
  SpeechGrammar& grammar;

  // The text's spoken words, or nothing (with `why` set) when a word cannot be said.
  std::optional<std::vector<std::string>> Say(std::string_view text, std::string& why) {
    std::vector<std::string> out;
    for (const std::string& token : Tokens(text, false)) {
      auto spoken = SpellWord(token, dictionary);
      if (!spoken) {
        why = "no pronunciation for \"" + token + "\"";
        return std::nullopt;
      }
      if (spoken->size() != 1 || (*spoken)[0] != token) grammar.respelled[token] = Join(*spoken);
      for (auto& w : *spoken) {
        grammar.words.insert(w);
        out.push_back(std::move(w));
      }
    }
    if (out.empty()) why = "no words";
    if (out.empty()) return std::nullopt;
    return out;
  }

  // Each text said, duplicates and unsayable ones left out (reported as `what` "value").
  std::vector<std::string> SayAll(const std::vector<std::string>& texts, const std::string& what) {
    std::vector<std::string> alternatives;
    std::set<std::string> seen;
    for (const std::string& text : texts) {
      std::string why;
      auto words = Say(text, why);
      if (!words) {
        grammar.dropped.push_back(what + " \"" + text + "\": " + why);
        continue;
      }
      std::string joined = Join(*words);
      if (seen.insert(joined).second) alternatives.push_back(std::move(joined));
    }
    return alternatives;
  }
};

void AppendAlternatives(std::ostringstream& out, const std::vector<std::string>& alternatives,
                        const char* indent) {
  for (size_t i = 0; i < alternatives.size(); ++i) {
    out << (i == 0 ? "" : std::string("\n") + indent + "| ") << alternatives[i];
  }
}

}  // namespace

Expected<PronunciationDictionary> PronunciationDictionary::Load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return MakeError(ErrorCode::kNotFound,
                     path.string() + ": cannot open the pronunciation dictionary");
  }
  PronunciationDictionary dictionary;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty() || line[0] == ';' || line[0] == '#') continue;
    const size_t space = line.find_first_of(" \t");
    const size_t phones = line.find_first_not_of(" \t", space);
    if (space == std::string::npos || phones == std::string::npos) {
      return MakeError(ErrorCode::kCorruptData, path.string() + ":" + std::to_string(line_number) +
                                                    ": expected \"word PHONES\"");
    }
    std::string word = line.substr(0, space);
    if (const size_t paren = word.find('('); paren != std::string::npos && paren > 0) {
      word.resize(paren);  // "liver(2)": an alternative pronunciation
    }
    dictionary.entries_[word].push_back(line.substr(phones));
  }
  if (dictionary.entries_.empty()) {
    return MakeError(ErrorCode::kCorruptData, path.string() + ": no words");
  }
  return dictionary;
}

Expected<std::shared_ptr<const PronunciationDictionary>> PronunciationDictionary::Shared(
    const std::filesystem::path& path) {
  static std::mutex mutex;
  static std::map<std::filesystem::path, std::shared_ptr<const PronunciationDictionary>> cache;
  std::lock_guard lock(mutex);
  if (auto it = cache.find(path); it != cache.end()) return it->second;
  VISCERA_ASSIGN_OR_RETURN(auto dictionary, Load(path));
  auto shared = std::make_shared<const PronunciationDictionary>(std::move(dictionary));
  cache[path] = shared;
  return shared;
}

const std::vector<std::string>& PronunciationDictionary::Pronunciations(
    std::string_view word) const {
  static const std::vector<std::string> kNone;
  const auto it = entries_.find(std::string(word));
  return it == entries_.end() ? kNone : it->second;
}

std::string NumberToWords(int64_t n) {
  static const char* kOnes[] = {"zero",    "one",     "two",       "three",    "four",
                                "five",    "six",     "seven",     "eight",    "nine",
                                "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                                "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  static const char* kTens[] = {"",      "",      "twenty",  "thirty", "forty",
                                "fifty", "sixty", "seventy", "eighty", "ninety"};
  VISCERA_CHECK(n >= 0 && n <= 999999, "NumberToWords: 0..999999");
  if (n < 20) return kOnes[n];
  if (n < 100) return std::string(kTens[n / 10]) + (n % 10 ? std::string(" ") + kOnes[n % 10] : "");
  if (n < 1000) {
    return std::string(kOnes[n / 100]) + " hundred" + (n % 100 ? " " + NumberToWords(n % 100) : "");
  }
  return NumberToWords(n / 1000) + " thousand" + (n % 1000 ? " " + NumberToWords(n % 1000) : "");
}

Expected<SpeechGrammar> BuildSpeechGrammar(const GrammarSpec& spec,
                                           const PronunciationDictionary& dictionary) {
  SpeechGrammar grammar;
  Sayer sayer{dictionary, grammar};

  std::map<std::string, std::vector<std::string>> slot_alternatives;
  for (const auto& [slot, values] : spec.slots) {
    slot_alternatives[slot] = sayer.SayAll(values, slot + " value");
  }

  // PocketSphinx expands a rule at every reference, so a slot named by 80 phrases would copy its
  // 200 structure names 80 times (~1 s to compile). Phrases that continue identically from their
  // first slot on share one reference: "(hide | remove | get rid of) <slot_structures>". The
  // language stays exactly the union of the phrases.
  std::vector<std::string> tails;  // in first-seen order; "" for a phrase without slots
  std::map<std::string, std::vector<std::string>> heads;  // tail -> the words before it
  std::vector<std::string> plain;                         // phrases without slots
  std::set<std::string> seen_phrases;
  std::set<std::string> used_slots;
  for (const std::string& phrase : spec.phrases) {
    std::vector<std::string> parts;
    std::string why;
    size_t first_slot = std::string::npos;
    for (const std::string& token : Tokens(phrase, true)) {
      if (token.front() == '{') {
        const std::string slot = token.substr(1, token.size() - (token.back() == '}' ? 2 : 1));
        const auto it = slot_alternatives.find(slot);
        if (it == slot_alternatives.end()) {
          why = "unknown slot " + slot;
        } else if (it->second.empty()) {
          why = "slot " + slot + " has no value that can be said";
        } else {
          if (first_slot == std::string::npos) first_slot = parts.size();
          parts.push_back("<" + RuleName(slot) + ">");
          used_slots.insert(slot);
          continue;
        }
        break;
      }
      auto words = sayer.Say(token, why);
      if (!words) break;
      for (auto& w : *words) parts.push_back(std::move(w));
    }
    if (!why.empty() || parts.empty()) {
      grammar.dropped.push_back("phrase \"" + phrase + "\": " + (why.empty() ? "no words" : why));
      continue;
    }
    if (!seen_phrases.insert(Join(parts)).second) continue;
    if (first_slot == std::string::npos) {
      plain.push_back(Join(parts));
      continue;
    }
    const std::string tail = Join({parts.begin() + first_slot, parts.end()});
    auto [it, added] = heads.try_emplace(tail);
    if (added) tails.push_back(tail);
    it->second.push_back(Join({parts.begin(), parts.begin() + first_slot}));
  }
  std::vector<std::string> phrases = plain;
  for (const std::string& tail : tails) {
    std::vector<std::string>& head = heads[tail];
    const bool optional = std::erase(head, std::string()) > 0;
    std::string group;
    for (const std::string& h : head) group += (group.empty() ? "" : " | ") + h;
    if (head.empty()) {
      phrases.push_back(tail);
    } else if (head.size() == 1 && !optional) {
      phrases.push_back(group + " " + tail);
    } else {
      phrases.push_back((optional ? "[" : "(") + group + (optional ? "] " : ") ") + tail);
    }
  }
  if (phrases.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "speech grammar: none of the " + std::to_string(spec.phrases.size()) +
                         " phrases can be said with the pronunciation dictionary");
  }
  const auto leading = sayer.SayAll(spec.leading_fillers, "leading filler");
  const auto trailing = sayer.SayAll(spec.trailing_fillers, "trailing filler");

  std::ostringstream out;
  out << "#JSGF V1.0;\n\ngrammar viscera;\n\npublic <command> = ";
  if (!leading.empty()) out << "[<leading>] ";
  out << "(\n    ";
  AppendAlternatives(out, phrases, "  ");
  out << "\n  )";
  if (!trailing.empty()) out << " [<trailing>]";
  out << ";\n";
  auto rule = [&](const std::string& name, const std::vector<std::string>& alternatives) {
    out << "\n<" << name << "> =\n    ";
    AppendAlternatives(out, alternatives, "  ");
    out << ";\n";
  };
  if (!leading.empty()) rule("leading", leading);
  if (!trailing.empty()) rule("trailing", trailing);
  for (const std::string& slot : used_slots) rule(RuleName(slot), slot_alternatives[slot]);
  grammar.jsgf = out.str();
  return grammar;
}

}  // namespace viscera
