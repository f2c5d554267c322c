// Viscera's own JSON form of RenderSettings, and the one validation layer every settings change
// goes through (WebSocket messages, saved settings versions, later the dashboard and voice
// commands). Geometry is LPS millimetres, intensities Hounsfield units, as in RenderSettings
// (render/render_settings.h); Clara's normalised form is render/clara_settings.h.
//
// The form mirrors the struct fields in snake_case. Vectors are [x, y, z] arrays, colours
// [r, g, b] arrays with each channel 0..1, enumerations lower-case names:
//   {
//     "camera": {"name": "", "eye": [0, -500, 0], "look_at": [0, 0, 0], "up": [0, 0, 1],
//                "field_of_view_deg": 30},                          fov in (0, 180)
//     "cameras": [camera, ...],                                     at most 64
//     "lights": [{"enable": true, "direction": [0, 1, 0], "color": [1, 1, 1],
//                 "intensity": 1}],                                 at most 16, intensity 0..100
//     "background": {"enable": true, "show": false, "top": rgb, "horizon": rgb, "bottom": rgb,
//                    "intensity": 1},                               intensity 0..100
//     "background_color": [0, 0, 0],
//     "ambient": 0.25,                                              0..1
//     "transfer_function": {
//       "components": [{"min_hu": 0, "max_hu": 0,                   -100000..100000, min <= max
//                       "profile": "square|triangle|sine|trapezoid",
//                       "transition_hu": 0,                         0..100000
//                       "opacity": 1,                               0..1
//                       "diffuse_start": rgb, "diffuse_end": rgb, "specular_start": rgb,
//                       "specular_end": rgb, "emissive_start": rgb, "emissive_end": rgb,
//                       "emissive_strength": 0,                     0..1000
//                       "roughness": 0,                             0..100
//                       "active_regions": [ids]}],                  at most 1024 components
//       "hidden_regions": [ids],                                    ids 0..65535
//       "blending": "maximum|blended",
//       "density_scale": 710, "gradient_scale": 110,                0..1000000 each
//       "global_opacity": 1},                                       0..1
//     "organs": [{"label": 5, "visible": true, "color": rgb or null, "opacity_scale": 1}],
//                                                  label 0..65535, once each; opacity_scale 0..1
//     "crop": {"min": [0, 0, 0], "max": [1, 1, 1]},                 0..1, min <= max per axis
//     "clip": {"enable": false, "point": [0, 0, 0], "normal": [0, 0, 1]},
//     "mode": "composite|mip|slice|slice-segmentation",
//     "slice": {"orientation": "axial|coronal|sagittal|oblique", "center": [0, 0, 0],
//               "center_set": false, "normal": [0, 0, 1], "up": [0, 0, 1],
//               "window_center": 40,                                -100000..100000
//               "window_width": 400,                                (0, 100000]
//               "label_opacity": 0.5,                               0..1
//               "zoom": 1},                                         0.1..20
//     "quality": "draft|full|cinematic",
//     "step_voxels": 1                                              0.25..4
//   }
// Positions (eye, look_at, clip point, slice centre) lie within +-1e6 mm; directions (up, light
// direction, normals) within +-1e6 and not zero; a camera's eye differs from its look_at; names
// are at most 256 characters. An organ's colour is null when it has none (has_color false; its
// colour is then reset to black). Numbers must be finite JSON numbers; integers (labels, ids)
// must be written without a fraction.
#pragma once

#include <nlohmann/json.hpp>

#include "core/expected.h"
#include "render/render_settings.h"

namespace viscera {

// Every field of `settings`, in the form above.
nlohmann::json SettingsToJson(const RenderSettings& settings);

// Validates and applies a (partial) settings object onto `settings`: only the keys present
// change. Objects (camera, background, transfer_function, crop, clip, slice, and each organ)
// merge member by member; lists replace the whole list (cameras, lights, components, region
// ids), their entries starting from the struct's defaults, except `organs`, whose entries merge
// by label: {"organs": [{"label": 5, "visible": false}]} changes (or creates) label 5's style
// only. The convenience key "preset": "bone|soft-tissue|lung|angio" replaces the transfer
// function's components with PresetTransferFunction(name), keeping hidden regions, the other
// transfer-function fields and organ styles; it is applied before a "transfer_function" key of
// the same patch. All-or-nothing: on error `settings` is unchanged. Errors are kInvalidArgument
// with the JSON path, the allowed range and the value, e.g.
//   organs[2].opacity_scale: 1.7 is outside 0..1
//   camera.field_of_view_deg: 0 is outside (0, 180)
//   mode: unknown mode "foo" (composite, mip, slice, slice-segmentation)
//   transfer_function.components[0].min_hu: must be <= max_hu (300 > 200)
//   camera: unknown field "x" (name, eye, look_at, up, field_of_view_deg)
Status ApplySettingsJson(const nlohmann::json& patch, RenderSettings& settings);

// A complete settings object: RenderSettings' defaults overwritten by the keys present, with
// `organs` (when present) replacing the defaults' empty list. The same validation and errors as
// ApplySettingsJson; SettingsFromJson(SettingsToJson(s)) gives s back, field for field.
Expected<RenderSettings> SettingsFromJson(const nlohmann::json& json);

}  // namespace viscera
