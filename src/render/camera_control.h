// Cameras in patient space: the six anatomical views and the interaction moves (orbit, pan,
// zoom) the render service and voice commands apply.
#pragma once

#include <optional>
#include <string_view>

#include "render/render_settings.h"

namespace viscera {

class RenderVolume;

enum class AnatomicalView { kAnterior, kPosterior, kLeft, kRight, kSuperior, kInferior };

// "anterior", "posterior", "left", "right", "superior", "inferior" (case-insensitive).
std::optional<AnatomicalView> ParseAnatomicalView(std::string_view name);
const char* AnatomicalViewName(AnatomicalView view);

// A camera on the named side of the patient looking at the volume's centre, framing all of it.
// Anterior/posterior/left/right views have the head up; superior/inferior views have anterior
// up. In the anterior view the patient's left is on the image's right (as a radiologist sees a
// patient facing them); the inferior view is the radiological axial view.
Camera AnatomicalCamera(const RenderVolume& volume, AnatomicalView view,
                        double field_of_view_deg = 30);

// The orthonormal frame a camera sees with: forward (eye to target), right (image +x) and up
// (image top). `up` is re-orthogonalised; a degenerate up falls back to a perpendicular.
struct CameraFrame {
  Vec3 forward, right, up;
};
CameraFrame FrameOf(const Camera& camera);

// A key light for a camera: from above and to the left of the viewer, as a photographer
// would place it; it follows the camera (a head light) so every view is lit.
Light CameraKeyLight(const Camera& camera);

// Rotates the eye around the target: `yaw_deg` about the camera's up, `pitch_deg` about its
// right axis (the up vector follows).
Camera Orbit(const Camera& camera, double yaw_deg, double pitch_deg);
// Moves the camera (eye and target) in its image plane by millimetres, +x toward the image's
// right and +y toward its top; the picture moves the other way.
Camera Pan(const Camera& camera, double dx_mm, double dy_mm);
// Moves the eye toward the target: factor 2 halves the distance (clamped to stay in front).
Camera Zoom(const Camera& camera, double factor);

}  // namespace viscera
