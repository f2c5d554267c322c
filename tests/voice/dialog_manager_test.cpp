// The dialog manager against a table of phrasings: several per intent, with fillers, typos,
// reordered words, synonyms its examples never use, ASR near-misses and questions back. The
// structure names are the bundled TotalSegmentator abdomen's label table (117 labels).
#include "voice/dialog_manager.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "test_data.h"
#include "voice/words.h"

namespace viscera {
namespace {

std::map<int, std::string> AbdomenLabels() {
  std::ifstream in(testing::SourceDir() / "data/demo/totalseg-abdomen/labels_total_v2.json");
  nlohmann::json doc;
  in >> doc;
  std::map<int, std::string> labels;
  for (const auto& [key, name] : doc.items()) labels[std::stoi(key)] = name.get<std::string>();
  return labels;
}

std::shared_ptr<const IntentCatalog> ShippedCatalog() {
  auto catalog = IntentCatalog::Load(testing::SourceDir() / "data/voice/intents.json");
  EXPECT_TRUE(catalog.ok()) << catalog.error().ToString();
  return std::make_shared<const IntentCatalog>(std::move(*catalog));
}

const DialogManager& Abdomen() {
  static const DialogManager manager(ShippedCatalog(), AbdomenLabels());
  return manager;
}

// Label names for a TotalSegmentator pattern: "rib_*" -> every rib.
std::set<std::string> Names(const std::string& list) {
  std::set<std::string> names;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (item.ends_with('*')) {
      const std::string prefix = item.substr(0, item.size() - 1);
      for (const auto& [label, name] : AbdomenLabels())
        if (name.starts_with(prefix)) names.insert(name);
    } else {
      names.insert(item);
    }
  }
  return names;
}

struct Phrasing {
  const char* sentence;
  const char* intent;
  const char* slots;  // "structures=liver,spleen;direction=left;number=30" (those named only)
};

// clang-format off
const Phrasing kPhrasings[] = {
  // zoom
  {"zoom in", "zoom_in", ""},
  {"zoom in a bit", "zoom_in", "amount=0.5"},
  {"please zoom in", "zoom_in", ""},
  {"could you zoom in a little", "zoom_in", "amount=0.5"},
  {"zoom in a lot", "zoom_in", "amount=2"},
  {"zom in", "zoom_in", ""},
  {"magnify", "zoom_in", ""},
  {"get closer", "zoom_in", ""},
  {"enlarge the image please", "zoom_in", ""},
  {"in zoom", "zoom_in", ""},
  {"zoom out", "zoom_out", ""},
  {"zoom out slightly", "zoom_out", "amount=0.5"},
  {"zoom out a lot", "zoom_out", "amount=2"},
  {"zooom out", "zoom_out", ""},
  {"can you make it smaller", "zoom_out", ""},
  {"pull back", "zoom_out", ""},
  // pan
  {"pan left", "pan", "direction=left"},
  {"pan right", "pan", "direction=right"},
  {"pan up", "pan", "direction=up"},
  {"pan down a bit", "pan", "direction=down;amount=0.5"},
  {"move left", "pan", "direction=left"},
  {"shift the image to the right", "pan", "direction=right"},
  {"slide it upwards", "pan", "direction=up"},
  {"pan the view left please", "pan", "direction=left"},
  {"pann left", "pan", "direction=left"},
  {"left pan", "pan", "direction=left"},
  {"pan left by 40 millimeters", "pan", "direction=left;number=40"},
  {"translate downwards", "pan", "direction=down"},
  // orbit
  {"rotate left", "orbit", "direction=left"},
  {"rotate to the right by 30 degrees", "orbit", "direction=right;number=30"},
  {"rotate right thirty degrees", "orbit", "direction=right;number=30"},
  {"turn left by forty five degrees", "orbit", "direction=left;number=45"},
  {"spin the model to the right", "orbit", "direction=right"},
  {"rotate up", "orbit", "direction=up"},
  {"rotate down a bit", "orbit", "direction=down;amount=0.5"},
  {"rotate clockwise", "orbit", "direction=right"},
  {"rotate by 90 degrees", "orbit", "number=90"},
  {"rotat left", "orbit", "direction=left"},
  {"twist it counterclockwise", "orbit", "direction=left"},
  {"revolve right 15 degrees", "orbit", "direction=right;number=15"},
  {"rotate 60 degrees left", "orbit", "direction=left;number=60"},
  // camera views
  {"front view", "view", "view=anterior"},
  {"anterior view", "view", "view=anterior"},
  {"show me the back", "view", "view=posterior"},
  {"posterior view please", "view", "view=posterior"},
  {"view from the left", "view", "view=left"},
  {"look from the right side", "view", "view=right"},
  {"left view", "view", "view=left"},
  {"top view", "view", "view=superior"},
  {"view from below", "view", "view=inferior"},
  {"rear view", "view", "view=posterior"},
  // hide
  {"hide the liver", "hide", "structures=liver"},
  {"remove the ribs", "hide", "structures=rib_*,costal_cartilages"},
  {"please hide the livr", "hide", "structures=liver"},
  {"hide the river", "hide", "structures=liver"},
  {"can you hide the left kidney", "hide", "structures=kidney_left"},
  {"hide the right kidney", "hide", "structures=kidney_right"},
  {"hide the kidneys", "hide", "structures=kidney_left,kidney_right"},
  {"hide the liver and the spleen", "hide", "structures=liver,spleen"},
  {"conceal the stomach", "hide", "structures=stomach"},
  {"get rid of the spine", "hide", "structures=vertebrae_*,sacrum"},
  {"turn off the vessels", "hide", "structures=aorta,pulmonary_vein,brachiocephalic_trunk,subclavian_artery_right,subclavian_artery_left,common_carotid_artery_right,common_carotid_artery_left,brachiocephalic_vein_left,brachiocephalic_vein_right,atrial_appendage_left,superior_vena_cava,inferior_vena_cava,portal_vein_and_splenic_vein,iliac_artery_left,iliac_artery_right,iliac_vena_left,iliac_vena_right"},
  {"hide the IVC", "hide", "structures=inferior_vena_cava"},
  {"hide the i v c", "hide", "structures=inferior_vena_cava"},
  {"hide the adrenals", "hide", "structures=adrenal_gland_left,adrenal_gland_right"},
  {"remove the gall bladder", "hide", "structures=gallbladder"},
  {"take away the pancreas", "hide", "structures=pancreas"},
  {"the liver hide it", "hide", "structures=liver"},
  {"liver off", "hide", "structures=liver"},
  {"hide the lungs", "hide", "structures=lung_*"},
  {"delete the colon", "hide", "structures=colon"},
  {"remove the rib cage", "hide", "structures=rib_*,costal_cartilages"},
  {"hide the aorta please", "hide", "structures=aorta"},
  {"hide the sternum and the ribs", "hide", "structures=sternum,rib_*,costal_cartilages"},
  {"without the heart", "hide", "structures=heart"},
  {"hide the esophagus", "hide", "structures=esophagus"},
  {"hide the oesophagus", "hide", "structures=esophagus"},
  {"remove the bladder", "hide", "structures=urinary_bladder"},
  {"hide the intestines", "hide", "structures=small_bowel,duodenum,colon"},
  {"hide the left lung", "hide", "structures=lung_upper_lobe_left,lung_lower_lobe_left"},
  {"hide the stomack", "hide", "structures=stomach"},
  {"hide the spleen", "hide", "structures=spleen"},
  {"remove the bones", "hide", "structures=rib_*,costal_cartilages,vertebrae_*,sacrum,hip_left,hip_right,femur_left,femur_right,humerus_left,humerus_right,scapula_left,scapula_right,clavicula_left,clavicula_right,sternum,skull,costal_cartilages"},
  {"hide the muscles", "hide", "structures=gluteus_*,iliopsoas_left,iliopsoas_right,autochthon_left,autochthon_right"},
  {"make the liver invisible", "hide", "structures=liver"},
  {"hide the portal vein", "hide", "structures=portal_vein_and_splenic_vein"},
  {"hide the trachea", "hide", "structures=trachea"},
  // show
  {"show the liver", "show", "structures=liver"},
  {"show the liver again", "show", "structures=liver"},
  {"bring back the ribs", "show", "structures=rib_*,costal_cartilages"},
  {"display the kidneys", "show", "structures=kidney_left,kidney_right"},
  {"reveal the spleen", "show", "structures=spleen"},
  {"turn on the aorta", "show", "structures=aorta"},
  {"unhide the pancreas", "show", "structures=pancreas"},
  {"put the stomach back", "show", "structures=stomach"},
  {"make the gallbladder visible", "show", "structures=gallbladder"},
  {"show the heart", "show", "structures=heart"},
  // isolate
  {"show only the kidneys", "isolate", "structures=kidney_left,kidney_right"},
  {"only the liver", "isolate", "structures=liver"},
  {"isolate the pancreas", "isolate", "structures=pancreas"},
  {"show just the spleen", "isolate", "structures=spleen"},
  {"hide everything except the liver", "isolate", "structures=liver"},
  {"hide all but the kidneys and the liver", "isolate", "structures=kidney_left,kidney_right,liver"},
  {"focus on the aorta", "isolate", "structures=aorta"},
  {"show the liver only", "isolate", "structures=liver"},
  {"show nothing but the spine", "isolate", "structures=vertebrae_*,sacrum"},
  {"only show the lungs", "isolate", "structures=lung_*"},
  {"show solely the heart", "isolate", "structures=heart"},
  // opacity
  {"make the liver transparent", "make_transparent", "structures=liver"},
  {"make the ribs see-through", "make_transparent", "structures=rib_*,costal_cartilages"},
  {"make the spleen translucent", "make_transparent", "structures=spleen"},
  {"liver transparent", "make_transparent", "structures=liver"},
  {"make the liver more transparent please", "make_transparent", "structures=liver"},
  {"reduce the opacity of the kidneys", "make_transparent", "structures=kidney_left,kidney_right"},
  {"make the liver transparant", "make_transparent", "structures=liver"},
  {"ghost the stomach", "make_transparent", "structures=stomach"},
  {"make the liver opaque", "make_opaque", "structures=liver"},
  {"make the ribs solid again", "make_opaque", "structures=rib_*,costal_cartilages"},
  {"full opacity for the spleen", "make_opaque", "structures=spleen"},
  // show/hide all
  {"show everything", "show_all", ""},
  {"show all organs", "show_all", ""},
  {"unhide everything please", "show_all", ""},
  {"bring everything back", "show_all", ""},
  {"hide everything", "hide_all", ""},
  {"hide all structures", "hide_all", ""},
  // presets
  {"bone preset", "preset", "preset=bone"},
  {"use the bone preset", "preset", "preset=bone"},
  {"switch to the lung window", "preset", "preset=lung"},
  {"soft tissue preset", "preset", "preset=soft-tissue"},
  {"angio preset please", "preset", "preset=angio"},
  {"apply the vascular preset", "preset", "preset=angio"},
  {"bone window", "preset", "preset=bone"},
  {"pulmonary preset", "preset", "preset=lung"},
  {"preset bone", "preset", "preset=bone"},
  // slice views
  {"axial view", "slice_view", "orientation=axial"},
  {"show the coronal slice", "slice_view", "orientation=coronal"},
  {"sagittal", "slice_view", "orientation=sagittal"},
  {"switch to the saggital view", "slice_view", "orientation=sagittal"},
  {"transverse slice", "slice_view", "orientation=axial"},
  {"axil view", "slice_view", "orientation=axial"},
  {"3d view", "volume_view", ""},
  {"back to 3d", "volume_view", ""},
  {"volume view please", "volume_view", ""},
  {"next slice", "next_slice", ""},
  {"go to the next slice", "next_slice", ""},
  {"slice up", "next_slice", ""},
  {"following slice", "next_slice", ""},
  {"nxt slice", "next_slice", ""},
  {"previous slice", "previous_slice", ""},
  {"slice down", "previous_slice", ""},
  {"last slice", "previous_slice", ""},
  {"go back one slice", "previous_slice", ""},
  // reset, save, datasets
  {"reset the view", "reset", ""},
  {"reset", "reset", ""},
  {"reset the camera please", "reset", ""},
  {"start over", "reset", ""},
  {"go back to the original view", "reset", ""},
  {"rest the view", "reset", ""},
  {"save these settings", "save", ""},
  {"save", "save", ""},
  {"save the current view", "save", ""},
  {"please store these settings", "save", ""},
  {"remember this view", "save", ""},
  {"next dataset", "next_dataset", ""},
  {"open the next dataset", "next_dataset", ""},
  {"go to the next study", "next_dataset", ""},
  {"next patient", "next_dataset", ""},
  {"previous dataset", "previous_dataset", ""},
  {"open the previous case", "previous_dataset", ""},
  // help and answers
  {"what can I say", "help", ""},
  {"help", "help", ""},
  {"what commands are there", "help", ""},
  {"what are my options", "help", ""},
  {"help me", "help", ""},
  {"yes", "confirm", ""},
  {"yes please", "confirm", ""},
  {"yeah do it", "confirm", ""},
  {"no", "deny", ""},
  {"never mind", "deny", ""},
  {"cancel", "deny", ""},
  // not commands
  {"blah blah blah", "unknown", ""},
  {"what is the weather like today", "unknown", ""},
  {"hide the banana", "unknown", ""},
  {"", "unknown", ""},
};
// clang-format on

void ExpectSlots(const IntentMatch& m, const std::string& expected) {
  std::stringstream in(expected);
  for (std::string item; std::getline(in, item, ';');) {
    const size_t eq = item.find('=');
    ASSERT_NE(eq, std::string::npos) << item;
    const std::string slot = item.substr(0, eq), value = item.substr(eq + 1);
    ASSERT_TRUE(m.slots.contains(slot)) << "slot " << slot << " missing: " << m.slots.dump();
    const auto& got = m.slots.at(slot);
    if (slot == "structures") {
      std::set<std::string> names;
      for (const auto& s : got) names.insert(s.at("name").get<std::string>());
      EXPECT_EQ(names, Names(value));
    } else if (got.is_number()) {
      EXPECT_DOUBLE_EQ(got.get<double>(), std::stod(value)) << slot;
    } else {
      EXPECT_EQ(got.get<std::string>(), value) << slot;
    }
  }
}

TEST(DialogManagerTest, PhrasingTable) {
  ASSERT_GE(std::size(kPhrasings), 150u);
  std::set<std::string> intents_covered;
  for (const auto& p : kPhrasings) {
    SCOPED_TRACE(std::string("\"") + p.sentence + "\"");
    const IntentMatch m = Abdomen().Understand(p.sentence);
    EXPECT_EQ(m.intent, p.intent) << m.ToJson().dump();
    if (m.intent != p.intent) continue;
    intents_covered.insert(m.intent);
    if (m.intent != "unknown") {
      EXPECT_FALSE(m.needs_confirmation) << m.ToJson().dump();
      EXPECT_GE(m.confidence, Abdomen().catalog().confidence_threshold);
    }
    ExpectSlots(m, p.slots);
  }
  // Every intent of the shipped file is exercised.
  for (const auto& intent : Abdomen().catalog().intents)
    EXPECT_TRUE(intents_covered.contains(intent.name)) << intent.name;
}

TEST(DialogManagerTest, RepliesNameWhatWasDone) {
  EXPECT_EQ(Abdomen().Understand("hide the kidneys").reply, "Hiding the kidneys.");
  EXPECT_EQ(Abdomen().Understand("hide the livr").reply, "Hiding the liver.");
  EXPECT_EQ(Abdomen().Understand("hide the left kidney and the spleen").reply,
            "Hiding the left kidney and the spleen.");
  EXPECT_EQ(Abdomen().Understand("rotate left").reply, "Rotating left.");
}

TEST(DialogManagerTest, UnsureMatchesAskBack) {
  // Half of the words match "hide {structures}": not enough to act on.
  const IntentMatch m = Abdomen().Understand("hide the liver quickly behind something");
  EXPECT_TRUE(m.needs_confirmation) << m.ToJson().dump();
  EXPECT_EQ(m.intent, "hide");
  EXPECT_LT(m.confidence, Abdomen().catalog().confidence_threshold);
  EXPECT_EQ(m.reply, "Did you mean hide the liver?");
  EXPECT_EQ(m.confirmed_reply, "Hiding the liver.");
  // A bare organ name is not a command either.
  const IntentMatch bare = Abdomen().Understand("the spleen");
  EXPECT_TRUE(bare.needs_confirmation) << bare.ToJson().dump();
  EXPECT_EQ(bare.reply, "Did you mean hide the spleen?");
}

TEST(DialogManagerTest, StructuresComeFromTheDatasetsLabels) {
  // BTCV names ("right kidney", "portal and splenic veins") rather than TotalSegmentator's.
  auto catalog = ShippedCatalog();
  const DialogManager btcv(catalog, catalog->default_labels);
  const IntentMatch kidneys = btcv.Understand("show only the kidneys");
  ASSERT_EQ(kidneys.intent, "isolate");
  EXPECT_EQ(kidneys.slots["structures"].size(), 2u);
  const IntentMatch portal = btcv.Understand("hide the splenic vein");
  ASSERT_EQ(portal.intent, "hide");
  EXPECT_EQ(portal.slots["structures"][0]["name"], "portal and splenic veins");
  // No ribs in the BTCV table: asked back rather than hiding something else.
  EXPECT_EQ(btcv.Understand("remove the ribs").intent, "unknown");
}

TEST(DialogManagerTest, NewIntentsComeFromTheFileAlone) {
  auto catalog = IntentCatalog::Parse(R"({"version": 1, "intents": [
      {"name": "brighter", "action": "help", "reply": "Brighter.",
       "examples": ["brighter", "more light", "turn up the lights"]}]})",
                                      "inline");
  ASSERT_TRUE(catalog.ok()) << catalog.error().ToString();
  const DialogManager manager(std::make_shared<const IntentCatalog>(std::move(*catalog)), {});
  EXPECT_EQ(manager.Understand("turn up the lights").intent, "brighter");
  EXPECT_EQ(manager.Understand("more light please").reply, "Brighter.");
}

TEST(DialogManagerTest, BadIntentFilesAreRefusedWithTheField) {
  auto bad = [](const std::string& text) {
    auto c = IntentCatalog::Parse(text, "intents.json");
    EXPECT_FALSE(c.ok()) << text;
    return c.ok() ? std::string() : c.error().message;
  };
  EXPECT_EQ(bad("{"), "intents.json: not JSON");
  EXPECT_EQ(bad(R"({"version": 2, "intents": []})"), "intents.json: version: must be 1");
  EXPECT_EQ(bad(R"({"version": 1, "intents": [{"name": "a", "action": "zoom", "reply": "r",
                    "examples": ["zoom {amount"]}]})"),
            "intents.json: intents[0].examples[0]: unclosed '{'");
  EXPECT_EQ(bad(R"({"version": 1, "intents": [{"name": "a", "action": "zoom", "reply": "r",
                    "examples": ["zoom {size}"]}]})"),
            "intents.json: intents[0].examples[0]: unknown slot {size} (structures, direction, "
            "number, view, side, preset, orientation, amount)");
  EXPECT_EQ(bad(R"({"version": 1, "intents": [{"name": "a", "action": "zoom", "reply": "r",
                    "examples": ["x"]}, {"name": "a", "action": "zoom", "reply": "r",
                    "examples": ["y"]}]})"),
            "intents.json: intents[1].name: \"a\" appears twice");
  EXPECT_EQ(bad(R"({"version": 1, "word_synonyms": {"two words": "x"}, "intents": []})"),
            "intents.json: word_synonyms.two words: must be one word (phrases belong in the "
            "intents' examples)");
  EXPECT_EQ(bad(R"({"version": 1, "intents": [{"name": "a", "action": "zoom", "reply": "r",
                    "examples": ["zoom {amount}"], "typed_only": ["zoom {amount} please"]}]})"),
            "intents.json: intents[0].typed_only[0]: \"zoom {amount} please\" is not one of the "
            "intent's examples");
}

TEST(DialogManagerTest, GrammarCoversExamplesAndStructures) {
  const GrammarSpec spec = Abdomen().Grammar();
  auto has = [](const std::vector<std::string>& list, const std::string& s) {
    return std::find(list.begin(), list.end(), s) != list.end();
  };
  EXPECT_TRUE(has(spec.phrases, "hide {structures}"));
  EXPECT_TRUE(has(spec.phrases, "hide the {structures}"));
  EXPECT_TRUE(has(spec.phrases, "rotate to the {direction} by {number} degrees"));
  EXPECT_TRUE(has(spec.phrases, "reset the view"));
  EXPECT_FALSE(has(spec.phrases, "3d the view"));
  EXPECT_FALSE(has(spec.phrases, "next the dataset"));
  // Typed-only examples are understood when typed but cannot be heard.
  EXPECT_FALSE(has(spec.phrases, "{preset}"));
  EXPECT_FALSE(has(spec.phrases, "dim {structures}"));
  EXPECT_FALSE(has(spec.phrases, "dim the {structures}"));
  EXPECT_TRUE(has(spec.phrases, "{preset} preset"));
  EXPECT_EQ(Abdomen().Understand("dim the liver").intent, "make_transparent");
  EXPECT_EQ(Abdomen().Understand("bone").intent, "preset");
  EXPECT_TRUE(has(spec.slots.at("structures"), "liver"));
  EXPECT_TRUE(has(spec.slots.at("structures"), "kidneys"));
  EXPECT_TRUE(has(spec.slots.at("structures"), "ribs"));
  EXPECT_TRUE(has(spec.slots.at("structures"), "left kidney"));
  EXPECT_TRUE(has(spec.slots.at("direction"), "left"));
  // Every phrase's placeholders have values.
  for (const auto& phrase : spec.phrases) {
    for (size_t p = phrase.find('{'); p != std::string::npos; p = phrase.find('{', p + 1)) {
      const std::string slot = phrase.substr(p + 1, phrase.find('}', p) - p - 1);
      EXPECT_TRUE(spec.slots.contains(slot) && !spec.slots.at(slot).empty()) << phrase;
    }
  }
}

TEST(WordsTest, NumbersPluralsAndDistances) {
  EXPECT_EQ(ParseSpokenNumber({"forty", "five", "degrees"}, 0)->value, 45);
  EXPECT_EQ(ParseSpokenNumber({"forty", "five", "degrees"}, 0)->tokens, 2u);
  EXPECT_EQ(ParseSpokenNumber({"one", "hundred", "and", "twenty"}, 0)->value, 120);
  EXPECT_EQ(ParseSpokenNumber({"30"}, 0)->value, 30);
  EXPECT_FALSE(ParseSpokenNumber({"liver"}, 0));
  EXPECT_EQ(SingularOf("kidneys"), "kidney");
  EXPECT_EQ(SingularOf("pancreas"), "pancreas");
  EXPECT_EQ(SingularOf("arteries"), "artery");
  EXPECT_EQ(EditDistance("lvier", "liver"), 1);
  EXPECT_EQ(EditDistance("kidney", "kidneys"), 1);
  EXPECT_EQ(SplitWords("Let's hide the see-through LIVER!"),
            (std::vector<std::string>{"lets", "hide", "the", "see-through", "liver"}));
}

}  // namespace
}  // namespace viscera
