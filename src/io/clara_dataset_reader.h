// Reading a Clara dataset folder (config.meta + density + optional mask + optional render
// settings), as export/clara_dataset.h writes it and Clara Deploy's dataset service lays it out
// (formats in ../shared/reference/clara-formats/).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/expected.h"
#include "core/volume.h"

namespace viscera {

struct ClaraDatasetFiles {
  std::string name;  // config.meta's "name", else the folder's name
  HounsfieldVolume image;
  // The label mask (order "MXYZ") on the image's grid, ids widened to uint16; absent when
  // config.meta names none.
  std::optional<Volume<uint16_t>> mask;
  // The render settings file's text (config.meta's "settings"); empty when it names none.
  // render/clara_settings.h parses it, given the image's geometry and HU range.
  std::string settings_json;
  std::filesystem::path settings_path;  // for error messages; empty when none
};

// True for a directory holding a config.meta.
bool IsClaraDatasetFolder(const std::filesystem::path& folder);

// Reads config.meta, then the density (order "DXYZ", converted to HU), the mask ("MXYZ") and the
// settings file it names. Every name must be a plain file name inside `folder` (no "..", no
// directories, no absolute paths, no symbolic link leading out of the folder). Errors, naming the
// file: kNotFound for a missing folder, config.meta or named file; kCorruptData for a config.meta
// that is not JSON or a mask voxel that is no id (negative, fractional, over 65535);
// kInvalidArgument for a config.meta without a density, with an unknown order or a bad file name;
// kInconsistentData for a mask that is not on the density's grid; and whatever reading the
// volumes reports.
Expected<ClaraDatasetFiles> ReadClaraDataset(const std::filesystem::path& folder);

}  // namespace viscera
