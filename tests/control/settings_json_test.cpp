#include "control/settings_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "render/presets.h"

namespace viscera {
namespace {
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// RenderSettings has no operator== (Camera, Light, ... have none): every field compared here, so
// a field added to the struct and forgotten here shows in the kitchen-sink test's key check.
void ExpectSameCamera(const Camera& a, const Camera& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.eye, b.eye);
  EXPECT_EQ(a.look_at, b.look_at);
  EXPECT_EQ(a.up, b.up);
  EXPECT_EQ(a.field_of_view_deg, b.field_of_view_deg);
}

void ExpectSameSettings(const RenderSettings& a, const RenderSettings& b) {
  ExpectSameCamera(a.camera, b.camera);
  ASSERT_EQ(a.cameras.size(), b.cameras.size());
  for (size_t n = 0; n < a.cameras.size(); ++n) ExpectSameCamera(a.cameras[n], b.cameras[n]);
  ASSERT_EQ(a.lights.size(), b.lights.size());
  for (size_t n = 0; n < a.lights.size(); ++n) {
    EXPECT_EQ(a.lights[n].enable, b.lights[n].enable);
    EXPECT_EQ(a.lights[n].direction, b.lights[n].direction);
    EXPECT_EQ(a.lights[n].color, b.lights[n].color);
    EXPECT_EQ(a.lights[n].intensity, b.lights[n].intensity);
  }
  EXPECT_EQ(a.background.enable, b.background.enable);
  EXPECT_EQ(a.background.show, b.background.show);
  EXPECT_EQ(a.background.top, b.background.top);
  EXPECT_EQ(a.background.horizon, b.background.horizon);
  EXPECT_EQ(a.background.bottom, b.background.bottom);
  EXPECT_EQ(a.background.intensity, b.background.intensity);
  EXPECT_EQ(a.background_color, b.background_color);
  EXPECT_EQ(a.ambient, b.ambient);
  EXPECT_EQ(a.transfer_function, b.transfer_function);  // TransferFunction has operator==
  EXPECT_EQ(a.organs, b.organs);
  EXPECT_EQ(a.crop.min, b.crop.min);
  EXPECT_EQ(a.crop.max, b.crop.max);
  EXPECT_EQ(a.clip.enable, b.clip.enable);
  EXPECT_EQ(a.clip.point, b.clip.point);
  EXPECT_EQ(a.clip.normal, b.clip.normal);
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.slice.orientation, b.slice.orientation);
  EXPECT_EQ(a.slice.center, b.slice.center);
  EXPECT_EQ(a.slice.center_set, b.slice.center_set);
  EXPECT_EQ(a.slice.normal, b.slice.normal);
  EXPECT_EQ(a.slice.up, b.slice.up);
  EXPECT_EQ(a.slice.window_center, b.slice.window_center);
  EXPECT_EQ(a.slice.window_width, b.slice.window_width);
  EXPECT_EQ(a.slice.label_opacity, b.slice.label_opacity);
  EXPECT_EQ(a.slice.zoom, b.slice.zoom);
  EXPECT_EQ(a.quality, b.quality);
  EXPECT_EQ(a.step_voxels, b.step_voxels);
}

// Every field away from its default, with values that are not short decimals.
RenderSettings KitchenSink() {
  RenderSettings s;
  s.camera = {
      "cinematic", {12.345678901234, -456.7, 89.1}, {1.5, 2.25, -3.125}, {0.1, 0.2, 0.97}, 37.5};
  s.cameras = {s.camera, {"side", {300, 0, 0}, {0, 0, 0}, {0, 0, 1}, 20}};
  s.lights = {{false, {0.3, -0.8, 0.1}, {0.9f, 0.8f, 0.7f}, 1.7},
              {true, {-1, 0, 0}, {0.1f, 0.2f, 0.3f}, 0.25}};
  s.background = {false, true, {0.1f, 0.2f, 0.3f}, {0.4f, 0.5f, 0.6f}, {0.7f, 0.8f, 0.9f}, 2.5};
  s.background_color = {0.05f, 0.1f, 1.0f / 3.0f};
  s.ambient = 0.31;
  TransferComponent c;
  c.min_hu = -123.4;
  c.max_hu = 567.8;
  c.profile = OpacityProfile::kSine;
  c.transition_hu = 33.3;
  c.opacity = 0.77;
  c.diffuse_start = {0.1f, 0.2f, 0.3f};
  c.diffuse_end = {0.4f, 0.5f, 0.6f};
  c.specular_start = {0.7f, 0.8f, 0.9f};
  c.specular_end = {0.15f, 0.25f, 0.35f};
  c.emissive_start = {0.45f, 0.55f, 0.65f};
  c.emissive_end = {0.75f, 0.85f, 0.95f};
  c.emissive_strength = 2.5;
  c.roughness = 42.5;
  c.active_regions = {0, 7, 65535};
  TransferComponent c2;
  c2.min_hu = 100;
  c2.max_hu = 100;  // min == max is allowed
  c2.profile = OpacityProfile::kTriangle;
  s.transfer_function.components = {c, c2};
  s.transfer_function.hidden_regions = {92, 93, 115};
  s.transfer_function.blending = BlendingProfile::kBlendedOpacity;
  s.transfer_function.density_scale = 355.5;
  s.transfer_function.global_opacity = 0.66;
  s.transfer_function.gradient_scale = 12.75;
  s.organs = {{5, false, true, {1, 0.5f, 0.25f}, 0.4}, {7, true, false, {}, 0.9}};
  s.crop = {{0.1, 0.2, 0.3}, {0.9, 0.8, 0.7}};
  s.clip = {true, {1.5, -2.5, 3.5}, {0.2, 0.3, -0.9}};
  s.mode = RenderMode::kSliceSegmentation;
  s.slice.orientation = SliceOrientation::kOblique;
  s.slice.center = {-10.5, 20.25, 30.125};
  s.slice.center_set = true;
  s.slice.normal = {0.1, 0.9, 0.2};
  s.slice.up = {0, 0.2, 0.8};
  s.slice.window_center = -600;
  s.slice.window_width = 1500;
  s.slice.label_opacity = 0.35;
  s.slice.zoom = 2.5;
  s.quality = RenderQuality::kCinematic;
  s.step_voxels = 0.75;
  return s;
}

TEST(SettingsJson, RoundTripKeepsEveryField) {
  const RenderSettings s = KitchenSink();
  const json written = SettingsToJson(s);
  // Through text, as saved versions and client state travel.
  auto read = SettingsFromJson(json::parse(written.dump()));
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  ExpectSameSettings(*read, s);
  EXPECT_EQ(SettingsToJson(*read), written);
}

TEST(SettingsJson, KitchenSinkChangesEveryKeyAndEveryKeyIsWritten) {
  const RenderSettings default_settings;
  const json sink = SettingsToJson(KitchenSink()), defaults = SettingsToJson(default_settings);
  const std::vector<std::string> keys = {"camera",
                                         "cameras",
                                         "lights",
                                         "background",
                                         "background_color",
                                         "ambient",
                                         "transfer_function",
                                         "organs",
                                         "crop",
                                         "clip",
                                         "mode",
                                         "slice",
                                         "quality",
                                         "step_voxels"};
  EXPECT_EQ(sink.size(), keys.size());
  for (const std::string& key : keys) {
    ASSERT_TRUE(sink.contains(key)) << key;
    EXPECT_NE(sink[key], defaults[key]) << key;
  }
  // Every member of the nested objects differs too (each field is really round-tripped).
  for (const char* key : {"camera", "background", "clip", "slice"}) {
    for (auto it = sink[key].begin(); it != sink[key].end(); ++it) {
      EXPECT_NE(it.value(), defaults[key][it.key()]) << key << "." << it.key();
    }
  }
  const json component = sink["transfer_function"]["components"][0];
  const json default_component = SettingsToJson([] {
    RenderSettings d;
    d.transfer_function.components.emplace_back();
    return d;
  }())["transfer_function"]["components"][0];
  for (auto it = component.begin(); it != component.end(); ++it) {
    EXPECT_NE(it.value(), default_component[it.key()]) << "component." << it.key();
  }
  for (auto it = sink["transfer_function"].begin(); it != sink["transfer_function"].end(); ++it) {
    EXPECT_NE(it.value(), defaults["transfer_function"][it.key()]) << it.key();
  }
}

TEST(SettingsJson, DefaultsRoundTripAndReadFromEmptyObject) {
  const RenderSettings defaults;
  auto read = SettingsFromJson(SettingsToJson(defaults));
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  ExpectSameSettings(*read, defaults);
  auto empty = SettingsFromJson(json::object());
  ASSERT_TRUE(empty.ok()) << empty.error().ToString();
  ExpectSameSettings(*empty, defaults);
}

TEST(SettingsJson, WritesReadableForm) {
  RenderSettings s;
  s.organs = {{5, true, true, {0.91f, 0.5f, 0.25f}, 1}, {6, true, false, {}, 1}};
  const json j = SettingsToJson(s);
  EXPECT_EQ(j["camera"]["eye"], json::parse("[0, -500, 0]"));
  EXPECT_EQ(j["mode"], "composite");
  EXPECT_EQ(j["quality"], "full");
  EXPECT_EQ(j["organs"][0]["color"].dump(), "[0.91,0.5,0.25]");  // the float's short form
  EXPECT_TRUE(j["organs"][1]["color"].is_null());
  EXPECT_EQ(j["lights"][0]["color"], json::parse("[1, 1, 1]"));
}

TEST(SettingsJson, PatchChangesOnlyTheKeysPresent) {
  const RenderSettings before = KitchenSink();
  RenderSettings s = before;
  ASSERT_TRUE(ApplySettingsJson(json::parse(R"({"camera": {"field_of_view_deg": 45},
      "slice": {"zoom": 3}, "transfer_function": {"global_opacity": 0.5}, "ambient": 0.5})"),
                                s)
                  .ok());
  RenderSettings expected = before;
  expected.camera.field_of_view_deg = 45;
  expected.slice.zoom = 3;
  expected.transfer_function.global_opacity = 0.5;
  expected.ambient = 0.5;
  ExpectSameSettings(s, expected);
  // An empty patch changes nothing.
  ASSERT_TRUE(ApplySettingsJson(json::object(), s).ok());
  ExpectSameSettings(s, expected);
}

TEST(SettingsJson, ListsOtherThanOrgansReplaceAndStartFromDefaults) {
  RenderSettings s = KitchenSink();
  ASSERT_TRUE(ApplySettingsJson(json::parse(R"({"lights": [{"intensity": 0.5}],
      "transfer_function": {"components": [{"min_hu": 0, "max_hu": 10}]}})"),
                                s)
                  .ok());
  ASSERT_EQ(s.lights.size(), 1u);
  EXPECT_EQ(s.lights[0].intensity, 0.5);
  EXPECT_EQ(s.lights[0].direction, Light{}.direction);
  ASSERT_EQ(s.transfer_function.components.size(), 1u);
  TransferComponent expected;
  expected.max_hu = 10;
  EXPECT_EQ(s.transfer_function.components[0], expected);
  EXPECT_EQ(s.transfer_function.hidden_regions, KitchenSink().transfer_function.hidden_regions);
}

TEST(SettingsJson, OrgansMergeByLabelInPatches) {
  RenderSettings s = KitchenSink();  // organs: 5 (hidden, coloured, 0.4), 7 (no colour, 0.9)
  ASSERT_TRUE(
      ApplySettingsJson(json::parse(R"({"organs": [{"label": 7, "visible": false}]})"), s).ok());
  ASSERT_EQ(s.organs.size(), 2u);
  EXPECT_EQ(s.organs[0], KitchenSink().organs[0]);
  EXPECT_EQ(s.organs[1], (OrganStyle{7, false, false, {}, 0.9}));

  // A new label is created from OrganStyle's defaults plus the patch.
  ASSERT_TRUE(
      ApplySettingsJson(json::parse(R"({"organs": [{"label": 9, "color": [0, 1, 0]}]})"), s).ok());
  ASSERT_EQ(s.organs.size(), 3u);
  EXPECT_EQ(s.organs[2], (OrganStyle{9, true, true, {0, 1, 0}, 1}));

  // null clears the colour; a colour sets it.
  ASSERT_TRUE(ApplySettingsJson(json::parse(R"({"organs": [{"label": 5, "color": null},
      {"label": 7, "color": [0.5, 0.5, 0.5], "opacity_scale": 0.25}]})"),
                                s)
                  .ok());
  EXPECT_EQ(s.organs[0], (OrganStyle{5, false, false, {}, 0.4}));
  EXPECT_EQ(s.organs[1], (OrganStyle{7, false, true, {0.5f, 0.5f, 0.5f}, 0.25}));

  // A full read replaces: only what the object lists.
  auto full = SettingsFromJson(json::parse(R"({"organs": [{"label": 3}]})"));
  ASSERT_TRUE(full.ok()) << full.error().ToString();
  ASSERT_EQ(full->organs.size(), 1u);
  EXPECT_EQ(full->organs[0], (OrganStyle{3, true, false, {}, 1}));
}

TEST(SettingsJson, PresetReplacesComponentsOnly) {
  RenderSettings s = KitchenSink();
  ASSERT_TRUE(ApplySettingsJson(json::parse(R"({"preset": "lung"})"), s).ok());
  RenderSettings expected = KitchenSink();
  expected.transfer_function.components = PresetTransferFunction("lung")->components;
  ExpectSameSettings(s, expected);

  // Applied before a transfer_function key of the same patch.
  ASSERT_TRUE(
      ApplySettingsJson(
          json::parse(R"({"transfer_function": {"density_scale": 100}, "preset": "bone"})"), s)
          .ok());
  EXPECT_EQ(s.transfer_function.components, PresetTransferFunction("bone")->components);
  EXPECT_EQ(s.transfer_function.density_scale, 100);
  for (const char* name : {"bone", "soft-tissue", "lung", "angio"}) {
    EXPECT_TRUE(ApplySettingsJson(json{{"preset", name}}, s).ok()) << name;
  }
}

struct BadPatch {
  const char* patch;
  const char* message;
};

TEST(SettingsJson, ErrorsNameFieldRangeAndValue) {
  const BadPatch cases[] = {
      {R"({"organs": [{"label": 1}, {"label": 2}, {"label": 4, "opacity_scale": 1.7}]})",
       "organs[2].opacity_scale: 1.7 is outside 0..1"},
      {R"({"camera": {"field_of_view_deg": 0}})",
       "camera.field_of_view_deg: 0 is outside (0, 180)"},
      {R"({"camera": {"field_of_view_deg": 180}})",
       "camera.field_of_view_deg: 180 is outside (0, 180)"},
      {R"({"mode": "foo"})",
       R"(mode: unknown mode "foo" (composite, mip, slice, slice-segmentation))"},
      {R"({"transfer_function": {"components": [{"min_hu": 300, "max_hu": 200}]}})",
       "transfer_function.components[0].min_hu: must be <= max_hu (300 > 200)"},
      {R"({"transfer_function": {"components": [{"min_hu": -200000}]}})",
       "transfer_function.components[0].min_hu: -200000 is outside -100000..100000"},
      {R"({"transfer_function": {"components": [{"profile": "round"}]}})",
       R"(transfer_function.components[0].profile: unknown profile "round" (square, triangle, sine, trapezoid))"},
      {R"({"transfer_function": {"components": [{"opacity": -0.5}]}})",
       "transfer_function.components[0].opacity: -0.5 is outside 0..1"},
      {R"({"transfer_function": {"components": [{"roughness": 101}]}})",
       "transfer_function.components[0].roughness: 101 is outside 0..100"},
      {R"({"transfer_function": {"components": [{"diffuse_end": [1, 1.5, 1]}]}})",
       "transfer_function.components[0].diffuse_end[1]: 1.5 is outside 0..1"},
      {R"({"transfer_function": {"components": [{"active_regions": [1, -1]}]}})",
       "transfer_function.components[0].active_regions[1]: -1 is outside 0..65535"},
      {R"({"transfer_function": {"hidden_regions": [92, 70000]}})",
       "transfer_function.hidden_regions[1]: 70000 is outside 0..65535"},
      {R"({"transfer_function": {"hidden_regions": [1.5]}})",
       "transfer_function.hidden_regions[0]: expected an integer, got 1.5"},
      {R"({"transfer_function": {"blending": "average"}})",
       R"(transfer_function.blending: unknown blending "average" (maximum, blended))"},
      {R"({"transfer_function": {"global_opacity": 2}})",
       "transfer_function.global_opacity: 2 is outside 0..1"},
      {R"({"transfer_function": {"density_scale": -1}})",
       "transfer_function.density_scale: -1 is outside 0..1000000"},
      {R"({"transfer_function": {"x": 1}})",
       R"(transfer_function: unknown field "x" (components, hidden_regions, blending, density_scale, global_opacity, gradient_scale))"},
      {R"({"x": 1})", R"(unknown field "x" (camera, cameras, lights, background, )"
                      R"(background_color, ambient, transfer_function, organs, crop, clip, mode, )"
                      R"(slice, quality, step_voxels, preset))"},
      {R"({"camera": {"x": 1}})",
       R"(camera: unknown field "x" (name, eye, look_at, up, field_of_view_deg))"},
      {R"({"camera": {"eye": [1, 2]}})",
       "camera.eye: expected an array of 3 numbers [x, y, z], got [1,2]"},
      {R"({"camera": {"eye": [1, "NaN", 2]}})", R"(camera.eye[1]: expected a number, got "NaN")"},
      {R"({"camera": {"eye": [1e300, 0, 0]}})",
       "camera.eye[0]: 1e+300 is not a finite number within +-1e9"},
      {R"({"camera": {"eye": [2000000, 0, 0]}})",
       "camera.eye[0]: 2000000 is outside -1000000..1000000"},
      {R"({"camera": {"up": [0, 0, 0]}})", "camera.up: must not be the zero vector, got [0,0,0]"},
      {R"({"camera": {"eye": [1, 2, 3], "look_at": [1, 2, 3]}})",
       "camera: eye and look_at must differ, both are [1, 2, 3]"},
      {R"({"camera": {"name": 5}})", "camera.name: expected a string, got 5"},
      {R"({"cameras": [{}, {"field_of_view_deg": -3}]})",
       "cameras[1].field_of_view_deg: -3 is outside (0, 180)"},
      {R"({"lights": [{"intensity": -1}]})", "lights[0].intensity: -1 is outside 0..100"},
      {R"({"lights": [{"direction": [0, 0, 0]}]})",
       "lights[0].direction: must not be the zero vector, got [0,0,0]"},
      {R"({"lights": [{"enable": "yes"}]})",
       R"(lights[0].enable: expected true or false, got "yes")"},
      {R"({"lights": {"intensity": 1}})", R"(lights: expected an array, got {"intensity":1})"},
      {R"({"background": {"intensity": 101}})", "background.intensity: 101 is outside 0..100"},
      {R"({"background": {"top": {"r": 1}}})",
       R"(background.top: expected an array of 3 numbers [r, g, b] in 0..1, got {"r":1})"},
      {R"({"background_color": [0, 2, 0]})", "background_color[1]: 2 is outside 0..1"},
      {R"({"ambient": true})", "ambient: expected a number, got true"},
      {R"({"ambient": 1.5})", "ambient: 1.5 is outside 0..1"},
      {R"({"organs": [{"visible": false}]})", R"(organs[0]: missing field "label")"},
      {R"({"organs": [{"label": 5}, {"label": 5}]})",
       "organs[1].label: label 5 appears more than once"},
      {R"({"organs": [{"label": 70000}]})", "organs[0].label: 70000 is outside 0..65535"},
      {R"({"organs": [{"label": 5, "visible": 1}]})",
       "organs[0].visible: expected true or false, got 1"},
      {R"({"organs": [{"label": 5, "colour": [1, 0, 0]}]})",
       R"(organs[0]: unknown field "colour" (label, visible, color, opacity_scale))"},
      {R"({"crop": {"min": [0.8, 0, 0], "max": [0.5, 1, 1]}})",
       "crop.min[0]: must be <= max[0] (0.8 > 0.5)"},
      {R"({"crop": {"max": [1, 1, 1.5]}})", "crop.max[2]: 1.5 is outside 0..1"},
      {R"({"clip": {"normal": [0, 0, 0]}})",
       "clip.normal: must not be the zero vector, got [0,0,0]"},
      {R"({"slice": {"window_width": 0}})", "slice.window_width: 0 is outside (0, 100000]"},
      {R"({"slice": {"zoom": 30}})", "slice.zoom: 30 is outside 0.1..20"},
      {R"({"slice": {"label_opacity": -0.1}})", "slice.label_opacity: -0.1 is outside 0..1"},
      {R"({"slice": {"orientation": "transverse"}})",
       R"(slice.orientation: unknown orientation "transverse" (axial, coronal, sagittal, oblique))"},
      {R"({"quality": "ultra"})", R"(quality: unknown quality "ultra" (draft, full, cinematic))"},
      {R"({"step_voxels": 5})", "step_voxels: 5 is outside 0.25..4"},
      {R"({"step_voxels": 0.1})", "step_voxels: 0.1 is outside 0.25..4"},
      {R"({"preset": "bones"})",
       R"(preset: unknown preset "bones" (bone, soft-tissue, lung, angio))"},
      {"[1, 2]", "expected an object, got [1,2]"},
  };
  for (const BadPatch& c : cases) {
    RenderSettings s;
    const Status status = ApplySettingsJson(json::parse(c.patch), s);
    ASSERT_FALSE(status.ok()) << c.patch;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument) << c.patch;
    EXPECT_EQ(status.error().message, c.message) << c.patch;
    // The full form refuses the same.
    auto full = SettingsFromJson(json::parse(c.patch));
    ASSERT_FALSE(full.ok()) << c.patch;
    EXPECT_EQ(full.error().message, c.message) << c.patch;
  }
}

TEST(SettingsJson, RefusesOverlongNamesAndLists) {
  RenderSettings s;
  Status status = ApplySettingsJson(json{{"camera", {{"name", std::string(257, 'a')}}}}, s);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "camera.name: 257 characters is longer than the 256 allowed");
  status = ApplySettingsJson(json{{"cameras", json::array()}}, s);
  EXPECT_TRUE(status.ok());
  json cameras = json::array();
  for (int n = 0; n < 65; ++n) cameras.push_back(json::object());
  status = ApplySettingsJson(json{{"cameras", cameras}}, s);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "cameras: 65 entries is more than the 64 allowed");
}

TEST(SettingsJson, AllOrNothingOnError) {
  const RenderSettings before = KitchenSink();
  RenderSettings s = before;
  // Valid changes first, in several sections, then one bad value.
  const Status status = ApplySettingsJson(json::parse(R"({"ambient": 0.9, "preset": "bone",
      "camera": {"field_of_view_deg": 40}, "organs": [{"label": 5, "visible": true},
      {"label": 11}], "crop": {"min": [0, 0, 0]}, "step_voxels": 9})"),
                                          s);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "step_voxels: 9 is outside 0.25..4");
  ExpectSameSettings(s, before);
  // An error inside a merged object leaves its earlier members alone too.
  ASSERT_FALSE(
      ApplySettingsJson(
          json::parse(R"({"organs": [{"label": 5, "visible": true, "opacity_scale": 3}]})"), s)
          .ok());
  ExpectSameSettings(s, before);
}

TEST(SettingsJson, GarbageValuesGiveShortMessagesAndNeverThrow) {
  // A deeply nested value where a camera belongs: the message shows a little of it.
  json deep = json::array();
  for (int n = 0; n < 20000; ++n) deep = json::array({std::move(deep)});
  RenderSettings s;
  Status status = ApplySettingsJson(json{{"camera", deep}}, s);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, StartsWith("camera: expected an object, got [[[...]]]"));

  // A huge string value is cut.
  status = ApplySettingsJson(json{{"mode", std::string(100000, 'x')}}, s);
  ASSERT_FALSE(status.ok());
  EXPECT_LT(status.error().message.size(), 300u);
  EXPECT_THAT(status.error().message, HasSubstr("xxx... (composite"));

  // Invalid UTF-8 (a json built in code, not parsed) is shown, not thrown.
  status = ApplySettingsJson(json{{"quality", "\xff\xfe"}}, s);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, StartsWith("quality: unknown quality"));
  status = ApplySettingsJson(json{{"\xff", 1}}, s);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, StartsWith("unknown field"));

  // Integers too large for int64 and negative zero-like edge values.
  EXPECT_FALSE(
      ApplySettingsJson(json::parse(R"({"organs": [{"label": 18446744073709551615}]})"), s).ok());
  EXPECT_FALSE(ApplySettingsJson(json{{"ambient", nullptr}}, s).ok());
  const RenderSettings defaults;
  ExpectSameSettings(s, defaults);
}

}  // namespace
}  // namespace viscera
