// The intents file (data/voice/intents.json): everything the dialog manager knows that is not
// code. Adding an intent, a phrasing, a synonym or a structure group is a data change only.
//   {
//     "version": 1,
//     "confidence_threshold": 0.62,            below it the dialog manager asks back
//     "fillers": ["please", "can", "you", ...], words ignored when matching
//     "leading_fillers": ["please", "can you"], "trailing_fillers": ["please"],   for the grammar
//     "word_synonyms": {"conceal": "hide", "magnify": "zoom in", ...},   rewritten before matching
//     "slot_values": {"direction": {"left": "left", "clockwise": "right", ...},
//                     "view": {...}, "preset": {...}, "orientation": {...}, "amount": {"a bit":
//                     0.5}},
//     "default_labels": {"1": "spleen", ...},   structure names when no dataset is named (BTCV)
//     "structure_synonyms": {"ivc": "inferior vena cava", ...},
//     "structure_groups": [{"name": "ribs", "say": ["ribs", "rib cage"], "words": ["rib"]}, ...],
//     "intents": [{"name": "hide", "action": "hide", "params": {}, "reply": "Hiding {structures}.",
//                  "examples": ["hide {structures}", "remove {structures}", ...],
//                  "typed_only": ["no {structures}", ...]}, ...]
//   }
// "typed_only" names examples the typed matcher knows but the speech grammar leaves out: short
// or odd ones ("{preset}", "dim {structures}") that noise and unclear speech match too easily
// (measured: 10 dB white noise 46% -> 52% exact, bench/RESULTS.md).
// Example phrases use slot placeholders: {structures}, {direction}, {number}, {view}, {preset},
// {orientation}, {amount}.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/expected.h"

namespace viscera {

struct IntentDefinition {
  std::string name;                                  // "zoom_in"
  std::string action;                                // "zoom": what voice_actions.h does for it
  nlohmann::json params = nlohmann::json::object();  // the action's fixed parameters
  std::vector<std::string> examples;                 // lower case, placeholders in braces
  std::set<std::string> typed_only;                  // examples left out of the speech grammar
  std::string reply;                                 // may name slots: "Hiding {structures}."
};

struct StructureGroup {
  std::string name;                // "ribs"
  std::vector<std::string> say;    // how people call it: "ribs", "rib cage"
  std::vector<std::string> words;  // a label belongs when its name has one of these words
};

class IntentCatalog {
 public:
  static Expected<IntentCatalog> Load(const std::filesystem::path& path);
  // `source` names the text in errors ("intents.json: intents[3].examples: ...").
  static Expected<IntentCatalog> Parse(std::string_view json_text, const std::string& source);

  double confidence_threshold = 0.62;
  std::vector<std::string> fillers, leading_fillers, trailing_fillers;
  std::map<std::string, std::string> word_synonyms;
  // slot name -> spoken value -> value ("direction": "clockwise" -> "right").
  std::map<std::string, std::map<std::string, nlohmann::json>> slot_values;
  std::map<int, std::string> default_labels;
  std::map<std::string, std::string> structure_synonyms;
  std::vector<StructureGroup> structure_groups;
  std::vector<IntentDefinition> intents;

  const IntentDefinition* Find(std::string_view name) const;
};

// The intents file shipped with Viscera: $VISCERA_INTENTS, else the source tree's copy.
std::filesystem::path DefaultIntentsPath();

}  // namespace viscera
