#include "voice/speech_grammar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include "io/label_names.h"
#include "test_data.h"
#include "voice/dialog_manager.h"
#include "voice/speech_recognizer.h"

namespace viscera {
namespace {
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

const PronunciationDictionary& Dictionary() {
  static const auto dictionary =
      PronunciationDictionary::Shared(DefaultSpeechModelDir() / "cmudict-en-us.dict");
  EXPECT_TRUE(dictionary.ok()) << dictionary.error().ToString();
  return **dictionary;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

GrammarSpec SmallSpec() {
  GrammarSpec spec;
  spec.phrases = {"hide {structures}",
                  "remove the {structures}",
                  "hide the {structures}",
                  "zoom in",
                  "Rotate {direction} by {number} degrees",
                  "xqzvv {structures}",
                  "show {missing_slot}",
                  "zoom in"};
  spec.slots["structures"] = {"liver", "IVC", "t12", "xqzvvorgan", "left kidney"};
  spec.slots["direction"] = {"left", "right"};
  spec.slots["number"] = {"30", "45"};
  spec.leading_fillers = {"please", "can you"};
  spec.trailing_fillers = {"please"};
  return spec;
}

TEST(PronunciationDictionary, LoadsCmudictWithAlternatives) {
  const auto& dictionary = Dictionary();
  EXPECT_GT(dictionary.size(), 100000u);
  EXPECT_TRUE(dictionary.Contains("liver"));
  EXPECT_FALSE(dictionary.Contains("liver(2)"));
  EXPECT_EQ(dictionary.Pronunciations("liver").front(), "L IH V ER");
  EXPECT_GE(dictionary.Pronunciations("either").size(), 2u);  // IY DH ER, AY DH ER
  EXPECT_TRUE(dictionary.Pronunciations("xqzvv").empty());
  EXPECT_EQ(PronunciationDictionary::Load("/nonexistent.dict").error().code, ErrorCode::kNotFound);
}

TEST(SpeechGrammar, NumbersInWords) {
  EXPECT_EQ(NumberToWords(0), "zero");
  EXPECT_EQ(NumberToWords(13), "thirteen");
  EXPECT_EQ(NumberToWords(30), "thirty");
  EXPECT_EQ(NumberToWords(45), "forty five");
  EXPECT_EQ(NumberToWords(100), "one hundred");
  EXPECT_EQ(NumberToWords(125), "one hundred twenty five");
  EXPECT_EQ(NumberToWords(2024), "two thousand twenty four");
}

TEST(SpeechGrammar, SpellsOutOrDropsWhatTheDictionaryLacks) {
  auto grammar = BuildSpeechGrammar(SmallSpec(), Dictionary());
  ASSERT_TRUE(grammar.ok()) << grammar.error().ToString();
  EXPECT_EQ(grammar->respelled.at("ivc"), "i v c");
  EXPECT_EQ(grammar->respelled.at("t12"), "t twelve");
  EXPECT_EQ(grammar->respelled.at("30"), "thirty");
  EXPECT_EQ(grammar->respelled.at("45"), "forty five");
  EXPECT_THAT(grammar->jsgf, HasSubstr("i v c"));
  EXPECT_THAT(grammar->jsgf, HasSubstr("forty five"));
  EXPECT_THAT(grammar->jsgf, Not(HasSubstr("ivc")));
  EXPECT_THAT(grammar->jsgf, Not(HasSubstr("xqzvv")));
  EXPECT_THAT(grammar->dropped,
              Contains(HasSubstr("structures value \"xqzvvorgan\": no pronunciation")));
  EXPECT_THAT(grammar->dropped, Contains(HasSubstr("phrase \"xqzvv {structures}\"")));
  EXPECT_THAT(grammar->dropped, Contains(HasSubstr("unknown slot missing_slot")));
  EXPECT_EQ(grammar->dropped.size(), 3u);
  for (const std::string& word : grammar->words) EXPECT_TRUE(Dictionary().Contains(word)) << word;
  EXPECT_THAT(grammar->words, Contains("kidney"));
  EXPECT_THAT(grammar->words, Contains("v"));
}

TEST(SpeechGrammar, PhrasesShareOneReferencePerSlotAndFillersAreOptional) {
  auto grammar = BuildSpeechGrammar(SmallSpec(), Dictionary());
  ASSERT_TRUE(grammar.ok()) << grammar.error().ToString();
  const std::string& jsgf = grammar->jsgf;
  // "hide", "remove the" and "hide the" before <slot_structures>: one reference, one definition.
  EXPECT_EQ(Count(jsgf, "<slot_structures>"), 2u) << jsgf;
  EXPECT_THAT(jsgf, HasSubstr("(hide | remove the | hide the) <slot_structures>"));
  EXPECT_THAT(jsgf, HasSubstr("rotate <slot_direction> by <slot_number> degrees"));
  EXPECT_EQ(Count(jsgf, "zoom in"), 1u);  // duplicates go
  EXPECT_THAT(jsgf, HasSubstr("public <command> = [<leading>] ("));
  EXPECT_THAT(jsgf, HasSubstr("[<trailing>];"));
  EXPECT_THAT(jsgf, HasSubstr("can you"));

  GrammarSpec unsayable;
  unsayable.phrases = {"xqzvv", "{nothing}"};
  auto none = BuildSpeechGrammar(unsayable, Dictionary());
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.error().message, HasSubstr("none of the 2 phrases"));
}

TEST(SpeechGrammar, PocketSphinxAcceptsTheGrammars) {
  auto small = SpeechRecognizer::Create(SmallSpec());
  ASSERT_TRUE(small.ok()) << small.error().ToString();
  EXPECT_EQ((*small)->grammar().dropped.size(), 3u);

  // The dialog manager's grammar for the demo abdomen's 117 labels.
  auto catalog = IntentCatalog::Load(DefaultIntentsPath());
  ASSERT_TRUE(catalog.ok()) << catalog.error().ToString();
  auto labels =
      ReadLabelNames(testing::SourceDir() / "data/demo/totalseg-abdomen/labels_total_v2.json");
  ASSERT_TRUE(labels.ok()) << labels.error().ToString();
  std::map<int, std::string> names;
  for (const auto& entry : labels->entries()) names[entry.id] = entry.name;
  DialogManager dialog(std::make_shared<IntentCatalog>(std::move(*catalog)), names);
  const auto start = std::chrono::steady_clock::now();
  auto full = SpeechRecognizer::Create(dialog.Grammar());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(full.ok()) << full.error().ToString();
  EXPECT_GT((*full)->grammar().words.size(), 200u);
  EXPECT_THAT((*full)->grammar().words, Contains("liver"));
  // Per-session cost: the grammar's words only, slots referenced once (was ~1 s before both).
  EXPECT_LT(seconds, 1.0);
  std::cout << "recogniser for the abdomen grammar created in " << seconds << " s ("
            << (*full)->grammar().words.size() << " words, " << (*full)->grammar().dropped.size()
            << " phrases/values dropped)\n";
}

TEST(SpeechRecognizer, OptionsAreRangeChecked) {
  SpeechRecognizerOptions options;
  options.trailing_silence_ms = 50;
  auto bad = SpeechRecognizer::Create(SmallSpec(), options);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("trailing_silence_ms must be in 100..3000, got 50"));
  options = {};
  options.model_dir = "/nonexistent/model";
  bad = SpeechRecognizer::Create(SmallSpec(), options);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(bad.error().message, HasSubstr("/nonexistent/model/en-us"));

  auto recognizer = SpeechRecognizer::Create(SmallSpec());
  ASSERT_TRUE(recognizer.ok());
  const std::vector<int16_t> silence(1600, 0);
  EXPECT_FALSE((*recognizer)->Feed(silence).ok());  // before Start()
  EXPECT_FALSE((*recognizer)->Finish().ok());
}

}  // namespace
}  // namespace viscera
