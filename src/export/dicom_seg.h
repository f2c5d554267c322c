// DICOM Segmentation (binary) from a label map on the grid of a DICOM CT series: what PACS and
// viewers (OHIF, 3D Slicer) overlay on the source images.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/label_map.h"
#include "export/dicom_writer.h"
#include "io/dicom/ct_loader.h"

namespace viscera {

// Who made the segmentation (General Equipment + Segmentation Algorithm Identification).
struct SegmentationAlgorithm {
  std::string name = "Viscera UNETR";  // SegmentAlgorithmName
  std::string version = "0.1.0";       // SoftwareVersions
  std::string model_name;              // e.g. "viscera-demo-unetr 1.0"
};

// Writes `path` atomically: one segment per label present in `labels` (label table gives name,
// colour, SNOMED codes), one frame per source slice per segment, referencing the source series'
// SOP instances and Frame of Reference, patient/study copied from the source files. `labels` must
// be on the grid of the loaded series (slice k <-> source.slices[k]).
Status WriteDicomSeg(const LabelMap& labels, const CtSeriesInfo& source,
                     const SegmentationAlgorithm& algorithm, const std::filesystem::path& path);

// --- What both DICOM exports (SEG here, RT Structure Set in rtstruct.h) share ---

// One source slice as a derived object references it.
struct DicomSourceSlice {
  std::string sop_class_uid;
  std::string sop_instance_uid;
  Vec3 position{0, 0, 0};  // its ImagePositionPatient, LPS mm, as stored
};

// The source series as its files describe it: what a derived object references and copies.
struct DicomSourceSeries {
  std::string series_instance_uid;
  std::string study_instance_uid;
  std::string frame_of_reference_uid;
  std::array<double, 6> orientation{};    // ImageOrientationPatient: row, then column cosines
  std::array<double, 2> pixel_spacing{};  // PixelSpacing: between rows, between columns (mm)
  std::optional<double> slice_thickness;  // SliceThickness of the first slice, if stated
  int64_t rows = 0, columns = 0;
  std::vector<DicomSourceSlice> slices;  // slice k of the label map
  // Patient, General Study and Patient Study modules (and SpecificCharacterSet) copied from the
  // first slice, Type 2 attributes present even when empty. Patient identity: never log it.
  DicomItem patient_study;
  DicomItem frame_of_reference;  // FrameOfReferenceUID, PositionReferenceIndicator
};

// Reads the series' files (headers only) and checks that `grid`, the label map's, is the series'
// grid: slice k at slice k's position, rows and columns along the stated orientation. Errors name
// `output` and the series UID (never patient data): a missing file or FrameOfReferenceUID, a grid
// that differs.
Expected<DicomSourceSeries> ReadDicomSourceSeries(const CtSeriesInfo& source, const Geometry& grid,
                                                  const std::filesystem::path& output);

// A new instance of a derived object in a new series of the source's study: SOP Common (new
// instance UID), the copied Patient/Study modules, General Series (modality, number,
// description), General and Enhanced General Equipment naming Viscera and `algorithm`, and
// instance/content creation date and time (`now`).
DicomItem NewDerivedInstance(const DicomSourceSeries& source,
                             const SegmentationAlgorithm& algorithm, const char* sop_class_uid,
                             const char* modality, int series_number,
                             const std::string& series_description, const DicomDateTime& now);

// Appends a code item (CodeValue, CodingSchemeDesignator, CodeMeaning) to `item`'s sequence.
void AddCode(DicomItem& item, uint32_t sequence, const CodedConcept& code);

// The entries of the label ids present in `labels`, in id order. kInvalidArgument naming
// `output` when there are none, or an id is not in the table or has no type code.
Expected<std::vector<const LabelEntry*>> PresentLabelEntries(const LabelMap& labels,
                                                             const std::filesystem::path& output);

// RecommendedDisplayCIELabValue of a display sRGB colour: CIE L*a*b* relative to D50 (the ICC
// profile connection space PS3.3 C.10.7.1.1 names), scaled to 0..65535 as ICC encodes it.
std::array<uint16_t, 3> DicomCieLabFromRgb(const std::array<uint8_t, 3>& rgb);

}  // namespace viscera
