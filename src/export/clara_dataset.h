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
// Data files come first and config.meta last, so a reader that sees config.meta finds the rest.
// Component ranges are HU windows normalised as Clara normalises the density, (HU - min) / (max -
// min) over the image's own extremes: organs -200..300 HU, contrast-filled vessels -200..600 HU,
// bone from 200 HU up. Cameras ("Anterior" (the default), "Posterior", "Left", "Right",
// "Superior", "Inferior") look at the volume centre from outside it in Clara's normalised world
// (volume centred on the origin, largest extent 1, axes along the index axes); the details are
// in clara_dataset.cpp. Errors: kNotFound for a missing folder, kInvalidArgument for a name that
// is not a plain file name or a label map off the image's grid; write errors name the file.
Status WriteClaraDataset(const HounsfieldVolume& image, const LabelMap& labels,
                         const std::string& name, const std::filesystem::path& folder);

}  // namespace viscera
