#include "export/segmentation_outputs.h"

#include <algorithm>
#include <chrono>

#include "core/log.h"
#include "export/clara_dataset.h"
#include "export/organ_mesh.h"
#include "export/organ_stats.h"
#include "export/rtstruct.h"
#include "io/atomic_folder.h"

namespace viscera {
namespace {

// Runs one output step, logging its duration.
Status Timed(const std::string& what, const std::function<Status()>& step) {
  auto start = std::chrono::steady_clock::now();
  Status status = step();
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (status) LogInfo("wrote " + what + " (" + std::to_string(static_cast<int64_t>(ms)) + " ms)");
  return status;
}

}  // namespace

Status WriteSegmentationOutputs(const HounsfieldVolume& image, const LabelMap& labels,
                                const std::optional<CtSeriesInfo>& dicom,
                                const SegmentationOutputOptions& options,
                                const std::filesystem::path& out_dir,
                                std::vector<OrganStats>* stats) {
  if (!labels.labels.geometry().SameGrid(image.geometry())) {
    return MakeError(ErrorCode::kInvalidArgument,
                     out_dir.string() + ": label map is not on the image's grid");
  }
  std::vector<OrganStats> organs = ComputeOrganStats(labels);
  VISCERA_ASSIGN_OR_RETURN(StagedFolder staged, StagedFolder::Create(out_dir));
  const std::filesystem::path& dir = staged.path();
  if (options.clara) {
    VISCERA_RETURN_IF_ERROR(Timed(
        "Clara dataset", [&] { return WriteClaraDataset(image, labels, options.name, dir); }));
  }
  if (options.stats) {
    VISCERA_RETURN_IF_ERROR(
        Timed("stats.json", [&] { return WriteOrganStats(organs, dir / "stats.json"); }));
  }
  if (options.meshes) {
    VISCERA_RETURN_IF_ERROR(
        Timed("meshes", [&] { return WriteOrganMeshes(labels, dir / "meshes"); }));
  }
  const bool any_organ = std::any_of(organs.begin(), organs.end(),
                                     [](const OrganStats& o) { return o.voxel_count > 0; });
  if (dicom.has_value() && !dicom->slices.empty() && !any_organ) {
    // A SEG needs at least one segment; an empty result is still a valid Clara dataset.
    LogWarning(out_dir.string() + ": no organ found: no seg.dcm or rtstruct.dcm written");
  } else if (dicom.has_value() && !dicom->slices.empty()) {
    if (options.dicom_seg) {
      VISCERA_RETURN_IF_ERROR(Timed("seg.dcm", [&] {
        return WriteDicomSeg(labels, *dicom, options.algorithm, dir / "seg.dcm");
      }));
    }
    if (options.rtstruct) {
      VISCERA_RETURN_IF_ERROR(Timed("rtstruct.dcm", [&] {
        return WriteRtStruct(labels, *dicom, options.algorithm, dir / "rtstruct.dcm");
      }));
    }
  } else if (options.dicom_seg || options.rtstruct) {
    LogInfo("input is not DICOM: no seg.dcm or rtstruct.dcm (they reference source slices)");
  }
  VISCERA_RETURN_IF_ERROR(staged.Publish());
  if (stats != nullptr) *stats = std::move(organs);
  LogInfo("outputs in " + out_dir.string());
  return Ok{};
}

}  // namespace viscera
