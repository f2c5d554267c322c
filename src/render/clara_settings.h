// Clara's render settings JSON <-> RenderSettings (patient space, HU).
//
// Two dialects of the same content are read:
//   Clara Deploy's config_render.json: singular keys (`Camera`, `Light` [..], `View` {..},
//     `DataView`), switches as "SWITCH_ENABLE" / "SWITCH_DISABLE";
//   Clara Viz's settings: plural keys (`Cameras`, `Lights`, `Views` [..], `DataViews`), booleans.
// Both have `Cameras`, `TransferFunction`, `DataCrop`, `BackgroundLight` and `RenderSettings`.
// Where a file has both forms of a section the plural (Clara Viz) one wins. Positions are in
// Clara's normalised world and densities normalised over the volume's own HU range; the geometry
// and HU range of the density volume convert them (io/clara_world.h). Sections and fields that are
// missing keep RenderSettings' defaults; Clara settings with no Viscera counterpart (denoising,
// tone mapping, camera aperture, light positions and sizes) are ignored.
#pragma once

#include <string>
#include <string_view>

#include "core/expected.h"
#include "core/geometry.h"
#include "render/render_settings.h"

namespace viscera {

// Converts Clara render settings for a density volume on `geometry` whose voxels span
// min_hu..max_hu. The view's camera (`Views[0].cameraName`, else `View.cameraName`) is looked up
// in `Cameras`, falling back to `Camera`; only enabled lights are kept; DataCrop's X, Y, Z limits
// crop the index axes i, j, k (its density limit D is ignored); view modes CINEMATIC, SLICE,
// SLICE_SEGMENTATION, TWOD (a slice) and, as Viscera's extension, MIP /
// MAXIMUM_INTENSITY_PROJECTION. Errors: kCorruptData for text that is not JSON (with its byte
// position); kInvalidArgument for a field of the wrong type or out of range (opacity outside 0..1,
// range.min > range.max, crop limits outside 0..1 or min > max, fieldOfView outside (0, 180),
// non-finite or absurdly large numbers, region ids outside 0..65535, unknown names), the message
// naming `what`, the field's path and its value, e.g.
//   config_render.json: TransferFunction.components[3].opacityProfile: unknown profile "ROUND"
Expected<RenderSettings> ParseClaraRenderSettings(std::string_view json_text,
                                                  const Geometry& geometry, double min_hu,
                                                  double max_hu, const std::string& what);

// Clara Viz (plural keys, booleans) JSON for `settings`. The current camera is written as the
// entry of `Cameras` with its name (added when no camera has it) and named by `Views[0]`; only
// what Clara can express is written (organ styles, clip plane, slice view and quality are not).
// Component ranges are normalised over min_hu..max_hu and clamped to Clara's 0..1.
// ParseClaraRenderSettings reads the result back to the same values (within 1e-6).
std::string WriteClaraRenderSettings(const RenderSettings& settings, const Geometry& geometry,
                                     double min_hu, double max_hu);

}  // namespace viscera
