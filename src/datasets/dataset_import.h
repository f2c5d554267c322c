// Turning an upload (a zip or a NIfTI file streamed to disk by the HTTP layer) into a complete
// Clara dataset folder. The catalog (dataset_catalog.h) stages and publishes the result.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "core/expected.h"
#include "segment/torch_model.h"

namespace viscera {

struct ImportRequest {
  std::string id;  // folder name to create (validated; must not exist yet)
  // A .zip or a NIfTI (.nii / .nii.gz), told apart by magic bytes, not by name.
  std::filesystem::path upload;
  // Optional: segment images that arrive without labels with this model folder (metadata.json +
  // model); empty = no segmentation.
  std::filesystem::path model_dir;
  InferenceDevice device = InferenceDevice::kCpu;                           // for segmentation
  std::function<void(const std::string& stage, double fraction)> progress;  // optional
};

enum class UploadKind { kZip, kNifti, kNiftiGz };

// By magic bytes: "PK\3\4" (or an empty zip's "PK\5\6") is a zip, 1f 8b a gzip'd NIfTI, a NIfTI-1
// or -2 header a NIfTI. kInvalidArgument naming the file otherwise; kNotFound when missing.
Expected<UploadKind> DetectUploadKind(const std::filesystem::path& upload);

// Builds the dataset folder `out_dir` (which must not exist; its parent must) from the upload,
// using `work_dir` (an existing empty folder the caller discards) for scratch. Zip content is one
// of: a Clara folder (config.meta; validated, moved as is), NIfTI image + optional label map (the
// file whose name contains "seg" or "label") + optional label names (.json), or a DICOM series.
// Non-Clara input becomes WriteClaraDataset(image, labels, id) plus labels.json when names are
// known, or, without labels and with a model, the segmentation outputs. Errors name the upload
// and the entry.
Status BuildImportedDataset(const ImportRequest& request, const std::filesystem::path& work_dir,
                            const std::filesystem::path& out_dir);

}  // namespace viscera
