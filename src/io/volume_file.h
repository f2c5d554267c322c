// Reading and writing a volume by path, whatever the format: the entry point commands use.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/volume.h"
#include "io/dicom/ct_loader.h"
#include "io/read_limits.h"

namespace viscera {

enum class VolumeFormat { kDicomFolder, kNifti, kMetaImage };

const char* VolumeFormatName(VolumeFormat format);  // "dicom", "nifti", "metaimage"

// By extension (.nii, .nii.gz, .mhd, .mha) or a folder (DICOM). kInvalidArgument otherwise.
Expected<VolumeFormat> DetectVolumeFormat(const std::filesystem::path& path);

struct VolumeReadOptions {
  CtLoadOptions dicom;  // series selection etc. for DICOM folders
  ReadLimits limits;
};

struct LoadedVolume {
  AnyVolume volume;
  VolumeFormat format = VolumeFormat::kNifti;
  std::optional<CtSeriesInfo> dicom;  // which series, for DICOM input
};

Expected<LoadedVolume> ReadVolume(const std::filesystem::path& path,
                                  const VolumeReadOptions& options = {});

struct VolumeWriteOptions {
  bool compress = false;  // MetaImage: zlib (.zraw)
};

// Writes by extension (.nii, .nii.gz, .mhd, .mha), atomically.
Status WriteVolume(const AnyVolume& volume, const std::filesystem::path& path,
                   const VolumeWriteOptions& options = {});

}  // namespace viscera
