// Organ and structure names as people say them, built from a dataset's label table
// ("kidney_left", "right kidney", "rib_left_3", "inferior vena cava") and the intents file's
// groups and synonyms ("ribs", "spine", "vessels", "IVC"). Plurals name every label with that
// word ("kidneys" -> left and right kidney), a side or number narrows ("left kidney").
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "voice/intent_catalog.h"

namespace viscera {

struct StructureMention {
  std::set<int> labels;       // what it names
  std::string spoken;         // the words heard, for replies: "kidneys"
  size_t first = 0, end = 0;  // the token range it covers
};

class StructureVocabulary {
 public:
  StructureVocabulary(const IntentCatalog& catalog, const std::map<int, std::string>& label_names);

  // The structure mentions in `tokens` (lower-case words), longest first, left to right.
  // Words within edit distance 1 (2 for words of 7+ letters) of a known word match it.
  std::vector<StructureMention> Find(const std::vector<std::string>& tokens) const;

  // The label's name as said in replies: "left kidney".
  std::string SpokenName(int label) const;
  // Every name worth listening for (label names in spoken order, their heads and plurals, groups).
  std::vector<std::string> SpokenNames() const;
  // True for a word that belongs to some structure name (for typo matching of other words).
  bool IsStructureWord(const std::string& word) const;
  const std::map<int, std::string>& label_names() const { return label_names_; }

 private:
  struct Entry {
    std::vector<std::string> words;  // the label's words in spoken order: {"left", "kidney"}
  };
  // `word` as a known structure word: itself, its singular, or the nearest within typo range.
  std::optional<std::string> KnownWord(const std::string& word) const;
  std::set<int> Resolve(const std::vector<std::string>& words, int depth = 0) const;
  std::set<int> GroupLabels(const StructureGroup& group) const;

  std::map<int, std::string> label_names_;
  std::map<int, Entry> labels_;
  std::map<std::string, std::string> synonyms_;  // "ivc" -> "inferior vena cava"
  std::vector<StructureGroup> groups_;
  std::set<std::string> words_;      // every word of every name
  std::set<std::string> protected_;  // the intents' own words: never typo-corrected
};

}  // namespace viscera
