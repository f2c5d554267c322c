#include "voice/structure_vocabulary.h"

#include <algorithm>
#include <limits>

#include "voice/words.h"

namespace viscera {

namespace {

// Words that narrow a structure down without naming one: "left" alone is a direction.
bool IsModifier(const std::string& word) {
  static const std::set<std::string> kModifiers = {"left", "right", "upper", "lower", "middle"};
  return kModifiers.contains(word) ||
         std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Never part of a structure name, however a span is cut.
bool IsJoiner(const std::string& word) {
  return word == "the" || word == "and" || word == "of" || word == "a" || word == "my";
}

constexpr size_t kLongestMention = 6;

}  // namespace

StructureVocabulary::StructureVocabulary(const IntentCatalog& catalog,
                                         const std::map<int, std::string>& label_names)
    : label_names_(label_names),
      synonyms_(catalog.structure_synonyms),
      groups_(catalog.structure_groups) {
  for (const auto& [label, name] : label_names_) {
    if (label == 0) continue;
    Entry entry;
    std::vector<std::string> sides, rest;
    for (auto& w : SplitWords(name, /*keep_hyphens=*/false))
      (w == "left" || w == "right" ? sides : rest).push_back(SingularOf(w));
    entry.words = sides;
    entry.words.insert(entry.words.end(), rest.begin(), rest.end());
    if (entry.words.empty()) continue;
    for (const auto& w : entry.words) words_.insert(w);
    labels_[label] = std::move(entry);
  }
  for (const auto& group : groups_) {
    for (const auto& phrase : group.say)
      for (const auto& w : SplitWords(phrase)) words_.insert(w);
  }
  for (const auto& [from, to] : synonyms_) {
    for (const auto& w : SplitWords(from)) words_.insert(w);
  }
  // Words the intents use for something else are never typo-corrected into structure words.
  for (const auto& intent : catalog.intents) {
    for (const auto& example : intent.examples)
      for (const auto& w : SplitWords(example)) protected_.insert(w);
  }
  for (const auto& w : catalog.fillers) protected_.insert(w);
  for (const auto& [from, to] : catalog.word_synonyms) {
    protected_.insert(from);
    for (const auto& w : SplitWords(to)) protected_.insert(w);
  }
  for (const auto& [slot, values] : catalog.slot_values) {
    for (const auto& [spoken, value] : values)
      for (const auto& w : SplitWords(spoken)) protected_.insert(w);
  }
}

std::optional<std::string> StructureVocabulary::KnownWord(const std::string& word) const {
  if (words_.contains(word)) return word;
  const std::string singular = SingularOf(word);
  if (words_.contains(singular)) return singular;
  if (protected_.contains(word) || IsModifier(word)) return std::nullopt;
  const int allowance = TypoAllowance(word);
  if (allowance == 0) return std::nullopt;
  int best = allowance + 1;
  std::string nearest;
  for (const auto& known : words_) {
    if (known.size() < 4 || !WithinTypo(word, known)) continue;
    const int d = EditDistance(word, known);
    if (d < best) {
      best = d;
      nearest = known;
    }
  }
  if (nearest.empty()) return std::nullopt;
  return nearest;
}

std::set<int> StructureVocabulary::GroupLabels(const StructureGroup& group) const {
  std::set<int> labels;
  for (const auto& [label, entry] : labels_) {
    for (const auto& w : group.words) {
      if (std::find(entry.words.begin(), entry.words.end(), SingularOf(w)) != entry.words.end())
        labels.insert(label);
    }
  }
  return labels;
}

std::set<int> StructureVocabulary::Resolve(const std::vector<std::string>& words, int depth) const {
  const std::string key = JoinWords(words, 0, words.size());
  if (auto it = synonyms_.find(key); it != synonyms_.end() && it->second != key && depth < 3)
    return Resolve(SplitWords(it->second), depth + 1);
  for (const auto& group : groups_) {
    if (std::find(group.say.begin(), group.say.end(), key) != group.say.end())
      return GroupLabels(group);
  }
  std::vector<std::string> wanted;
  bool names_something = false;
  for (const auto& w : words) {
    const std::string singular = SingularOf(w);
    wanted.push_back(singular);
    if (!IsModifier(singular)) names_something = true;
  }
  if (!names_something) return {};
  std::set<int> best;
  size_t fewest_extra = std::numeric_limits<size_t>::max();
  for (const auto& [label, entry] : labels_) {
    const std::vector<std::string>& words_of_label = entry.words;
    const bool covers = std::all_of(wanted.begin(), wanted.end(), [&](const std::string& w) {
      return std::find(words_of_label.begin(), words_of_label.end(), w) != words_of_label.end();
    });
    if (!covers) continue;
    // "kidney" names the kidneys, not the kidney cysts: fewest words beyond the ones said.
    size_t extra = 0;
    for (const auto& w : entry.words) {
      if (!IsModifier(w) && std::find(wanted.begin(), wanted.end(), w) == wanted.end()) ++extra;
    }
    if (extra < fewest_extra) {
      fewest_extra = extra;
      best.clear();
    }
    if (extra == fewest_extra) best.insert(label);
  }
  return best;
}

std::vector<StructureMention> StructureVocabulary::Find(
    const std::vector<std::string>& tokens) const {
  std::vector<StructureMention> mentions;
  // Each token's reading as a structure word, once (typo search is the costly part).
  std::vector<std::optional<std::string>> known(tokens.size());
  for (size_t k = 0; k < tokens.size(); ++k) known[k] = KnownWord(tokens[k]);
  size_t i = 0;
  while (i < tokens.size()) {
    bool found = false;
    for (size_t len = std::min(kLongestMention, tokens.size() - i); len >= 1 && !found; --len) {
      if (IsJoiner(tokens[i]) || IsJoiner(tokens[i + len - 1])) continue;
      std::vector<std::string> words;
      bool all_known = true, corrected = false;
      for (size_t k = i; k < i + len && all_known; ++k) {
        const std::string& t = tokens[k];
        if (t == "and" || t == "of") {  // inside a name: "portal vein and splenic vein"
          words.push_back(t);
        } else if (IsJoiner(t)) {
          all_known = false;
        } else if (known[k]) {
          corrected = corrected || (*known[k] != t && *known[k] != SingularOf(t));
          words.push_back(*known[k]);
        } else if (IsModifier(t)) {
          words.push_back(t);
        } else {
          all_known = false;
        }
      }
      if (!all_known) continue;
      std::set<int> labels = Resolve(words);
      if (labels.empty()) continue;
      StructureMention mention;
      mention.labels = std::move(labels);
      // Replies repeat what was said ("the kidneys"), typos corrected.
      mention.spoken = mention.labels.size() == 1 ? SpokenName(*mention.labels.begin())
                       : corrected                ? JoinWords(words, 0, words.size())
                                                  : JoinWords(tokens, i, i + len);
      mention.first = i;
      mention.end = i + len;
      mentions.push_back(std::move(mention));
      i += len;
      found = true;
    }
    if (!found) ++i;
  }
  return mentions;
}

std::string StructureVocabulary::SpokenName(int label) const {
  auto it = labels_.find(label);
  if (it == labels_.end()) return "label " + std::to_string(label);
  return JoinWords(it->second.words, 0, it->second.words.size());
}

std::vector<std::string> StructureVocabulary::SpokenNames() const {
  // What a recogniser listens for: fewer, distinct names recognise better. Numbered parts ("left
  // rib 3", "vertebrae t8") are left to typed commands; of a name's words only its first naming
  // word stands alone, and then for all labels sharing it ("kidneys", "lungs", "ribs").
  auto has_digit = [](const std::string& text) {
    return std::any_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  std::set<std::string> names;
  for (const auto& [label, entry] : labels_) {
    const std::string full = JoinWords(entry.words, 0, entry.words.size());
    if (!has_digit(full)) names.insert(full);
    for (const auto& w : entry.words) {
      if (IsModifier(w)) continue;
      const size_t count = Resolve({w}).size();
      if (count > 1 && !has_digit(w))
        names.insert(w.ends_with('s') || w.ends_with('e') ? w : w + "s");
      break;
    }
  }
  for (const auto& group : groups_) {
    if (GroupLabels(group).empty()) continue;
    for (const auto& say : group.say) names.insert(say);
  }
  for (const auto& [from, to] : synonyms_) {
    if (!Resolve(SplitWords(from)).empty()) names.insert(from);
  }
  return {names.begin(), names.end()};
}

bool StructureVocabulary::IsStructureWord(const std::string& word) const {
  return words_.contains(word) || words_.contains(SingularOf(word));
}

}  // namespace viscera
