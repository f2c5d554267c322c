// Transfer-function presets for CT (HU), and the organ transfer function used when a label map
// comes without Clara settings.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "render/render_settings.h"

namespace viscera {

// "bone", "soft-tissue", "lung", "angio" (angiography: contrast-filled vessels and bone).
std::optional<TransferFunction> PresetTransferFunction(std::string_view name);
// The preset names, for help texts and error messages: "bone, soft-tissue, lung, angio".
const char* PresetNames();

// `base` drawn where there is no organ (its components get activeRegions [0]) plus, for each
// label, one component in that organ's colour covering soft tissue and denser (-150 HU up).
TransferFunction OrganTransferFunction(const TransferFunction& base,
                                       const std::vector<uint16_t>& labels,
                                       const std::array<Color, 256>& colors);

}  // namespace viscera
