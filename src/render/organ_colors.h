// Display colours for organs named in the field's words ("liver", "rib_left_3", "aorta"), so a
// label map with names renders like an anatomy atlas: bone ivory, arteries red, veins blue.
#pragma once

#include <string_view>

#include "render/render_settings.h"

namespace viscera {

// The colour for a structure name (case-insensitive keyword match); `fallback` when no keyword
// matches.
Color AnatomicalColor(std::string_view name, Color fallback);

}  // namespace viscera
