// Understood commands -> session actions, checked by applying them through the settings
// validation layer as a session does: organs hidden/isolated by label, camera moves of the
// asked size and direction, slices stepping exactly one voxel along their normal.
#include "voice/voice_actions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "control/settings_json.h"
#include "render/render_test_support.h"
#include "test_data.h"

namespace viscera {
namespace {

class VoiceActionsTest : public ::testing::Test {
 protected:
  VoiceActionsTest() {
    auto catalog = IntentCatalog::Load(testing::SourceDir() / "data/voice/intents.json");
    EXPECT_TRUE(catalog.ok());
    std::ifstream in(testing::SourceDir() / "data/demo/totalseg-abdomen/labels_total_v2.json");
    nlohmann::json doc;
    in >> doc;
    for (const auto& [key, name] : doc.items()) labels_[std::stoi(key)] = name.get<std::string>();
    dialog_ = std::make_unique<DialogManager>(
        std::make_shared<const IntentCatalog>(std::move(*catalog)), labels_);
    // 20 x 16 x 12 voxels of 1 x 1.5 x 2 mm: steps differ per axis.
    const Geometry g = render_test::CenteredLpsGrid({20, 16, 12}, {1, 1.5, 2});
    volume_ = render_test::MakeRenderVolume(render_test::SamplePhantom(g, [](const Vec3&) {
      return render_test::Voxel{40, 5};
    }));
  }

  // Plans `sentence` and applies every action to `settings` as RenderSession::Apply does.
  VoicePlan Apply(const std::string& sentence) {
    const IntentMatch match = dialog_->Understand(sentence);
    auto plan = PlanVoiceActions(match, settings_, *volume_, labels_);
    EXPECT_TRUE(plan.ok()) << sentence << ": " << plan.error().ToString();
    if (!plan.ok()) return {};
    for (const auto& action : plan->actions) {
      if (const auto* patch = std::get_if<SettingsCommand>(&action)) {
        Status applied = ApplySettingsJson(patch->patch, settings_);
        EXPECT_TRUE(applied.ok()) << sentence << ": " << applied.error().ToString();
      } else {
        settings_.camera = ApplyCameraCommand(action, settings_.camera, *volume_);
      }
    }
    return *plan;
  }

  bool Visible(int label) const {
    for (const auto& organ : settings_.organs) {
      if (organ.label == label) return organ.visible;
    }
    return true;
  }

  std::map<int, std::string> labels_;
  std::unique_ptr<DialogManager> dialog_;
  std::shared_ptr<const RenderVolume> volume_;
  RenderSettings settings_;
};

TEST_F(VoiceActionsTest, OrgansAreHiddenShownAndIsolatedByLabel) {
  Apply("hide the liver");
  EXPECT_FALSE(Visible(5));
  EXPECT_TRUE(Visible(1));
  Apply("remove the ribs");
  for (int rib = 92; rib <= 115; ++rib) EXPECT_FALSE(Visible(rib)) << rib;
  EXPECT_TRUE(Visible(116));  // sternum stays
  Apply("show only the kidneys");
  for (const auto& [label, name] : labels_)
    EXPECT_EQ(Visible(label), label == 2 || label == 3) << name;
  Apply("show everything");
  for (const auto& [label, name] : labels_) EXPECT_TRUE(Visible(label)) << name;
  Apply("make the liver transparent");
  for (const auto& organ : settings_.organs) {
    if (organ.label == 5) {
      EXPECT_DOUBLE_EQ(organ.opacity_scale, 0.3);
    }
  }
}

TEST_F(VoiceActionsTest, CameraMovesHaveTheAskedSizeAndDirection) {
  settings_.camera = AnatomicalCamera(*volume_, AnatomicalView::kAnterior, 30);
  const Camera start = settings_.camera;
  const double distance =
      std::sqrt(Dot(Sub(start.eye, start.look_at), Sub(start.eye, start.look_at)));
  Apply("zoom in");
  const Vec3 d = Sub(settings_.camera.eye, settings_.camera.look_at);
  EXPECT_NEAR(std::sqrt(Dot(d, d)), distance / 1.25, 1e-6);

  settings_.camera = start;
  Apply("rotate to the right by 90 degrees");
  const Vec3 to_eye = Unit(Sub(settings_.camera.eye, settings_.camera.look_at));
  const Vec3 was = Unit(Sub(start.eye, start.look_at));
  EXPECT_NEAR(Dot(to_eye, was), 0.0, 1e-6);  // a quarter turn

  settings_.camera = start;
  Apply("pan left by 40 millimeters");
  const Vec3 moved = Sub(settings_.camera.look_at, start.look_at);
  EXPECT_NEAR(std::sqrt(Dot(moved, moved)), 40, 1e-6);

  Apply("left view");
  const Vec3 side = Unit(Sub(settings_.camera.eye, settings_.camera.look_at));
  EXPECT_GT(side[0], 0.99);  // LPS +x is the patient's left
}

TEST_F(VoiceActionsTest, SlicesStepOneVoxelAlongTheirNormal) {
  Apply("axial view");
  EXPECT_EQ(settings_.mode, RenderMode::kSliceSegmentation);
  EXPECT_EQ(settings_.slice.orientation, SliceOrientation::kAxial);
  Apply("next slice");
  ASSERT_TRUE(settings_.slice.center_set);
  const Vec3 center = volume_->CenterLps();
  EXPECT_NEAR(settings_.slice.center[2] - center[2], 2.0, 1e-9);  // z spacing
  Apply("previous slice");
  EXPECT_NEAR(settings_.slice.center[2], center[2], 1e-9);
  Apply("coronal slice");
  Apply("next slice");
  EXPECT_NEAR(std::abs(settings_.slice.center[1] - center[1]), 1.5, 1e-9);  // y spacing
  Apply("bone preset");
  EXPECT_EQ(settings_.mode, RenderMode::kComposite);
}

TEST_F(VoiceActionsTest, SaveNavigationAndQuestionsAreNotSessionActions) {
  EXPECT_TRUE(Apply("save these settings").save);
  EXPECT_EQ(Apply("next dataset").navigate, 1);
  EXPECT_EQ(Apply("previous case").navigate, -1);
  EXPECT_TRUE(Apply("what can I say").actions.empty());
  const IntentMatch unsure = dialog_->Understand("hide the liver quickly behind something");
  ASSERT_TRUE(unsure.needs_confirmation);
  auto plan = PlanVoiceActions(unsure, settings_, *volume_, labels_);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->actions.empty());
}

TEST_F(VoiceActionsTest, AYesConfirmsTheQuestionBackAndANoDropsIt) {
  Conversation conversation;
  const IntentMatch asked =
      conversation.Resolve(dialog_->Understand("hide the liver quickly behind something"));
  EXPECT_TRUE(asked.needs_confirmation);
  const IntentMatch confirmed = conversation.Resolve(dialog_->Understand("yes"));
  EXPECT_EQ(confirmed.intent, "hide");
  EXPECT_FALSE(confirmed.needs_confirmation);
  EXPECT_EQ(confirmed.reply, "Hiding the liver.");
  // Only once.
  EXPECT_EQ(conversation.Resolve(dialog_->Understand("yes")).reply,
            "There is nothing waiting for a yes.");
  conversation.Resolve(dialog_->Understand("hide the liver quickly behind something"));
  EXPECT_EQ(conversation.Resolve(dialog_->Understand("no")).intent, "deny");
  EXPECT_EQ(conversation.Resolve(dialog_->Understand("yes")).intent, "confirm");
}

}  // namespace
}  // namespace viscera
