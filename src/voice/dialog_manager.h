// The dialog manager: a user's sentence (typed, or a speech transcript) -> an intent with slots,
// a confidence and the reply to say. Intents, their example phrasings and the words it knows come
// from the intents file (intent_catalog.h); organ and structure names from the dataset's label
// table (structure_vocabulary.h). Matching tolerates word order, fillers, small typos and ASR
// near-misses; below the catalog's confidence threshold it asks back instead of acting.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "voice/grammar_spec.h"
#include "voice/intent_catalog.h"
#include "voice/structure_vocabulary.h"

namespace viscera {

struct IntentMatch {
  std::string query;   // the sentence as given
  std::string intent;  // "hide", "zoom_in", ...; "unknown" when nothing matched
  std::string action;  // the catalog's action for the intent ("hide", "zoom", ...)
  nlohmann::json slots =
      nlohmann::json::object();  // {"structures": [{"label": 5, "name": "liver"}]}
  double confidence = 0;         // 0..1
  std::string reply;             // what to say back
  // True when confidence was under the threshold: nothing should be done, `reply` asks back
  // ("Did you mean hide the liver?") and a following "yes" confirms `intent` with `slots`.
  bool needs_confirmation = false;
  // The reply once confirmed ("Hiding the liver."), for a question back.
  std::string confirmed_reply;
  // The intent's definition in the dialog manager's catalog (its action parameters); null for
  // "unknown". Valid while the DialogManager lives.
  const IntentDefinition* definition = nullptr;

  nlohmann::json ToJson() const;
};

class DialogManager {
 public:
  DialogManager(std::shared_ptr<const IntentCatalog> catalog,
                const std::map<int, std::string>& label_names);

  IntentMatch Understand(std::string_view sentence) const;

  // Everything the recogniser should expect: each intent's examples and the slot values (the
  // dataset's structure names, numbers, directions, views, presets).
  GrammarSpec Grammar() const;

  const IntentCatalog& catalog() const { return *catalog_; }
  const StructureVocabulary& vocabulary() const { return vocabulary_; }

 private:
  // An intent's example as matched: synonyms rewritten, fillers dropped, placeholders kept.
  struct Example {
    const IntentDefinition* intent;
    const std::string* text;
    std::vector<std::string> tokens;
  };
  std::shared_ptr<const IntentCatalog> catalog_;
  StructureVocabulary vocabulary_;
  std::set<std::string> fillers_;
  std::vector<Example> examples_;
};

}  // namespace viscera
