#include "voice/intent_catalog.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "voice/words.h"

namespace viscera {

namespace {

constexpr size_t kMaxIntentsFileBytes = 4 << 20;
const std::set<std::string> kSlotNames = {"structures", "direction", "number",      "view",
                                          "side",       "preset",    "orientation", "amount"};

Error Invalid(const std::string& source, const std::string& path, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, source + ": " + path + ": " + what);
}

// A phrase as the catalog stores it: lower-case words separated by single spaces.
std::string CanonicalPhrase(const std::string& text) {
  return JoinWords(SplitWords(text), 0, std::string::npos);
}

Expected<std::vector<std::string>> Phrases(const nlohmann::json& doc, const char* key,
                                           const std::string& source, bool required) {
  std::vector<std::string> out;
  if (!doc.contains(key)) {
    if (required) return Invalid(source, key, "missing");
    return out;
  }
  const auto& list = doc.at(key);
  if (!list.is_array()) return Invalid(source, key, "must be a list of strings");
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string())
      return Invalid(source, std::string(key) + "[" + std::to_string(i) + "]", "must be a string");
    std::string phrase = CanonicalPhrase(list[i].get<std::string>());
    if (phrase.empty())
      return Invalid(source, std::string(key) + "[" + std::to_string(i) + "]", "has no words");
    out.push_back(std::move(phrase));
  }
  return out;
}

Expected<std::map<std::string, std::string>> PhraseMap(const nlohmann::json& doc, const char* key,
                                                       const std::string& source,
                                                       bool single_word_keys) {
  std::map<std::string, std::string> out;
  if (!doc.contains(key)) return out;
  if (!doc.at(key).is_object()) return Invalid(source, key, "must be an object");
  for (const auto& [from, to] : doc.at(key).items()) {
    const std::string path = std::string(key) + "." + from;
    if (!to.is_string()) return Invalid(source, path, "must be a string");
    const auto words = SplitWords(from);
    if (words.empty()) return Invalid(source, path, "key has no words");
    if (single_word_keys && words.size() != 1)
      return Invalid(source, path, "must be one word (phrases belong in the intents' examples)");
    const std::string value = CanonicalPhrase(to.get<std::string>());
    if (value.empty()) return Invalid(source, path, "value has no words");
    out[JoinWords(words, 0, words.size())] = value;
  }
  return out;
}

// Every {placeholder} of an example names a known slot.
Status CheckPlaceholders(const std::string& example, const std::string& source,
                         const std::string& path) {
  size_t pos = 0;
  while ((pos = example.find('{', pos)) != std::string::npos) {
    const size_t close = example.find('}', pos);
    if (close == std::string::npos) return Invalid(source, path, "unclosed '{'");
    const std::string slot = example.substr(pos + 1, close - pos - 1);
    if (!kSlotNames.contains(slot))
      return Invalid(source, path,
                     "unknown slot {" + slot +
                         "} (structures, direction, number, view, side, preset, orientation, "
                         "amount)");
    pos = close + 1;
  }
  return Ok{};
}

// Examples keep their placeholders as words: "Hide {structures}!" -> "hide {structures}".
// (CheckPlaceholders ran first: every '{' has its '}'.)
std::string CanonicalExample(const std::string& text) {
  std::vector<std::string> words;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = std::min(text.find('{', pos), text.size());
    for (auto& w : SplitWords(text.substr(pos, open - pos))) words.push_back(std::move(w));
    if (open == text.size()) break;
    const size_t close = text.find('}', open);
    words.push_back(text.substr(open, close - open + 1));
    pos = close + 1;
  }
  return JoinWords(words, 0, words.size());
}

}  // namespace

Expected<IntentCatalog> IntentCatalog::Parse(std::string_view json_text,
                                             const std::string& source) {
  if (json_text.size() > kMaxIntentsFileBytes)
    return MakeError(ErrorCode::kTooLarge, source + ": over 4 MiB");
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return MakeError(ErrorCode::kCorruptData, source + ": not JSON");
  if (!doc.is_object()) return Invalid(source, "(top)", "must be an object");
  if (!doc.contains("version") || doc.at("version") != 1)
    return Invalid(source, "version", "must be 1");

  IntentCatalog catalog;
  if (doc.contains("confidence_threshold")) {
    const auto& t = doc.at("confidence_threshold");
    if (!t.is_number() || t.get<double>() < 0 || t.get<double>() > 1)
      return Invalid(source, "confidence_threshold", "must be a number in 0..1");
    catalog.confidence_threshold = t.get<double>();
  }
  VISCERA_ASSIGN_OR_RETURN(catalog.fillers, Phrases(doc, "fillers", source, false));
  VISCERA_ASSIGN_OR_RETURN(catalog.leading_fillers, Phrases(doc, "leading_fillers", source, false));
  VISCERA_ASSIGN_OR_RETURN(catalog.trailing_fillers,
                           Phrases(doc, "trailing_fillers", source, false));
  VISCERA_ASSIGN_OR_RETURN(catalog.word_synonyms, PhraseMap(doc, "word_synonyms", source, true));
  VISCERA_ASSIGN_OR_RETURN(catalog.structure_synonyms,
                           PhraseMap(doc, "structure_synonyms", source, false));

  if (doc.contains("slot_values")) {
    const auto& slots = doc.at("slot_values");
    if (!slots.is_object()) return Invalid(source, "slot_values", "must be an object");
    for (const auto& [slot, values] : slots.items()) {
      if (!kSlotNames.contains(slot)) return Invalid(source, "slot_values." + slot, "unknown slot");
      if (!values.is_object()) return Invalid(source, "slot_values." + slot, "must be an object");
      for (const auto& [spoken, value] : values.items()) {
        if (!value.is_string() && !value.is_number())
          return Invalid(source, "slot_values." + slot + "." + spoken,
                         "must be a string or a number");
        const std::string key = CanonicalPhrase(spoken);
        if (key.empty()) return Invalid(source, "slot_values." + slot + "." + spoken, "no words");
        catalog.slot_values[slot][key] = value;
      }
    }
  }

  if (doc.contains("default_labels")) {
    const auto& labels = doc.at("default_labels");
    if (!labels.is_object()) return Invalid(source, "default_labels", "must be an object");
    for (const auto& [key, name] : labels.items()) {
      const std::string path = "default_labels." + key;
      int label = -1;
      try {
        size_t used = 0;
        label = std::stoi(key, &used);
        if (used != key.size()) label = -1;
      } catch (const std::exception&) {
        label = -1;
      }
      if (label < 1 || label > 65535) return Invalid(source, path, "key must be a label 1..65535");
      if (!name.is_string() || name.get<std::string>().empty())
        return Invalid(source, path, "must be a non-empty string");
      catalog.default_labels[label] = name.get<std::string>();
    }
  }

  if (doc.contains("structure_groups")) {
    const auto& groups = doc.at("structure_groups");
    if (!groups.is_array()) return Invalid(source, "structure_groups", "must be a list");
    for (size_t i = 0; i < groups.size(); ++i) {
      const std::string path = "structure_groups[" + std::to_string(i) + "]";
      const auto& g = groups[i];
      if (!g.is_object() || !g.contains("name") || !g.at("name").is_string())
        return Invalid(source, path, "needs a \"name\" string");
      StructureGroup group;
      group.name = g.at("name").get<std::string>();
      VISCERA_ASSIGN_OR_RETURN(group.say, Phrases(g, "say", source + ": " + path, true));
      VISCERA_ASSIGN_OR_RETURN(group.words, Phrases(g, "words", source + ": " + path, true));
      catalog.structure_groups.push_back(std::move(group));
    }
  }

  if (!doc.contains("intents") || !doc.at("intents").is_array() || doc.at("intents").empty())
    return Invalid(source, "intents", "must be a non-empty list");
  std::set<std::string> names;
  const auto& intents = doc.at("intents");
  for (size_t i = 0; i < intents.size(); ++i) {
    const std::string path = "intents[" + std::to_string(i) + "]";
    const auto& it = intents[i];
    if (!it.is_object()) return Invalid(source, path, "must be an object");
    for (const char* key : {"name", "action", "reply"}) {
      if (!it.contains(key) || !it.at(key).is_string() || it.at(key).get<std::string>().empty())
        return Invalid(source, path + "." + key, "must be a non-empty string");
    }
    for (const auto& [key, unused] : it.items()) {
      if (key != "name" && key != "action" && key != "reply" && key != "examples" &&
          key != "params" && key != "typed_only")
        return Invalid(
            source, path,
            "unknown field \"" + key + "\" (name, action, params, reply, examples, typed_only)");
    }
    IntentDefinition intent;
    intent.name = it.at("name").get<std::string>();
    intent.action = it.at("action").get<std::string>();
    intent.reply = it.at("reply").get<std::string>();
    if (!names.insert(intent.name).second)
      return Invalid(source, path + ".name", "\"" + intent.name + "\" appears twice");
    if (it.contains("params")) {
      if (!it.at("params").is_object())
        return Invalid(source, path + ".params", "must be an object");
      intent.params = it.at("params");
    }
    if (!it.contains("examples") || !it.at("examples").is_array() || it.at("examples").empty())
      return Invalid(source, path + ".examples", "must be a non-empty list");
    const auto& examples = it.at("examples");
    for (size_t e = 0; e < examples.size(); ++e) {
      const std::string epath = path + ".examples[" + std::to_string(e) + "]";
      if (!examples[e].is_string()) return Invalid(source, epath, "must be a string");
      const std::string text = examples[e].get<std::string>();
      VISCERA_RETURN_IF_ERROR(CheckPlaceholders(text, source, epath));
      std::string example = CanonicalExample(text);
      if (example.empty()) return Invalid(source, epath, "has no words");
      intent.examples.push_back(std::move(example));
    }
    if (it.contains("typed_only")) {
      const auto& typed_only = it.at("typed_only");
      if (!typed_only.is_array()) return Invalid(source, path + ".typed_only", "must be a list");
      for (size_t t = 0; t < typed_only.size(); ++t) {
        const std::string tpath = path + ".typed_only[" + std::to_string(t) + "]";
        if (!typed_only[t].is_string()) return Invalid(source, tpath, "must be a string");
        const std::string text = typed_only[t].get<std::string>();
        VISCERA_RETURN_IF_ERROR(CheckPlaceholders(text, source, tpath));
        // A typo here must not silently leave a phrase in the grammar.
        const std::string example = CanonicalExample(text);
        if (std::find(intent.examples.begin(), intent.examples.end(), example) ==
            intent.examples.end()) {
          return Invalid(source, tpath, "\"" + example + "\" is not one of the intent's examples");
        }
        intent.typed_only.insert(example);
      }
    }
    catalog.intents.push_back(std::move(intent));
  }
  return catalog;
}

Expected<IntentCatalog> IntentCatalog::Load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kNotFound, path.string() + ": cannot open the intents file");
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path.string());
}

const IntentDefinition* IntentCatalog::Find(std::string_view name) const {
  for (const auto& intent : intents)
    if (intent.name == name) return &intent;
  return nullptr;
}

std::filesystem::path DefaultIntentsPath() {
  if (const char* env = std::getenv("VISCERA_INTENTS"); env && *env) return env;
  return VISCERA_DEFAULT_INTENTS;
}

}  // namespace viscera
