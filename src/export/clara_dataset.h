// A Clara dataset folder: config.meta + density + mask + config_render.json, as Clara Render
// Server and Viscera's dataset service read it (formats in ../shared/reference/clara-formats/).
#pragma once

#include <filesystem>
#include <string>

#include "core/label_map.h"
#include "core/volume.h"

namespace viscera {

// Writes into `folder` (which must exist), each file atomically:
//   <name>.nii.gz        the image (HU)
//   <name>.mhd/.raw      the density Clara reads
//   <name>.output.mhd/.raw  the label mask (uint8 when ids fit, else uint16)
//   config.meta          {"data": [{"file": "<name>.mhd", "order": "DXYZ"},
//                                  {"file": "<name>.output.mhd", "order": "MXYZ"}],
//                         "name": name, "settings": "config_render.json"}
//   config_render.json   camera, light, background light, render settings and a transfer
//                        function: one component per organ (activeRegions [id], distinct colour)
//                        and one for body/bone (activeRegions [0]); Clara Deploy's singular keys.
Status WriteClaraDataset(const HounsfieldVolume& image, const LabelMap& labels,
                         const std::string& name, const std::filesystem::path& folder);

}  // namespace viscera
