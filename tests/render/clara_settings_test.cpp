#include "render/clara_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <numbers>

#include "io/atomic_file.h"
#include "io/clara_world.h"
#include "test_data.h"

namespace viscera {
namespace {
using nlohmann::json;
using ::testing::HasSubstr;

constexpr double kMinHu = -1024, kMaxHu = 3071;  // span 4095

// 100 x 80 x 50 voxels of 0.8 x 0.8 x 2 mm: extents 80, 64, 100 mm, so the largest is 100 mm.
// LAS: i toward the patient's left, j toward anterior (-y in LPS), k toward superior.
Geometry LasGrid() {
  Geometry g;
  g.size = {100, 80, 50};
  g.spacing = {0.8, 0.8, 2.0};
  g.origin = {-40, 20, 100};
  g.direction.m = {{{1, 0, 0}, {0, -1, 0}, {0, 0, 1}}};
  return g;
}

// Rotated 30 degrees about the patient's z axis, with an odd shape: nothing lines up.
Geometry RotatedGrid() {
  Geometry g;
  g.size = {64, 50, 33};
  g.spacing = {0.7, 0.9, 1.5};
  g.origin = {12, -30, 5};
  const double c = std::cos(std::numbers::pi / 6), s = std::sin(std::numbers::pi / 6);
  g.direction.m = {{{c, -s, 0}, {s, c, 0}, {0, 0, 1}}};
  return g;
}

std::string Reference(const std::string& file) {
  const auto path = testing::SharedDataDir() / "../reference/clara-formats" / file;
  auto text = ReadWholeFile(path, 1 << 22);
  EXPECT_TRUE(text.ok()) << path;
  return text.ok() ? *text : std::string();
}
std::string Deploy() {
  return Reference("config_render.clara-deploy.json");
}
std::string Viz() {
  return Reference("settings.clara-viz.json");
}

RenderSettings Parse(const std::string& text, const Geometry& g = LasGrid()) {
  auto s = ParseClaraRenderSettings(text, g, kMinHu, kMaxHu, "config_render.json");
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return s.ok() ? *s : RenderSettings{};
}

void ExpectNear(const Vec3& a, const Vec3& b, double tol, const std::string& what) {
  for (int n = 0; n < 3; ++n) EXPECT_NEAR(a[n], b[n], tol) << what << "[" << n << "]";
}
void ExpectNear(const Color& a, const Color& b, double tol, const std::string& what) {
  ExpectNear(Vec3{a.r, a.g, a.b}, Vec3{b.r, b.g, b.b}, tol, what);
}

TEST(ClaraWorldTest, RoundTripsPointsAndDirections) {
  const Geometry g = RotatedGrid();
  const ClaraWorld world(g);
  EXPECT_DOUBLE_EQ(world.largest_extent_mm(), 33 * 1.5);  // k: 49.5 mm > 45 (j) > 44.8 (i)
  const Vec3 centre = g.IndexToLpsPoint({31.5, 24.5, 16});
  ExpectNear(world.ToLps({0, 0, 0}), centre, 1e-9, "centre");
  // World +x is index axis i, scaled by the largest extent.
  const Vec3 i_axis = g.direction.Column(0);
  ExpectNear(world.ToLps({0.5, 0, 0}),
             {centre[0] + 24.75 * i_axis[0], centre[1] + 24.75 * i_axis[1], centre[2]}, 1e-9, "+x");
  const Vec3 p{3, -7, 11};
  ExpectNear(world.ToLps(world.FromLps(p)), p, 1e-9, "point");
  ExpectNear(world.DirectionToLps(world.DirectionFromLps(p)), p, 1e-9, "direction");

  const ClaraDensity density{-1000, 1000};
  EXPECT_DOUBLE_EQ(density.ToHu(0.75), 500);
  EXPECT_DOUBLE_EQ(density.Normalise(500), 0.75);
  EXPECT_DOUBLE_EQ(density.Normalise(5000), 1);  // clamped to Clara's 0..1
  EXPECT_DOUBLE_EQ(density.WidthToHu(0.1), 200);
  EXPECT_DOUBLE_EQ(density.WidthFromHu(200), 0.1);
  EXPECT_DOUBLE_EQ((ClaraDensity{40, 40}.Normalise(40)), 0);  // a uniform volume
}

TEST(ClaraSettingsTest, ReadsClaraDeployConfigRenderIntoPatientSpace) {
  const RenderSettings s = Parse(Deploy());
  // Voxel box centre: index (49.5, 39.5, 24.5) -> LPS (-40 + 49.5 * 0.8, 20 - 39.5 * 0.8,
  // 100 + 24.5 * 2) = (-0.4, -11.6, 149); world (x, y, z) -> centre + 100 mm * (x, -y, z).
  EXPECT_EQ(s.camera.name, "Cinematic");
  ExpectNear(s.camera.eye,
             {-0.4 + 100 * 0.25439594946576577, -11.6 - 100 * 0.28691943829298083,
              149 + 100 * 0.7147179382378706},
             1e-9, "eye");
  ExpectNear(s.camera.look_at,
             {-0.4 - 100 * 0.03195509341043604, -11.6 - 100 * 0.006501020775334048,
              149 - 100 * 0.016047870948873777},
             1e-9, "lookAt");
  ExpectNear(s.camera.up, {-0.11501682740802115, -0.9416680547756795, -0.31627899713554536}, 1e-12,
             "up");
  EXPECT_DOUBLE_EQ(s.camera.field_of_view_deg, 30);
  ASSERT_EQ(s.cameras.size(), 5u);
  EXPECT_EQ(s.cameras[1].name, "SliceTop");
  ExpectNear(s.cameras[1].eye, {-0.4, -11.6 - 1000, 149}, 1e-9, "SliceTop eye");
  EXPECT_EQ(s.mode, RenderMode::kComposite);

  ASSERT_EQ(s.lights.size(), 1u);
  EXPECT_TRUE(s.lights[0].enable);
  EXPECT_DOUBLE_EQ(s.lights[0].intensity, 1.1);
  ExpectNear(s.lights[0].direction, {-0.3694435400514917, 0.8703544378686093, -0.3255681544571566},
             1e-12, "light");
  EXPECT_TRUE(s.background.enable);
  EXPECT_FALSE(s.background.show);

  // DataCrop limits [D, X, Y, Z]: X 0.06..0.89, Z 0.18..1.
  EXPECT_EQ(s.crop.min, (std::array<double, 3>{0.06, 0, 0.18}));
  EXPECT_EQ(s.crop.max, (std::array<double, 3>{0.89, 1, 1}));

  const TransferFunction& tf = s.transfer_function;
  ASSERT_EQ(tf.components.size(), 14u);
  EXPECT_EQ(tf.blending, BlendingProfile::kMaximumOpacity);
  EXPECT_DOUBLE_EQ(tf.density_scale, 710);
  EXPECT_TRUE(tf.hidden_regions.empty());
  // Bone: range 0.521..0.778 of -1024..3071 HU, transition 0.06 of the 4095 HU span.
  const TransferComponent& bone = tf.components[0];
  EXPECT_NEAR(bone.min_hu, -1024 + 0.521 * 4095, 1e-9);  // 1109.495
  EXPECT_NEAR(bone.max_hu, -1024 + 0.778 * 4095, 1e-9);  // 2161.91
  EXPECT_NEAR(bone.transition_hu, 0.06 * 4095, 1e-9);
  EXPECT_EQ(bone.active_regions, std::vector<uint16_t>{0});
  EXPECT_EQ(bone.profile, OpacityProfile::kSquare);
  EXPECT_DOUBLE_EQ(bone.roughness, 9.8);
  EXPECT_FLOAT_EQ(bone.diffuse_end.g, 0.8549019607843137f);
  const TransferComponent& c3 = tf.components[3];
  EXPECT_EQ(c3.active_regions, std::vector<uint16_t>{3});
  EXPECT_NEAR(c3.min_hu, -1024 + 0.469 * 4095, 1e-9);
  EXPECT_NEAR(c3.max_hu, -1024 + 0.579 * 4095, 1e-9);
  EXPECT_DOUBLE_EQ(c3.opacity, 0.5);
  EXPECT_EQ(tf.components[6].profile, OpacityProfile::kSine);
}

TEST(ClaraSettingsTest, ReadsClaraVizSettingsKeepingOnlyEnabledLights) {
  const RenderSettings s = Parse(Viz());
  EXPECT_EQ(s.camera.name, "Perspective");  // Views[0].cameraName
  ASSERT_EQ(s.cameras.size(), 5u);
  ASSERT_EQ(s.lights.size(), 1u) << "the reference has 4 lights, 1 enabled";
  EXPECT_EQ(s.transfer_function.components.size(), 14u);
  EXPECT_EQ(s.mode, RenderMode::kComposite);
  EXPECT_FALSE(s.background.show);
}

// The two reference files carry the same scene in the two dialects (Clara Viz's as float32).
TEST(ClaraSettingsTest, DeployAndVizReferencesAgree) {
  for (const Geometry& g : {LasGrid(), RotatedGrid()}) {
    const RenderSettings a = Parse(Deploy(), g), b = Parse(Viz(), g);
    const double mm = 1e-6 * ClaraWorld(g).largest_extent_mm(), hu = 1e-6 * (kMaxHu - kMinHu);
    ExpectNear(a.camera.eye, b.camera.eye, mm, "eye");
    ExpectNear(a.camera.look_at, b.camera.look_at, mm, "lookAt");
    ExpectNear(a.camera.up, b.camera.up, 1e-6, "up");
    EXPECT_NEAR(a.camera.field_of_view_deg, b.camera.field_of_view_deg, 1e-6);
    ASSERT_EQ(a.cameras.size(), b.cameras.size());
    for (size_t n = 0; n < a.cameras.size(); ++n) {
      ExpectNear(a.cameras[n].eye, b.cameras[n].eye, mm, "cameras eye");
    }
    ASSERT_EQ(a.lights.size(), b.lights.size());
    ExpectNear(a.lights[0].direction, b.lights[0].direction, 1e-6, "light");
    EXPECT_NEAR(a.lights[0].intensity, b.lights[0].intensity, 1e-6);
    for (int n = 0; n < 3; ++n) {
      EXPECT_NEAR(a.crop.min[n], b.crop.min[n], 1e-6);
      EXPECT_NEAR(a.crop.max[n], b.crop.max[n], 1e-6);
    }
    const auto &ca = a.transfer_function.components, &cb = b.transfer_function.components;
    ASSERT_EQ(ca.size(), cb.size());
    for (size_t n = 0; n < ca.size(); ++n) {
      const std::string at = "component " + std::to_string(n);
      EXPECT_EQ(ca[n].active_regions, cb[n].active_regions) << at;
      EXPECT_EQ(ca[n].profile, cb[n].profile) << at;
      EXPECT_NEAR(ca[n].min_hu, cb[n].min_hu, hu) << at;
      EXPECT_NEAR(ca[n].max_hu, cb[n].max_hu, hu) << at;
      EXPECT_NEAR(ca[n].transition_hu, cb[n].transition_hu, hu) << at;
      EXPECT_NEAR(ca[n].opacity, cb[n].opacity, 1e-6) << at;
      EXPECT_NEAR(ca[n].roughness, cb[n].roughness, 1e-5) << at;
      ExpectNear(ca[n].diffuse_start, cb[n].diffuse_start, 1e-6, at);
      ExpectNear(ca[n].diffuse_end, cb[n].diffuse_end, 1e-6, at);
      ExpectNear(ca[n].specular_end, cb[n].specular_end, 1e-6, at);
      ExpectNear(ca[n].emissive_end, cb[n].emissive_end, 1e-6, at);
    }
  }
}

TEST(ClaraSettingsTest, PluralSectionsWinOverSingularOnes) {
  json doc = json::parse(Deploy());
  doc["Lights"] = json::array({{{"enable", true}, {"intensity", 2}},
                               {{"enable", true}, {"intensity", 3}},
                               {{"enable", false}, {"intensity", 4}}});
  doc["Views"] = json::array({{{"cameraName", "SliceFront"}, {"mode", "TWOD"}}});
  const RenderSettings s = Parse(doc.dump());
  ASSERT_EQ(s.lights.size(), 2u);
  EXPECT_DOUBLE_EQ(s.lights[1].intensity, 3);
  EXPECT_EQ(s.camera.name, "SliceFront");
  EXPECT_EQ(s.mode, RenderMode::kSlice);

  // A view naming no listed camera falls back to Clara Deploy's current Camera.
  doc["Views"][0]["cameraName"] = "Elsewhere";
  doc["Views"][0]["mode"] = "MIP";
  const RenderSettings fallback = Parse(doc.dump());
  EXPECT_EQ(fallback.camera.name, "Cinematic");
  EXPECT_EQ(fallback.mode, RenderMode::kMaximumIntensity);
}

TEST(ClaraSettingsTest, MissingSectionsKeepTheDefaults) {
  const RenderSettings defaults;
  const RenderSettings empty = Parse("{}");
  ExpectNear(empty.camera.eye, defaults.camera.eye, 0, "eye");
  EXPECT_EQ(empty.lights.size(), defaults.lights.size());
  EXPECT_EQ(empty.crop.max, defaults.crop.max);
  EXPECT_TRUE(empty.transfer_function.components.empty());

  const RenderSettings some =
      Parse(R"({"TransferFunction": {"globalOpacity": 0.5, "hiddenRegions": [3, 7]}})");
  EXPECT_DOUBLE_EQ(some.transfer_function.global_opacity, 0.5);
  EXPECT_EQ(some.transfer_function.hidden_regions, (std::vector<uint16_t>{3, 7}));
  EXPECT_DOUBLE_EQ(some.transfer_function.density_scale, defaults.transfer_function.density_scale);
  EXPECT_EQ(some.mode, defaults.mode);
}

TEST(ClaraSettingsTest, WrittenSettingsReadBackUnchanged) {
  RenderSettings s;
  s.camera = {"Current", {30, -400, 80}, {5, 0, -10}, {0.1, 0, 1}, 42};
  s.cameras = {{"Side", {400, 0, 0}, {0, 0, 0}, {0, 0, 1}, 20}, {"Current", {}, {}, {1, 0, 0}, 10}};
  s.lights = {{true, {0.3, 0.8, -0.5}, {1, 0.9, 0.8}, 1.4}, {true, {-1, 0, 0}, {0.2, 0.2, 1}, 0.5}};
  s.background = {false, true, {0.1f, 0.2f, 0.3f}, {0.4f, 0.5f, 0.6f}, {0.7f, 0.8f, 0.9f}, 0.75};
  s.crop.min = {0.1, 0.2, 0.3};
  s.crop.max = {0.9, 0.8, 0.7};
  s.mode = RenderMode::kSliceSegmentation;
  s.step_voxels = 0.5;
  TransferFunction& tf = s.transfer_function;
  tf.blending = BlendingProfile::kBlendedOpacity;
  tf.density_scale = 500;
  tf.global_opacity = 0.8;
  tf.gradient_scale = 90;
  tf.hidden_regions = {2, 300};
  TransferComponent c;
  c.min_hu = -200;
  c.max_hu = 350;
  c.profile = OpacityProfile::kTrapezoid;
  c.transition_hu = 40;
  c.opacity = 0.6;
  c.diffuse_start = {0.9f, 0.1f, 0.2f};
  c.emissive_end = {0.1f, 0.1f, 0};
  c.emissive_strength = 2;
  c.roughness = 55;
  c.active_regions = {1, 6};
  tf.components = {c, TransferComponent{}};

  const Geometry g = RotatedGrid();
  const std::string text = WriteClaraRenderSettings(s, g, kMinHu, kMaxHu);
  const json doc = json::parse(text);
  EXPECT_TRUE(doc.contains("Cameras") && doc.contains("Lights") && doc.contains("Views"));
  EXPECT_FALSE(doc.contains("Camera") || doc.contains("Light") || doc.contains("View"));
  EXPECT_EQ(doc["BackgroundLight"]["enable"], false) << "Clara Viz uses booleans";
  EXPECT_EQ(doc["TransferFunction"]["components"][0]["opacityProfile"], "TRAPEZIOD");

  const RenderSettings r = Parse(text, g);
  ExpectNear(r.camera.eye, s.camera.eye, 1e-6, "eye");
  ExpectNear(r.camera.look_at, s.camera.look_at, 1e-6, "lookAt");
  ExpectNear(r.camera.up, s.camera.up, 1e-6, "up");
  EXPECT_NEAR(r.camera.field_of_view_deg, 42, 1e-6);
  ASSERT_EQ(r.cameras.size(), 2u);
  EXPECT_EQ(r.cameras[1].name, "Current");
  ExpectNear(r.cameras[1].eye, s.camera.eye, 1e-6, "the current camera replaces its namesake");
  ExpectNear(r.cameras[0].eye, s.cameras[0].eye, 1e-6, "Side");
  ASSERT_EQ(r.lights.size(), 2u);
  for (size_t n = 0; n < 2; ++n) {
    ExpectNear(r.lights[n].direction, s.lights[n].direction, 1e-6, "light");
    ExpectNear(r.lights[n].color, s.lights[n].color, 1e-6, "light colour");
    EXPECT_NEAR(r.lights[n].intensity, s.lights[n].intensity, 1e-6);
  }
  EXPECT_EQ(r.background.enable, false);
  EXPECT_EQ(r.background.show, true);
  ExpectNear(r.background.horizon, s.background.horizon, 1e-6, "horizon");
  EXPECT_NEAR(r.background.intensity, 0.75, 1e-6);
  for (int n = 0; n < 3; ++n) {
    EXPECT_NEAR(r.crop.min[n], s.crop.min[n], 1e-6);
    EXPECT_NEAR(r.crop.max[n], s.crop.max[n], 1e-6);
  }
  EXPECT_EQ(r.mode, RenderMode::kSliceSegmentation);
  EXPECT_NEAR(r.step_voxels, 0.5, 1e-6);
  const TransferFunction& rtf = r.transfer_function;
  EXPECT_EQ(rtf.blending, BlendingProfile::kBlendedOpacity);
  EXPECT_NEAR(rtf.density_scale, 500, 1e-6);
  EXPECT_NEAR(rtf.global_opacity, 0.8, 1e-6);
  EXPECT_NEAR(rtf.gradient_scale, 90, 1e-6);
  EXPECT_EQ(rtf.hidden_regions, tf.hidden_regions);
  ASSERT_EQ(rtf.components.size(), 2u);
  const TransferComponent& rc = rtf.components[0];
  EXPECT_NEAR(rc.min_hu, -200, 1e-6);
  EXPECT_NEAR(rc.max_hu, 350, 1e-6);
  EXPECT_EQ(rc.profile, OpacityProfile::kTrapezoid);
  EXPECT_NEAR(rc.transition_hu, 40, 1e-6);
  EXPECT_NEAR(rc.opacity, 0.6, 1e-6);
  ExpectNear(rc.diffuse_start, c.diffuse_start, 1e-6, "diffuse");
  ExpectNear(rc.emissive_end, c.emissive_end, 1e-6, "emissive");
  EXPECT_NEAR(rc.emissive_strength, 2, 1e-6);
  EXPECT_NEAR(rc.roughness, 55, 1e-6);
  EXPECT_EQ(rc.active_regions, c.active_regions);
}

// Each bad value is an error naming the file, the field's path and the value.
TEST(ClaraSettingsTest, BadValuesAreErrorsNamingTheField) {
  struct Case {
    const char* pointer;  // JSON pointer into the Clara Deploy reference
    json value;
    const char* field;  // expected in the message
    const char* shown;  // likewise
  };
  const Case cases[] = {
      {"/TransferFunction/components/3/opacityProfile", "ROUND",
       "TransferFunction.components[3].opacityProfile", "unknown profile \"ROUND\""},
      {"/TransferFunction/components/0/opacity", 1.5, "TransferFunction.components[0].opacity",
       "1.5 is outside 0..1"},
      {"/TransferFunction/components/1/range",
       {{"min", 0.6}, {"max", 0.5}},
       "TransferFunction.components[1].range",
       "min 0.6 > max 0.5"},
      {"/TransferFunction/components/2/activeRegions", json::array({2, 70000}),
       "TransferFunction.components[2].activeRegions[1]", "70000"},
      {"/TransferFunction/components/2/activeRegions", json::array({-1}),
       "TransferFunction.components[2].activeRegions[0]", "-1"},
      {"/TransferFunction/globalOpacity", "high", "TransferFunction.globalOpacity", "\"high\""},
      {"/TransferFunction/blendingProfile", "MOST", "TransferFunction.blendingProfile", "MOST"},
      {"/DataCrop/limits/2/min", -0.1, "DataCrop.limits[2].min", "-0.1"},
      {"/DataCrop/limits/1", {{"min", 0.9}, {"max", 0.1}}, "DataCrop.limits[1]", "min 0.9"},
      {"/DataCrop/limits", json::array({{{"min", 0}, {"max", 1}}}), "DataCrop.limits", "4 limits"},
      {"/Cameras/1/fieldOfView", 180, "Cameras[1].fieldOfView", "180"},
      {"/Camera/fieldOfView", 0, "Camera.fieldOfView", "0"},
      {"/Camera/eye/x", "far", "Camera.eye.x", "\"far\""},
      {"/View/mode", "HOLOGRAM", "View.mode", "HOLOGRAM"},
      {"/View/cameraName", "Nobody", "", ""},  // falls back to Camera: fine
      {"/BackgroundLight/enable", "YES", "BackgroundLight.enable", "\"YES\""},
      {"/Light/0/intensity", -1, "Light[0].intensity", "-1"},
  };
  for (const Case& c : cases) {
    json doc = json::parse(Deploy());
    doc[json::json_pointer(c.pointer)] = c.value;
    auto s = ParseClaraRenderSettings(doc.dump(), LasGrid(), kMinHu, kMaxHu, "config_render.json");
    if (std::string(c.field).empty()) {
      EXPECT_TRUE(s.ok()) << c.pointer;
      continue;
    }
    ASSERT_FALSE(s.ok()) << c.pointer;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << c.pointer;
    const std::string prefix = std::string("config_render.json: ") + c.field + ": ";
    EXPECT_THAT(s.error().message, HasSubstr(prefix)) << c.pointer;
    EXPECT_THAT(s.error().message, HasSubstr(c.shown)) << c.pointer;
  }
  auto round = ParseClaraRenderSettings(
      R"({"TransferFunction": {"components": [{}, {}, {}, {"opacityProfile": "ROUND"}]}})",
      LasGrid(), kMinHu, kMaxHu, "config_render.json");
  ASSERT_FALSE(round.ok());
  EXPECT_EQ(round.error().message,
            "config_render.json: TransferFunction.components[3].opacityProfile: unknown profile "
            "\"ROUND\" (SQUARE, TRIANGLE, SINE, TRAPEZIOD, TRAPEZOID)");

  // Clara Viz has no singular Camera to fall back on.
  json viz = json::parse(Viz());
  viz["Views"][0]["cameraName"] = "Nobody";
  auto nobody = ParseClaraRenderSettings(viz.dump(), LasGrid(), kMinHu, kMaxHu, "settings.json");
  ASSERT_FALSE(nobody.ok());
  EXPECT_THAT(nobody.error().message, HasSubstr("settings.json: Views[0].cameraName: "));
  EXPECT_THAT(nobody.error().message, HasSubstr("\"Nobody\""));
}

TEST(ClaraSettingsTest, NonFiniteAndMalformedInputAreErrors) {
  // JSON has no NaN or infinity; an overflowing literal is refused as it is read, and numbers
  // too large to scale to millimetres are refused as they are converted.
  auto inf = ParseClaraRenderSettings(R"({"Camera": {"eye": {"x": 1e999, "y": 0, "z": 0}}})",
                                      LasGrid(), kMinHu, kMaxHu, "c.json");
  ASSERT_FALSE(inf.ok());
  EXPECT_EQ(inf.error().code, ErrorCode::kCorruptData);
  EXPECT_THAT(inf.error().message, HasSubstr("c.json: not valid JSON"));
  EXPECT_THAT(inf.error().message, HasSubstr("1e999"));
  auto huge = ParseClaraRenderSettings(R"({"Camera": {"eye": {"x": 1e300, "y": 0, "z": 0}}})",
                                       LasGrid(), kMinHu, kMaxHu, "c.json");
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.error().message, HasSubstr("c.json: Camera.eye.x: 1e+300 is not a finite"));

  auto broken = ParseClaraRenderSettings("{\"Cameras\": [\n  {\"eye\": }", LasGrid(), kMinHu,
                                         kMaxHu, "c.json");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::kCorruptData);
  EXPECT_THAT(broken.error().message, HasSubstr("c.json: not valid JSON at byte "));

  auto array = ParseClaraRenderSettings("[]", LasGrid(), kMinHu, kMaxHu, "c.json");
  ASSERT_FALSE(array.ok());
  EXPECT_THAT(array.error().message, HasSubstr("expected an object"));
  auto lights = ParseClaraRenderSettings(R"({"Lights": 3})", LasGrid(), kMinHu, kMaxHu, "c.json");
  ASSERT_FALSE(lights.ok());
  EXPECT_THAT(lights.error().message, HasSubstr("c.json: Lights: expected an array, got 3"));
}

}  // namespace
}  // namespace viscera
