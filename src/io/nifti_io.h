// NIfTI-1 and NIfTI-2 (.nii, .nii.gz) through the reference C library (nifti2_io).
//
// Geometry follows nibabel's choice of affine (sform when sform_code > 0, else qform when
// qform_code > 0, else pixdim only), converted from RAS to our LPS world. Tolerates the legal
// quirks of real files: vox_offset 0 in a .nii, scl_slope NaN/0 (means no scaling), sform only.
#pragma once

#include <filesystem>

#include "core/volume.h"
#include "io/read_limits.h"

namespace viscera {

// Voxel types map to ours (int8 -> int16, uint32/int64 -> int32 when in range, float64 -> float32);
// scl_slope/scl_inter other than identity produce float32 unless both are integers and the result
// fits the stored type.
Expected<AnyVolume> ReadNifti(const std::filesystem::path& path, const ReadLimits& limits = {});

// Writes NIfTI-1 (.nii or .nii.gz by extension) with sform and qform (code 1, scanner) set from the
// geometry, atomically. Errors name the path.
Status WriteNifti(const AnyVolume& volume, const std::filesystem::path& path);

}  // namespace viscera
