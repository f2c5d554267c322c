#include "control/session_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <string>
#include <variant>

#include "control/settings_json.h"
#include "render/render_test_support.h"

namespace viscera {
namespace {
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

template <typename T>
T Parsed(const std::string& text, int64_t expected_id = 0) {
  auto command = ParseSessionCommand(text);
  EXPECT_TRUE(command.ok()) << text << ": " << command.error().ToString();
  if (!command.ok()) return T{};
  EXPECT_EQ(command->id, expected_id) << text;
  const T* action = std::get_if<T>(&command->action);
  EXPECT_NE(action, nullptr) << text << " parsed to " << SessionActionName(command->action);
  return action == nullptr ? T{} : *action;
}

Error Refused(const std::string& text) {
  auto command = ParseSessionCommand(text);
  EXPECT_FALSE(command.ok()) << text;
  return command.ok() ? Error{ErrorCode::kNotFound, "parsed"} : command.error();
}

TEST(SessionCommand, ParsesEveryMessageType) {
  const OrbitCommand orbit =
      Parsed<OrbitCommand>(R"({"type": "orbit", "id": 7, "yaw_deg": 5, "pitch_deg": -2.5})", 7);
  EXPECT_EQ(orbit.yaw_deg, 5);
  EXPECT_EQ(orbit.pitch_deg, -2.5);
  const PanCommand pan = Parsed<PanCommand>(R"({"type": "pan", "dx_mm": 12.5, "dy_mm": -4})");
  EXPECT_EQ(pan.dx_mm, 12.5);
  EXPECT_EQ(pan.dy_mm, -4);
  EXPECT_EQ(Parsed<ZoomCommand>(R"({"type": "zoom", "factor": 1.25, "id": 3})", 3).factor, 1.25);
  EXPECT_EQ(Parsed<ViewCommand>(R"({"type": "view", "view": "left"})").view, AnatomicalView::kLeft);
  EXPECT_EQ(Parsed<ViewCommand>(R"({"type": "view", "view": "Superior"})").view,
            AnatomicalView::kSuperior);
  const SettingsCommand settings =
      Parsed<SettingsCommand>(R"({"type": "settings", "patch": {"mode": "mip", "x": 1}})");
  EXPECT_EQ(settings.patch, json::parse(R"({"mode": "mip", "x": 1})"));  // validated later
  const ResizeCommand resize = Parsed<ResizeCommand>(R"({"type": "resize", "width": 640,
      "height": 480})");
  EXPECT_EQ(resize.width, 640);
  EXPECT_EQ(resize.height, 480);
  Parsed<StillCommand>(R"({"type": "still", "id": 9007199254740991})", 9007199254740991);
  EXPECT_EQ(Parsed<SaveCommand>(R"({"type": "save", "note": "liver, arterial"})").note,
            "liver, arterial");
  Parsed<ResetCommand>(R"({"type": "reset"})");
  Parsed<StateCommand>(R"({"id": 1, "type": "state"})", 1);
}

TEST(SessionCommand, MissingNumbersTakeDefaults) {
  const OrbitCommand orbit = Parsed<OrbitCommand>(R"({"type": "orbit", "yaw_deg": 3})");
  EXPECT_EQ(orbit.yaw_deg, 3);
  EXPECT_EQ(orbit.pitch_deg, 0);
  const PanCommand pan = Parsed<PanCommand>(R"({"type": "pan"})");
  EXPECT_EQ(pan.dx_mm, 0);
  EXPECT_EQ(pan.dy_mm, 0);
  EXPECT_EQ(Parsed<ZoomCommand>(R"({"type": "zoom"})").factor, 1);
  const ResizeCommand resize = Parsed<ResizeCommand>(R"({"type": "resize", "height": 100})");
  EXPECT_EQ(resize.width, 512);
  EXPECT_EQ(resize.height, 100);
  EXPECT_EQ(Parsed<SaveCommand>(R"({"type": "save"})").note, "");
}

TEST(SessionCommand, NamesEveryAction) {
  EXPECT_STREQ(SessionActionName(OrbitCommand{}), "orbit");
  EXPECT_STREQ(SessionActionName(SettingsCommand{}), "settings");
  EXPECT_STREQ(SessionActionName(StateCommand{}), "state");
}

struct BadMessage {
  const char* text;
  const char* message;
};

TEST(SessionCommand, ErrorsNameFieldRangeAndValue) {
  const BadMessage cases[] = {
      {R"({"type": "zoom", "factor": 0})", "zoom.factor: 0 is outside 0.05..20"},
      {R"({"type": "zoom", "factor": 25})", "zoom.factor: 25 is outside 0.05..20"},
      {R"({"type": "fly"})",
       R"(unknown message type "fly" (orbit, pan, zoom, view, settings, resize, still, save, reset, state, query, listen, listen_end, voice))"},
      {R"({"type": "query", "text": 5})", "query.text: expected a string, got 5"},
      {R"({"type": "listen", "sample_rate": 8000})",
       "listen.sample_rate: 8000 is outside 16000..16000"},
      {R"({"type": "voice"})", R"(voice: missing field "spoken_replies")"},
      {R"({"type": "orbit", "yaw_deg": 361})", "orbit.yaw_deg: 361 is outside -360..360"},
      {R"({"type": "orbit", "pitch_deg": "NaN"})",
       R"(orbit.pitch_deg: expected a number, got "NaN")"},
      {R"({"type": "orbit", "yaw_deg": 1e300})",
       "orbit.yaw_deg: 1e+300 is not a finite number within +-1e9"},
      {R"({"type": "orbit", "yaw": 5})",
       R"(orbit: unknown field "yaw" (type, id, yaw_deg, pitch_deg))"},
      {R"({"type": "pan", "dx_mm": -10001})", "pan.dx_mm: -10001 is outside -10000..10000"},
      {R"({"type": "pan", "dy_mm": null})", "pan.dy_mm: expected a number, got null"},
      {R"({"type": "view", "view": "top"})",
       R"(view.view: unknown view "top" (anterior, posterior, left, right, superior, inferior))"},
      {R"({"type": "view"})", R"(view: missing field "view")"},
      {R"({"type": "view", "view": 1})", "view.view: expected a string, got 1"},
      {R"({"type": "settings"})", R"(settings: missing field "patch")"},
      {R"({"type": "settings", "patch": [1]})", "settings.patch: expected an object, got [1]"},
      {R"({"type": "resize", "width": 8})", "resize.width: 8 is outside 16..4096"},
      {R"({"type": "resize", "height": 5000})", "resize.height: 5000 is outside 16..4096"},
      {R"({"type": "resize", "width": 100.5})", "resize.width: expected an integer, got 100.5"},
      {R"({"type": "still", "quality": "full"})", R"(still: unknown field "quality" (type, id))"},
      {R"({"type": "save", "note": 5})", "save.note: expected a string, got 5"},
      {R"({"type": "state", "id": -1})", "state.id: -1 is outside 0..9007199254740991"},
      {R"({"type": "state", "id": 9007199254740992})",
       "state.id: 9007199254740992 is outside 0..9007199254740991"},
      {R"({"type": "state", "id": 18446744073709551615})",
       "state.id: 18446744073709551615 is outside 0..9007199254740991"},
      {R"({"type": "state", "id": "7"})", R"(state.id: expected an integer, got "7")"},
      {R"({"id": 3})", R"(message: missing field "type")"},
      {R"({"type": 3})", "type: expected a string, got 3"},
      {R"([{"type": "state"}])", R"(message: expected an object, got [{"type":"state"}])"},
      {R"("state")", R"(message: expected an object, got "state")"},
  };
  for (const BadMessage& c : cases) {
    const Error error = Refused(c.text);
    EXPECT_EQ(error.code, ErrorCode::kInvalidArgument) << c.text;
    EXPECT_EQ(error.message, c.message) << c.text;
  }
}

TEST(SessionCommand, SaveNoteCountsCharactersNotBytes) {
  std::string note;
  for (int n = 0; n < 500; ++n) note += "\xc3\xa9";  // é: 2 bytes, 1 character
  EXPECT_EQ(Parsed<SaveCommand>(json{{"type", "save"}, {"note", note}}.dump()).note, note);
  const Error error = Refused(json{{"type", "save"}, {"note", note + "e"}}.dump());
  EXPECT_EQ(error.message, "save.note: 501 characters is longer than the 500 allowed");
}

TEST(SessionCommand, RefusesGarbage) {
  Error error = Refused("{\"ty");
  EXPECT_EQ(error.code, ErrorCode::kCorruptData);
  EXPECT_EQ(error.message,
            "not JSON at byte 5: syntax error while parsing object key - invalid string: missing "
            "closing quote; last read: '\"ty'; expected string literal");
  error = Refused("");
  EXPECT_EQ(error.code, ErrorCode::kCorruptData);
  EXPECT_THAT(error.message, StartsWith("not JSON at byte 1: "));
  error = Refused(R"({"type": "zoom", "factor": NaN})");  // N is the 28th byte
  EXPECT_EQ(error.code, ErrorCode::kCorruptData);
  EXPECT_THAT(error.message, StartsWith("not JSON at byte 28: syntax error"));
  error = Refused(R"({"type": "zoom", "factor": 1e400})");
  EXPECT_EQ(error.code, ErrorCode::kCorruptData);
  EXPECT_EQ(error.message, "not JSON: number overflow parsing '1e400'");
  // The parser alone would stop at the NUL and take the first message.
  error = Refused(std::string(R"({"type": "state"})") + '\0' + R"({"type": "still"})");
  EXPECT_EQ(error.code, ErrorCode::kCorruptData);
  EXPECT_EQ(error.message, "not JSON at byte 18: a NUL byte");
  error = Refused(R"({"type": "state"} {"type": "still"})");
  EXPECT_EQ(error.code, ErrorCode::kCorruptData);
  EXPECT_EQ(Refused("{}").message, R"(message: missing field "type")");

  // Invalid UTF-8: refused, and the message itself is valid UTF-8 (it is sent back as JSON).
  for (const std::string& text : {std::string("{\"type\": \"st\xff\"}"),
                                  std::string("{\"type\": \"st\xc3\"}"), std::string("\xfe\xff")}) {
    error = Refused(text);
    EXPECT_EQ(error.code, ErrorCode::kCorruptData) << error.message;
    EXPECT_NO_THROW((void)json(error.message).dump()) << error.message;
  }
}

TEST(SessionCommand, DeeplyNestedJsonIsRefusedWithoutCrashing) {
  const int depth = 30000;  // 60 KB: under the size limit
  const std::string arrays = std::string(depth, '[') + std::string(depth, ']');
  Error error = Refused(arrays);
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.message, "message: expected an object, got [[[...]]]");

  // Deep inside a settings patch: parsed (an object), refused by ApplySettingsJson.
  const int objects = 10000;  // 60 KB
  std::string nested;
  for (int n = 0; n < objects; ++n) nested += "{\"a\":";
  nested += "1" + std::string(objects, '}');
  auto command =
      ParseSessionCommand(R"({"type": "settings", "patch": {"camera": )" + nested + "}}");
  ASSERT_TRUE(command.ok()) << command.error().ToString();
  RenderSettings settings;
  const Status applied =
      ApplySettingsJson(std::get<SettingsCommand>(command->action).patch, settings);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().message,
            R"(camera: unknown field "a" (name, eye, look_at, up, field_of_view_deg))");
}

TEST(SessionCommand, RefusesMessagesOverSixtyFourKibibytes) {
  const std::string state = R"({"type": "state"})";
  std::string padded = state + std::string(kMaxSessionMessageBytes - state.size(), ' ');
  ASSERT_EQ(padded.size(), 64u * 1024);
  EXPECT_TRUE(ParseSessionCommand(padded).ok());
  const std::string note(65 * 1024, 'a');
  const Error error = Refused(json{{"type", "save"}, {"note", note}}.dump());
  EXPECT_EQ(error.code, ErrorCode::kTooLarge);
  EXPECT_THAT(error.message, HasSubstr("bytes is longer than the 65536 allowed"));
  EXPECT_EQ(Refused(padded + " ").code, ErrorCode::kTooLarge);
}

// ---- Camera commands ----------------------------------------------------------------------------

double Distance(const Vec3& a, const Vec3& b) {
  const Vec3 d = Sub(a, b);
  return std::sqrt(Dot(d, d));
}

void ExpectNear(const Vec3& a, const Vec3& b, double tolerance) {
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(a[i], b[i], tolerance) << "axis " << i;
}

class CameraCommandTest : public ::testing::Test {
 protected:
  CameraCommandTest() {
    // 20 x 16 x 12 voxels of 1 x 1.5 x 2 mm, centred on LPS (0, 0, 0), shifted so the centre is
    // not the origin.
    Geometry g = render_test::CenteredLpsGrid({20, 16, 12}, {1, 1.5, 2});
    g.origin = Add(g.origin, kShift);
    volume_ =
        render_test::MakeRenderVolume(render_test::SamplePhantom(g,
                                                                 [](const Vec3&) {
                                                                   return render_test::Voxel{40, 0};
                                                                 }),
                                      /*labels=*/false);
    camera_.eye = {30, -400, 50};
    camera_.look_at = {5, 10, 15};
    camera_.up = {0.1, 0, 1};
  }

  static constexpr Vec3 kShift{10, -20, 30};
  std::shared_ptr<const RenderVolume> volume_;
  Camera camera_;
};

TEST_F(CameraCommandTest, OrbitThreeSixtyReturnsToTheStart) {
  for (const OrbitCommand orbit : {OrbitCommand{360, 0}, OrbitCommand{0, 360},
                                   OrbitCommand{-360, 0}, OrbitCommand{360, -360}}) {
    const Camera moved = ApplyCameraCommand(orbit, camera_, *volume_);
    ExpectNear(moved.eye, camera_.eye, 1e-6);
    ExpectNear(moved.look_at, camera_.look_at, 1e-6);
  }
  Camera c = camera_;
  for (int n = 0; n < 4; ++n) c = ApplyCameraCommand(OrbitCommand{90, 0}, c, *volume_);
  ExpectNear(c.eye, camera_.eye, 1e-6);
  // A quarter turn keeps the distance and moves the eye.
  const Camera quarter = ApplyCameraCommand(OrbitCommand{90, 0}, camera_, *volume_);
  EXPECT_NEAR(Distance(quarter.eye, quarter.look_at), Distance(camera_.eye, camera_.look_at), 1e-6);
  EXPECT_GT(Distance(quarter.eye, camera_.eye), 100);
}

TEST_F(CameraCommandTest, ZoomTwoHalvesTheDistance) {
  const Camera moved = ApplyCameraCommand(ZoomCommand{2}, camera_, *volume_);
  EXPECT_NEAR(Distance(moved.eye, moved.look_at), Distance(camera_.eye, camera_.look_at) / 2, 1e-9);
  ExpectNear(moved.look_at, camera_.look_at, 0);
  const Camera out = ApplyCameraCommand(ZoomCommand{0.5}, camera_, *volume_);
  EXPECT_NEAR(Distance(out.eye, out.look_at), Distance(camera_.eye, camera_.look_at) * 2, 1e-9);
}

TEST_F(CameraCommandTest, PanMovesEyeAndTargetEqually) {
  const Camera moved = ApplyCameraCommand(PanCommand{30, -40}, camera_, *volume_);
  const Vec3 eye_shift = Sub(moved.eye, camera_.eye);
  const Vec3 target_shift = Sub(moved.look_at, camera_.look_at);
  ExpectNear(eye_shift, target_shift, 1e-9);
  EXPECT_NEAR(std::sqrt(Dot(eye_shift, eye_shift)), 50, 1e-9);
  // In the image plane: perpendicular to the view direction.
  EXPECT_NEAR(Dot(eye_shift, Unit(Sub(camera_.look_at, camera_.eye))), 0, 1e-9);
}

TEST_F(CameraCommandTest, ViewLeftPutsTheEyeAtPatientLeft) {
  camera_.field_of_view_deg = 25;
  const Camera moved = ApplyCameraCommand(ViewCommand{AnatomicalView::kLeft}, camera_, *volume_);
  const Vec3 center = volume_->CenterLps();
  ExpectNear(center, kShift, 1e-9);
  ExpectNear(moved.look_at, center, 1e-9);
  const Vec3 from = Sub(moved.eye, center);
  EXPECT_GT(from[0], volume_->BoundingRadiusMm());  // +x: the patient's left, outside the volume
  EXPECT_NEAR(from[1], 0, 1e-9);
  EXPECT_NEAR(from[2], 0, 1e-9);
  EXPECT_EQ(moved.field_of_view_deg, 25);
  EXPECT_EQ(moved.name, "left");
  const Camera anterior =
      ApplyCameraCommand(ViewCommand{AnatomicalView::kAnterior}, camera_, *volume_);
  EXPECT_LT(anterior.eye[1], center[1] - volume_->BoundingRadiusMm());  // -y: anterior
}

TEST_F(CameraCommandTest, OtherActionsLeaveTheCameraAlone) {
  for (const SessionAction& action :
       {SessionAction{SettingsCommand{}}, SessionAction{ResizeCommand{}},
        SessionAction{StillCommand{}}, SessionAction{SaveCommand{}}, SessionAction{ResetCommand{}},
        SessionAction{StateCommand{}}}) {
    const Camera same = ApplyCameraCommand(action, camera_, *volume_);
    EXPECT_EQ(same.eye, camera_.eye);
    EXPECT_EQ(same.look_at, camera_.look_at);
    EXPECT_EQ(same.up, camera_.up);
  }
}

TEST_F(CameraCommandTest, ParsedMessagesMoveTheCamera) {
  auto command = ParseSessionCommand(R"({"type": "zoom", "id": 4, "factor": 2})");
  ASSERT_TRUE(command.ok());
  const Camera moved = ApplyCameraCommand(command->action, camera_, *volume_);
  EXPECT_NEAR(Distance(moved.eye, moved.look_at), Distance(camera_.eye, camera_.look_at) / 2, 1e-9);
}

}  // namespace
}  // namespace viscera
