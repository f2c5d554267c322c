#include "voice/dialog_manager.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include "voice/words.h"

namespace viscera {

namespace {

constexpr size_t kLongestSentence = 1000;  // characters; commands are a few words
constexpr double kTypoCredit = 0.8;        // a word matched within typo distance
constexpr double kUnknownBelow = 0.51;     // at or under half the words: nothing to suggest

// One piece of the heard sentence: a word, or words that fill a slot. A piece can fill several
// slots ("left": a direction or a side; "lung": a structure or a preset); the example it is
// matched against decides which.
struct Unit {
  std::string literal;                          // the word itself ("" for multi-word pieces)
  std::map<std::string, nlohmann::json> slots;  // "{direction}" -> "left"
  std::set<int> labels;                         // for "{structures}"
  std::vector<std::string> spoken;              // the structures as heard
};

bool IsPlaceholder(const std::string& token) {
  return token.size() > 2 && token[0] == '{';
}

std::vector<std::string> SplitOnSpaces(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (c != ' ') {
      word += c;
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::vector<std::string> RewriteSynonyms(const std::vector<std::string>& words,
                                         const IntentCatalog& catalog) {
  std::vector<std::string> out;
  for (const auto& w : words) {
    auto it = catalog.word_synonyms.find(w);
    if (it == catalog.word_synonyms.end()) {
      out.push_back(w);
    } else {
      for (auto& s : SplitWords(it->second)) out.push_back(std::move(s));
    }
  }
  return out;
}

// A plain word within typo distance of one of the slot's one-word values ("axil" -> axial).
std::optional<nlohmann::json> SlotValueTypo(const Unit& unit, const std::string& placeholder,
                                            const IntentCatalog& catalog) {
  if (unit.literal.empty() || !unit.slots.empty() || placeholder == "{structures}" ||
      placeholder == "{number}")
    return std::nullopt;
  auto values = catalog.slot_values.find(placeholder.substr(1, placeholder.size() - 2));
  if (values == catalog.slot_values.end()) return std::nullopt;
  for (const auto& [spoken, value] : values->second) {
    if (spoken.find(' ') == std::string::npos && WithinTypo(unit.literal, spoken)) return value;
  }
  return std::nullopt;
}

// Recognisers spell short acronyms letter by letter ("i v c"): read them as one word ("ivc").
std::vector<std::string> JoinSpelledLetters(std::vector<std::string> words) {
  std::vector<std::string> out;
  for (size_t i = 0; i < words.size();) {
    size_t end = i;
    while (end < words.size() && words[end].size() == 1 && std::isalpha(words[end][0])) ++end;
    if (end - i >= 2) {
      std::string joined;
      for (size_t k = i; k < end; ++k) joined += words[k];
      out.push_back(std::move(joined));
      i = end;
    } else {
      out.push_back(std::move(words[i++]));
    }
  }
  return out;
}

std::string SpokenList(const std::vector<std::string>& names) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " and " : ", ";
    text += "the " + names[i];
  }
  return text;
}

}  // namespace

nlohmann::json IntentMatch::ToJson() const {
  return {{"query", query},
          {"intent", intent},
          {"action", action},
          {"slots", slots},
          {"confidence", confidence},
          {"reply", reply},
          {"needs_confirmation", needs_confirmation}};
}

DialogManager::DialogManager(std::shared_ptr<const IntentCatalog> catalog,
                             const std::map<int, std::string>& label_names)
    : catalog_(std::move(catalog)), vocabulary_(*catalog_, label_names) {
  fillers_.insert(catalog_->fillers.begin(), catalog_->fillers.end());
  fillers_.insert("and");
  for (const auto& intent : catalog_->intents) {
    for (const auto& example : intent.examples) {
      // Placeholders survive synonym rewriting and filler removal untouched.
      std::vector<std::string> kept;
      for (const auto& w : SplitOnSpaces(example)) {
        if (IsPlaceholder(w)) {
          kept.push_back(w);
          continue;
        }
        for (auto& s : RewriteSynonyms({w}, *catalog_)) {
          if (!fillers_.contains(s) && (kept.empty() || kept.back() != s)) kept.push_back(s);
        }
      }
      examples_.push_back({&intent, &example, std::move(kept)});
    }
  }
}

namespace {

std::vector<Unit> Units(std::string_view sentence, const IntentCatalog& catalog,
                        const StructureVocabulary& vocabulary,
                        const std::set<std::string>& fillers) {
  const std::vector<std::string> tokens =
      RewriteSynonyms(JoinSpelledLetters(SplitWords(sentence)), catalog);
  const std::vector<StructureMention> mentions = vocabulary.Find(tokens);

  // Slot phrases: the longest one starting at each token.
  auto slot_phrases_at = [&](size_t pos, size_t* length) {
    std::map<std::string, nlohmann::json> found;
    size_t best = 0;
    for (const auto& [slot, values] : catalog.slot_values) {
      for (const auto& [spoken, value] : values) {
        const auto words = SplitWords(spoken);
        if (pos + words.size() > tokens.size() || words.size() < best) continue;
        if (!std::equal(words.begin(), words.end(), tokens.begin() + static_cast<long>(pos)))
          continue;
        if (words.size() > best) {
          best = words.size();
          found.clear();
        }
        found["{" + slot + "}"] = value;
      }
    }
    *length = best;
    return found;
  };

  std::vector<Unit> units;
  size_t mention = 0;
  for (size_t pos = 0; pos < tokens.size();) {
    Unit unit;
    size_t length = 1;
    size_t slot_length = 0;
    auto slots = slot_phrases_at(pos, &slot_length);
    if (mention < mentions.size() && mentions[mention].first == pos) {
      const auto& m = mentions[mention++];
      length = m.end - m.first;
      unit.labels = m.labels;
      unit.spoken.push_back(m.spoken);
      unit.slots["{structures}"] = true;
      if (length == 1) {
        unit.literal = tokens[pos];
        if (slot_length == 1) unit.slots.insert(slots.begin(), slots.end());
      }
    } else if (slot_length > 0) {
      length = slot_length;
      unit.slots = std::move(slots);
      if (length == 1) unit.literal = tokens[pos];
    } else if (auto number = ParseSpokenNumber(tokens, pos)) {
      length = number->tokens;
      unit.slots["{number}"] = number->value;
      if (length == 1) unit.literal = tokens[pos];
    } else {
      unit.literal = tokens[pos];
      if (fillers.contains(unit.literal)) {
        ++pos;
        continue;
      }
    }
    pos += length;
    // "the liver and the spleen": one list of structures.
    if (!units.empty() && !unit.labels.empty() && !units.back().labels.empty()) {
      Unit& list = units.back();
      list.labels.insert(unit.labels.begin(), unit.labels.end());
      list.spoken.insert(list.spoken.end(), unit.spoken.begin(), unit.spoken.end());
      list.literal.clear();
      list.slots = {{"{structures}", true}};
      continue;
    }
    if (!units.empty() && !unit.literal.empty() && unit.slots.empty() &&
        units.back().literal == unit.literal && units.back().slots.empty())
      continue;  // "all all" after synonyms
    units.push_back(std::move(unit));
  }
  return units;
}

}  // namespace

IntentMatch DialogManager::Understand(std::string_view sentence) const {
  IntentMatch result;
  result.query = std::string(sentence);
  if (sentence.size() > kLongestSentence) {
    result.intent = "unknown";
    result.reply = "That is too long for a command.";
    return result;
  }
  const std::vector<Unit> units = Units(sentence, *catalog_, vocabulary_, fillers_);

  struct Match {
    double score = 0;
    const Example* example = nullptr;
    std::vector<int> unit_of;                      // example token -> matched unit (-1: none)
    std::map<size_t, nlohmann::json> typo_values;  // slot values read through a typo
  };
  Match best;
  for (const auto& example : examples_) {
    const auto& tokens = example.tokens;
    Match m;
    m.example = &example;
    m.unit_of.assign(tokens.size(), -1);
    std::vector<bool> used(units.size(), false);
    double total = 0;
    // Placeholders first, so a word that is also a slot value goes to the literal only if free.
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t t = 0; t < tokens.size(); ++t) {
        if (IsPlaceholder(tokens[t]) != (pass == 0)) continue;
        double top = 0;
        int at = -1;
        for (size_t u = 0; u < units.size(); ++u) {
          if (used[u]) continue;
          double s = 0;
          if (pass == 0) {
            if (units[u].slots.contains(tokens[t])) {
              s = 1.0;
            } else if (auto value = SlotValueTypo(units[u], tokens[t], *catalog_)) {
              s = kTypoCredit;
              if (s > top) m.typo_values[t] = *value;
            }
          } else if (units[u].literal == tokens[t]) {
            s = 1.0;
          } else if (!units[u].literal.empty() && units[u].slots.empty() &&
                     EditDistance(units[u].literal, tokens[t]) <=
                         TypoAllowance(std::max(
                             units[u].literal, tokens[t],
                             [](const auto& a, const auto& b) { return a.size() < b.size(); }))) {
            s = kTypoCredit;
          }
          if (s > top) {
            top = s;
            at = static_cast<int>(u);
          }
        }
        if (at >= 0) {
          if (pass == 0 && top == 1.0) m.typo_values.erase(t);
          used[static_cast<size_t>(at)] = true;
          m.unit_of[t] = at;
          total += top;
        }
      }
    }
    const size_t n = units.size() + tokens.size();
    m.score = n == 0 ? 0 : 2 * total / static_cast<double>(n);
    if (m.score > best.score) best = std::move(m);
  }

  if (best.example == nullptr || best.score < kUnknownBelow) {
    result.intent = "unknown";
    result.confidence = best.score;
    result.reply = "Sorry, I did not understand \"" + result.query +
                   "\". Say \"what can I say\" to hear the commands I know.";
    return result;
  }

  // Slots from the units the best example matched.
  const IntentDefinition& intent = *best.example->intent;
  const auto& tokens = best.example->tokens;
  std::vector<std::string> spoken;
  bool missing_slot = false;
  for (size_t t = 0; t < tokens.size(); ++t) {
    if (!IsPlaceholder(tokens[t])) continue;
    const std::string slot = tokens[t].substr(1, tokens[t].size() - 2);
    if (best.unit_of[t] < 0) {
      missing_slot = true;
      continue;
    }
    const Unit& unit = units[static_cast<size_t>(best.unit_of[t])];
    if (auto typo = best.typo_values.find(t); typo != best.typo_values.end()) {
      result.slots[slot == "side" ? "view" : slot] = typo->second;
    } else if (slot == "structures") {
      nlohmann::json list = nlohmann::json::array();
      for (int label : unit.labels) {
        list.push_back({{"label", label}, {"name", vocabulary_.label_names().at(label)}});
      }
      result.slots["structures"] = std::move(list);
      spoken = unit.spoken;
    } else if (slot == "side") {
      result.slots["view"] = unit.slots.at(tokens[t]);
    } else {
      result.slots[slot] = unit.slots.at(tokens[t]);
    }
  }
  result.intent = intent.name;
  result.action = intent.action;
  result.definition = &intent;
  result.confidence = std::min(1.0, best.score);

  std::string reply = intent.reply;
  auto fill = [&](std::string text) {
    auto replace = [&](const std::string& key, const std::string& value) {
      for (size_t p; (p = text.find(key)) != std::string::npos;) text.replace(p, key.size(), value);
    };
    replace("{structures}", SpokenList(spoken));
    for (const char* slot : {"direction", "view", "preset", "orientation"}) {
      if (result.slots.contains(slot) && result.slots[slot].is_string())
        replace(std::string("{") + slot + "}", result.slots[slot].get<std::string>());
    }
    if (result.slots.contains("number"))
      replace("{number}", std::to_string(result.slots["number"].get<int>()));
    return text;
  };

  if (missing_slot) {
    result.intent = "unknown";
    result.action.clear();
    result.definition = nullptr;
    result.reply = best.example->text->find("{structures}") != std::string::npos
                       ? "Which structure? I did not recognise one in \"" + result.query + "\"."
                       : "I did not get all of that: \"" + result.query + "\".";
    return result;
  }
  result.confirmed_reply = fill(reply);
  if (result.confidence < catalog_->confidence_threshold) {
    result.needs_confirmation = true;
    std::string suggestion = fill(*best.example->text);
    // "hide {structures}" filled, but unfilled placeholders read as words.
    std::erase(suggestion, '{');
    std::erase(suggestion, '}');
    result.reply = "Did you mean " + suggestion + "?";
    return result;
  }
  result.reply = result.confirmed_reply;
  return result;
}

GrammarSpec DialogManager::Grammar() const {
  GrammarSpec spec;
  std::set<std::string> phrases;
  // People say "hide the liver", "reset the view", "rotate to the left": "the" after a verb or
  // preposition, before a thing (not "next the dataset", "3d the view").
  static const std::set<std::string> kTakesThe = {
      "hide", "show",  "remove", "make", "reset", "save",    "isolate", "only", "from", "to",
      "on",   "off",   "of",     "at",   "with",  "without", "rid",     "away", "out",  "open",
      "use",  "apply", "keep",   "back", "put",   "focus",   "switch",  "view", "look", "opacity"};
  static const std::set<std::string> kThings = {"{structures}",  "{view}",  "{side}", "{preset}",
                                                "{orientation}", "view",    "camera", "settings",
                                                "slice",         "dataset", "image",  "model"};
  for (const auto& intent : catalog_->intents) {
    for (const auto& example : intent.examples) {
      if (intent.typed_only.contains(example)) continue;
      phrases.insert(example);
      std::string with_the, previous;
      for (const auto& w : SplitOnSpaces(example)) {
        if (!with_the.empty()) with_the += ' ';
        if (w == "{direction}" && (previous == "rotate" || previous == "pan")) {
          with_the += "to the ";
        } else if (kThings.contains(w) && kTakesThe.contains(previous)) {
          with_the += "the ";
        }
        with_the += w;
        previous = w;
      }
      phrases.insert(with_the);
    }
  }
  spec.phrases.assign(phrases.begin(), phrases.end());
  spec.slots["structures"] = vocabulary_.SpokenNames();
  for (const auto& [slot, values] : catalog_->slot_values) {
    for (const auto& [spoken, value] : values) spec.slots[slot].push_back(spoken);
  }
  for (int n : {5, 10, 15, 20, 25, 30, 40, 45, 50, 60, 70, 80, 90, 100, 120, 135, 150, 180})
    spec.slots["number"].push_back(std::to_string(n));
  spec.leading_fillers = catalog_->leading_fillers;
  spec.trailing_fillers = catalog_->trailing_fillers;
  return spec;
}

}  // namespace viscera
