#include "export/dicom_seg.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/log.h"
#include "io/dicom/dicom_file.h"

namespace viscera {
namespace {

namespace tag {
constexpr uint32_t kImageType = DicomTag(0x0008, 0x0008);
constexpr uint32_t kInstanceCreationDate = DicomTag(0x0008, 0x0012);
constexpr uint32_t kInstanceCreationTime = DicomTag(0x0008, 0x0013);
constexpr uint32_t kSeriesDate = DicomTag(0x0008, 0x0021);
constexpr uint32_t kContentDate = DicomTag(0x0008, 0x0023);
constexpr uint32_t kSeriesTime = DicomTag(0x0008, 0x0031);
constexpr uint32_t kContentTime = DicomTag(0x0008, 0x0033);
constexpr uint32_t kModality = DicomTag(0x0008, 0x0060);
constexpr uint32_t kManufacturer = DicomTag(0x0008, 0x0070);
constexpr uint32_t kSeriesDescription = DicomTag(0x0008, 0x103e);
constexpr uint32_t kManufacturerModelName = DicomTag(0x0008, 0x1090);
constexpr uint32_t kReferencedSeriesSequence = DicomTag(0x0008, 0x1115);
constexpr uint32_t kReferencedInstanceSequence = DicomTag(0x0008, 0x114a);
constexpr uint32_t kSourceImageSequence = DicomTag(0x0008, 0x2112);
constexpr uint32_t kDerivationImageSequence = DicomTag(0x0008, 0x9124);
constexpr uint32_t kDerivationCodeSequence = DicomTag(0x0008, 0x9215);
constexpr uint32_t kSliceThickness = DicomTag(0x0018, 0x0050);
constexpr uint32_t kSpacingBetweenSlices = DicomTag(0x0018, 0x0088);
constexpr uint32_t kDeviceSerialNumber = DicomTag(0x0018, 0x1000);
constexpr uint32_t kSoftwareVersions = DicomTag(0x0018, 0x1020);
constexpr uint32_t kSeriesNumber = DicomTag(0x0020, 0x0011);
constexpr uint32_t kInstanceNumber = DicomTag(0x0020, 0x0013);
constexpr uint32_t kImagePositionPatient = DicomTag(0x0020, 0x0032);
constexpr uint32_t kImageOrientationPatient = DicomTag(0x0020, 0x0037);
constexpr uint32_t kFrameContentSequence = DicomTag(0x0020, 0x9111);
constexpr uint32_t kPlanePositionSequence = DicomTag(0x0020, 0x9113);
constexpr uint32_t kPlaneOrientationSequence = DicomTag(0x0020, 0x9116);
constexpr uint32_t kDimensionIndexValues = DicomTag(0x0020, 0x9157);
constexpr uint32_t kDimensionOrganizationUid = DicomTag(0x0020, 0x9164);
constexpr uint32_t kDimensionIndexPointer = DicomTag(0x0020, 0x9165);
constexpr uint32_t kFunctionalGroupPointer = DicomTag(0x0020, 0x9167);
constexpr uint32_t kDimensionOrganizationSequence = DicomTag(0x0020, 0x9221);
constexpr uint32_t kDimensionIndexSequence = DicomTag(0x0020, 0x9222);
constexpr uint32_t kDimensionDescriptionLabel = DicomTag(0x0020, 0x9421);
constexpr uint32_t kSamplesPerPixel = DicomTag(0x0028, 0x0002);
constexpr uint32_t kPhotometricInterpretation = DicomTag(0x0028, 0x0004);
constexpr uint32_t kNumberOfFrames = DicomTag(0x0028, 0x0008);
constexpr uint32_t kRows = DicomTag(0x0028, 0x0010);
constexpr uint32_t kColumns = DicomTag(0x0028, 0x0011);
constexpr uint32_t kPixelSpacing = DicomTag(0x0028, 0x0030);
constexpr uint32_t kBitsAllocated = DicomTag(0x0028, 0x0100);
constexpr uint32_t kBitsStored = DicomTag(0x0028, 0x0101);
constexpr uint32_t kHighBit = DicomTag(0x0028, 0x0102);
constexpr uint32_t kPixelRepresentation = DicomTag(0x0028, 0x0103);
constexpr uint32_t kLossyImageCompression = DicomTag(0x0028, 0x2110);
constexpr uint32_t kPixelMeasuresSequence = DicomTag(0x0028, 0x9110);
constexpr uint32_t kPurposeOfReferenceCodeSequence = DicomTag(0x0040, 0xa170);
constexpr uint32_t kSegmentationType = DicomTag(0x0062, 0x0001);
constexpr uint32_t kSegmentSequence = DicomTag(0x0062, 0x0002);
constexpr uint32_t kSegmentedPropertyCategoryCodeSequence = DicomTag(0x0062, 0x0003);
constexpr uint32_t kSegmentNumber = DicomTag(0x0062, 0x0004);
constexpr uint32_t kSegmentLabel = DicomTag(0x0062, 0x0005);
constexpr uint32_t kSegmentDescription = DicomTag(0x0062, 0x0006);
constexpr uint32_t kSegmentAlgorithmType = DicomTag(0x0062, 0x0008);
constexpr uint32_t kSegmentAlgorithmName = DicomTag(0x0062, 0x0009);
constexpr uint32_t kSegmentIdentificationSequence = DicomTag(0x0062, 0x000a);
constexpr uint32_t kReferencedSegmentNumber = DicomTag(0x0062, 0x000b);
constexpr uint32_t kRecommendedDisplayCieLabValue = DicomTag(0x0062, 0x000d);
constexpr uint32_t kSegmentedPropertyTypeCodeSequence = DicomTag(0x0062, 0x000f);
constexpr uint32_t kSegmentsOverlap = DicomTag(0x0062, 0x0013);
constexpr uint32_t kContentLabel = DicomTag(0x0070, 0x0080);
constexpr uint32_t kContentDescription = DicomTag(0x0070, 0x0081);
constexpr uint32_t kContentCreatorName = DicomTag(0x0070, 0x0084);
constexpr uint32_t kSharedFunctionalGroupsSequence = DicomTag(0x5200, 0x9229);
constexpr uint32_t kPerFrameFunctionalGroupsSequence = DicomTag(0x5200, 0x9230);
constexpr uint32_t kPixelData = DicomTag(0x7fe0, 0x0010);
}  // namespace tag

constexpr const char* kSegmentationStorage = "1.2.840.10008.5.1.4.1.1.66.4";
// Derived series sort after the scanner's own (which number theirs from 1).
constexpr int kSegSeriesNumber = 901;

// The attributes copied from the source: Patient, General Study and Patient Study modules.
struct CopiedAttribute {
  const char* keyword;
  uint32_t tag;
  const char* vr;
  bool type2;  // present (possibly empty) even when the source lacks it
};
constexpr CopiedAttribute kPatientStudy[] = {
    {"SpecificCharacterSet", DicomTag(0x0008, 0x0005), "CS", false},
    {"StudyDate", DicomTag(0x0008, 0x0020), "DA", true},
    {"StudyTime", DicomTag(0x0008, 0x0030), "TM", true},
    {"AccessionNumber", DicomTag(0x0008, 0x0050), "SH", true},
    {"ReferringPhysicianName", DicomTag(0x0008, 0x0090), "PN", true},
    {"StudyDescription", DicomTag(0x0008, 0x1030), "LO", false},
    {"PatientName", DicomTag(0x0010, 0x0010), "PN", true},
    {"PatientID", DicomTag(0x0010, 0x0020), "LO", true},
    {"IssuerOfPatientID", DicomTag(0x0010, 0x0021), "LO", false},
    {"PatientBirthDate", DicomTag(0x0010, 0x0030), "DA", true},
    {"PatientSex", DicomTag(0x0010, 0x0040), "CS", true},
    {"PatientAge", DicomTag(0x0010, 0x1010), "AS", false},
    {"PatientSize", DicomTag(0x0010, 0x1020), "DS", false},
    {"PatientWeight", DicomTag(0x0010, 0x1030), "DS", false},
    {"PatientIdentityRemoved", DicomTag(0x0012, 0x0062), "CS", false},
    {"DeidentificationMethod", DicomTag(0x0012, 0x0063), "LO", false},
    {"StudyInstanceUID", DicomTag(0x0020, 0x000d), "UI", false},
    {"StudyID", DicomTag(0x0020, 0x0010), "SH", true},
};
constexpr CopiedAttribute kFrameOfReference[] = {
    {"FrameOfReferenceUID", DicomTag(0x0020, 0x0052), "UI", false},
    {"PositionReferenceIndicator", DicomTag(0x0020, 0x1040), "LO", true},
};

bool Near(double a, double b, double tolerance) {
  return std::abs(a - b) <= tolerance;
}

// Why a label map cannot be written against this series, or "" when its grid is the series'.
std::string GridMismatch(const DicomSourceSeries& s, const Geometry& grid) {
  const Index3 expected{s.columns, s.rows, static_cast<int64_t>(s.slices.size())};
  if (grid.size != expected) {
    return "label map is " + std::to_string(grid.size[0]) + "x" + std::to_string(grid.size[1]) +
           "x" + std::to_string(grid.size[2]) + ", the series " + std::to_string(expected[0]) +
           "x" + std::to_string(expected[1]) + "x" + std::to_string(expected[2]);
  }
  for (int axis = 0; axis < 2; ++axis) {
    for (int c = 0; c < 3; ++c) {
      if (!Near(grid.direction.m[c][axis], s.orientation[3 * axis + c], 1e-3)) {
        return "label map axes differ from the series' ImageOrientationPatient";
      }
    }
  }
  if (!Near(grid.spacing[0], s.pixel_spacing[1], 1e-3) ||
      !Near(grid.spacing[1], s.pixel_spacing[0], 1e-3)) {
    return "label map pixel spacing differs from the series' PixelSpacing";
  }
  // Slices may sit a little off a perfectly regular grid (the layout tolerates small gap
  // differences); a quarter slice is far more than that and far less than a wrong slice.
  const double tolerance = 0.25 * grid.spacing[2];
  for (size_t k = 0; k < s.slices.size(); ++k) {
    const Vec3 p = grid.IndexToLpsPoint({0, 0, static_cast<double>(k)});
    for (int c = 0; c < 3; ++c) {
      if (!Near(p[c], s.slices[k].position[c], tolerance)) {
        return "label map slice " + std::to_string(k) +
               " is not at the position of the series' slice " + std::to_string(k);
      }
    }
  }
  return "";
}

}  // namespace

Expected<DicomSourceSeries> ReadDicomSourceSeries(const CtSeriesInfo& source, const Geometry& grid,
                                                  const std::filesystem::path& output) {
  const std::string what =
      output.string() + ": source series " +
      (source.series_instance_uid.empty() ? source.description : source.series_instance_uid);
  if (source.slices.empty()) return MakeError(ErrorCode::kInvalidArgument, what + " has no slices");
  DicomSourceSeries s;
  s.series_instance_uid = source.series_instance_uid;
  s.study_instance_uid = source.study_instance_uid;
  std::string instances;  // every slice's SOP Instance UID, to name a missing study or series by
  for (size_t k = 0; k < source.slices.size(); ++k) {
    const SourceSlice& slice = source.slices[k];
    if (slice.sop_instance_uid.empty() || slice.sop_class_uid.empty()) {
      return MakeError(ErrorCode::kUnsupported,
                       what + ": " + slice.path.string() +
                           " has no SOP Class or Instance UID, by which DICOM SEG and RTSTRUCT "
                           "reference each slice");
    }
    instances += slice.sop_instance_uid + "\\";
    Expected<DicomSliceHeader> header = ReadDicomHeader(slice.path);
    if (!header) return MakeError(header.error().code, what + ": " + header.error().message);
    if (!header->image_position || !header->image_orientation || !header->pixel_spacing) {
      return MakeError(ErrorCode::kCorruptData,
                       what + ": " + slice.path.string() +
                           " lacks ImagePositionPatient, ImageOrientationPatient or PixelSpacing");
    }
    if (k == 0) {
      s.orientation = *header->image_orientation;
      s.pixel_spacing = *header->pixel_spacing;
      s.rows = header->rows;
      s.columns = header->columns;
      const std::string& thickness = header->Attribute("SliceThickness");
      double value = 0;
      auto [end, ec] =
          std::from_chars(thickness.data(), thickness.data() + thickness.size(), value);
      if (ec == std::errc() && end == thickness.data() + thickness.size() && value > 0) {
        s.slice_thickness = value;
      }
    }
    s.slices.push_back({slice.sop_class_uid, slice.sop_instance_uid, *header->image_position});
  }
  std::vector<std::string> keywords;
  for (const auto& a : kPatientStudy) keywords.emplace_back(a.keyword);
  for (const auto& a : kFrameOfReference) keywords.emplace_back(a.keyword);
  Expected<std::map<std::string, std::string>> values =
      ReadDicomAttributes(source.slices.front().path, keywords);
  if (!values) return MakeError(values.error().code, what + ": " + values.error().message);
  auto copy = [&](std::span<const CopiedAttribute> attributes, DicomItem& into) {
    for (const CopiedAttribute& a : attributes) {
      auto it = values->find(a.keyword);
      if (it != values->end()) {
        into.Set(a.tag, a.vr, it->second);
      } else if (a.type2) {
        into.Set(a.tag, a.vr, "");
      }
    }
  };
  copy(kPatientStudy, s.patient_study);
  copy(kFrameOfReference, s.frame_of_reference);
  // Anonymisers sometimes blank the study and series UIDs (the shared example series has
  // neither). Both are Type 1 in the objects that reference them, so they get UIDs derived from
  // the slices' own: the same in SEG and RTSTRUCT and in every run, never matching another series.
  if (s.study_instance_uid.empty() || s.series_instance_uid.empty()) {
    LogWarning(what +
               ": the source has no Study or Series Instance UID (anonymised?); the export "
               "references it by UIDs derived from its SOP Instance UIDs");
  }
  if (s.study_instance_uid.empty()) s.study_instance_uid = UidFromName("study\\" + instances);
  if (s.series_instance_uid.empty()) s.series_instance_uid = UidFromName("series\\" + instances);
  // The study is the one the series was loaded from, even if the file's copy was blanked.
  s.patient_study.Set(dicom_tag::kStudyInstanceUid, "UI", s.study_instance_uid);
  s.frame_of_reference_uid =
      std::string(s.frame_of_reference.Value(dicom_tag::kFrameOfReferenceUid));
  if (s.frame_of_reference_uid.empty()) {
    return MakeError(ErrorCode::kUnsupported,
                     what +
                         " has no FrameOfReferenceUID, which DICOM SEG and RTSTRUCT need to "
                         "place organs on its images");
  }
  if (std::string why = GridMismatch(s, grid); !why.empty()) {
    return MakeError(ErrorCode::kInconsistentData, what + ": " + why);
  }
  return s;
}

DicomItem NewDerivedInstance(const DicomSourceSeries& source,
                             const SegmentationAlgorithm& algorithm, const char* sop_class_uid,
                             const char* modality, int series_number,
                             const std::string& series_description, const DicomDateTime& now) {
  DicomItem ds = source.patient_study;
  ds.Set(dicom_tag::kSopClassUid, "UI", sop_class_uid);
  ds.Set(dicom_tag::kSopInstanceUid, "UI", NewUid());
  ds.Set(tag::kInstanceCreationDate, "DA", now.date);
  ds.Set(tag::kInstanceCreationTime, "TM", now.time);
  ds.Set(tag::kModality, "CS", modality);
  ds.Set(dicom_tag::kSeriesInstanceUid, "UI", NewUid());
  ds.SetInteger(tag::kSeriesNumber, series_number);
  ds.Set(tag::kSeriesDate, "DA", now.date);
  ds.Set(tag::kSeriesTime, "TM", now.time);
  ds.Set(tag::kSeriesDescription, "LO", FitToLength(series_description, 64));
  ds.SetInteger(tag::kInstanceNumber, 1);
  // General Equipment, and Enhanced General Equipment (Type 1 for SEG): software, not a device.
  ds.Set(tag::kManufacturer, "LO", "Viscera");
  ds.Set(tag::kManufacturerModelName, "LO", FitToLength(algorithm.name, 64));
  ds.Set(tag::kDeviceSerialNumber, "LO", "1");
  std::vector<std::string> versions{FitToLength(algorithm.version, 64)};
  if (!algorithm.model_name.empty()) versions.push_back(FitToLength(algorithm.model_name, 64));
  ds.Set(tag::kSoftwareVersions, "LO", versions);
  return ds;
}

void AddCode(DicomItem& item, uint32_t sequence, const CodedConcept& code) {
  item.AddItem(sequence)
      .Set(dicom_tag::kCodeValue, "SH", code.value)
      .Set(dicom_tag::kCodingSchemeDesignator, "SH", code.scheme)
      .Set(dicom_tag::kCodeMeaning, "LO", code.meaning);
}

Expected<std::vector<const LabelEntry*>> PresentLabelEntries(const LabelMap& labels,
                                                             const std::filesystem::path& output) {
  std::vector<const LabelEntry*> entries;
  for (uint16_t id : labels.PresentIds()) {
    const LabelEntry* e = labels.table.Find(id);
    if (e == nullptr) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          output.string() + ": label " + std::to_string(id) + " is not in the label table");
    }
    const std::string which = output.string() + ": label " + std::to_string(id) + " (" + e->name;
    if (!e->type || !e->category) {
      return MakeError(ErrorCode::kInvalidArgument,
                       which + ") has no code in the label table; DICOM needs one per organ");
    }
    for (const CodedConcept* code : {&*e->type, &*e->category}) {
      // Codes are identifiers: cut short they would name something else, so refuse them.
      if (code->value.empty() || code->value.size() > 16 || code->scheme.empty() ||
          code->scheme.size() > 16 || code->meaning.size() > 64) {
        return MakeError(ErrorCode::kInvalidArgument,
                         which + ") has code '" + code->value + "' (" + code->scheme +
                             ") that DICOM cannot carry: value and scheme 1-16 characters, "
                             "meaning at most 64");
      }
    }
    entries.push_back(e);
  }
  if (entries.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     output.string() +
                         ": the label map has no labelled voxels, so no organ to "
                         "write");
  }
  return entries;
}

std::array<uint16_t, 3> DicomCieLabFromRgb(const std::array<uint8_t, 3>& rgb) {
  double linear[3];
  for (int c = 0; c < 3; ++c) {
    const double v = rgb[c] / 255.0;  // sRGB transfer function undone
    linear[c] = v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
  }
  // sRGB to XYZ, Bradford-adapted from D65 to D50 (Lindbloom's sRGB D50 matrix).
  const double xyz[3] = {0.4360747 * linear[0] + 0.3850649 * linear[1] + 0.1430804 * linear[2],
                         0.2225045 * linear[0] + 0.7168786 * linear[1] + 0.0606169 * linear[2],
                         0.0139322 * linear[0] + 0.0971045 * linear[1] + 0.7141733 * linear[2]};
  const double white[3] = {0.96422, 1.0, 0.82521};
  double f[3];
  for (int c = 0; c < 3; ++c) {
    const double t = xyz[c] / white[c];
    constexpr double kEpsilon = 216.0 / 24389.0, kKappa = 24389.0 / 27.0;
    f[c] = t > kEpsilon ? std::cbrt(t) : (kKappa * t + 16.0) / 116.0;
  }
  const double lab[3] = {116.0 * f[1] - 16.0, 500.0 * (f[0] - f[1]), 200.0 * (f[1] - f[2])};
  auto scale = [](double v, double lo, double hi) {
    return static_cast<uint16_t>(std::lround(std::clamp((v - lo) / (hi - lo), 0.0, 1.0) * 65535));
  };
  return {scale(lab[0], 0, 100), scale(lab[1], -128, 127), scale(lab[2], -128, 127)};
}

Status WriteDicomSeg(const LabelMap& labels, const CtSeriesInfo& source,
                     const SegmentationAlgorithm& algorithm, const std::filesystem::path& path) {
  VISCERA_ASSIGN_OR_RETURN(std::vector<const LabelEntry*> segments,
                           PresentLabelEntries(labels, path));
  const Geometry& grid = labels.labels.geometry();
  VISCERA_ASSIGN_OR_RETURN(DicomSourceSeries src, ReadDicomSourceSeries(source, grid, path));
  const int64_t slices = grid.size[2];
  const int64_t frames = static_cast<int64_t>(segments.size()) * slices;
  if (src.rows > 65535 || src.columns > 65535) {
    return MakeError(ErrorCode::kUnsupported, path.string() + ": images over 65535 pixels wide");
  }

  const DicomDateTime now = DicomNow();
  DicomItem ds = NewDerivedInstance(src, algorithm, kSegmentationStorage, "SEG", kSegSeriesNumber,
                                    "Organ segmentation (" + algorithm.name + ")", now);
  ds.Merge(src.frame_of_reference);
  ds.Set(tag::kContentDate, "DA", now.date).Set(tag::kContentTime, "TM", now.time);
  const std::vector<std::string> image_type{"DERIVED", "PRIMARY"};
  ds.Set(tag::kImageType, "CS", image_type);
  ds.Set(tag::kContentLabel, "CS", "ORGANS");
  ds.Set(tag::kContentDescription, "LO",
         FitToLength("Organ segmentation by " + algorithm.name, 64));
  // Type 2, and empty: a person's name, and no person drew these segments.
  ds.Set(tag::kContentCreatorName, "PN", "");

  // Image Pixel and Segmentation Image: one bit per pixel, frames packed back to back.
  ds.SetUS(tag::kSamplesPerPixel, {1});
  ds.Set(tag::kPhotometricInterpretation, "CS", "MONOCHROME2");
  ds.SetInteger(tag::kNumberOfFrames, frames);
  ds.SetUS(tag::kRows, {static_cast<uint16_t>(src.rows)});
  ds.SetUS(tag::kColumns, {static_cast<uint16_t>(src.columns)});
  ds.SetUS(tag::kBitsAllocated, {1}).SetUS(tag::kBitsStored, {1}).SetUS(tag::kHighBit, {0});
  ds.SetUS(tag::kPixelRepresentation, {0});
  ds.Set(tag::kLossyImageCompression, "CS", "00");
  ds.Set(tag::kSegmentationType, "CS", "BINARY");
  ds.Set(tag::kSegmentsOverlap, "CS", "NO");  // one label per voxel

  for (size_t s = 0; s < segments.size(); ++s) {
    const LabelEntry& e = *segments[s];
    DicomItem& item = ds.AddItem(tag::kSegmentSequence);
    item.SetUS(tag::kSegmentNumber, {static_cast<uint16_t>(s + 1)});
    item.Set(tag::kSegmentLabel, "LO", FitToLength(e.name, 64));
    item.Set(tag::kSegmentDescription, "ST", e.type->meaning);
    item.Set(tag::kSegmentAlgorithmType, "CS", "AUTOMATIC");
    item.Set(tag::kSegmentAlgorithmName, "LO", FitToLength(algorithm.name, 64));
    AddCode(item, tag::kSegmentedPropertyCategoryCodeSequence, *e.category);
    AddCode(item, tag::kSegmentedPropertyTypeCodeSequence, *e.type);
    const auto lab = DicomCieLabFromRgb(e.color);
    item.SetUS(tag::kRecommendedDisplayCieLabValue, {lab[0], lab[1], lab[2]});
  }

  // Common Instance Reference: the source series and every one of its instances.
  DicomItem& referenced = ds.AddItem(tag::kReferencedSeriesSequence);
  referenced.Set(dicom_tag::kSeriesInstanceUid, "UI", src.series_instance_uid);
  for (const DicomSourceSlice& slice : src.slices) {
    referenced.AddItem(tag::kReferencedInstanceSequence)
        .Set(dicom_tag::kReferencedSopClassUid, "UI", slice.sop_class_uid)
        .Set(dicom_tag::kReferencedSopInstanceUid, "UI", slice.sop_instance_uid);
  }

  // Multi-frame Dimension: frames indexed by segment, then by position (as highdicom does).
  const std::string dimension_uid = NewUid();
  ds.AddItem(tag::kDimensionOrganizationSequence)
      .Set(tag::kDimensionOrganizationUid, "UI", dimension_uid);
  ds.AddItem(tag::kDimensionIndexSequence)
      .Set(tag::kDimensionOrganizationUid, "UI", dimension_uid)
      .SetAT(tag::kDimensionIndexPointer, {tag::kReferencedSegmentNumber})
      .SetAT(tag::kFunctionalGroupPointer, {tag::kSegmentIdentificationSequence})
      .Set(tag::kDimensionDescriptionLabel, "LO", "Segment Number");
  ds.AddItem(tag::kDimensionIndexSequence)
      .Set(tag::kDimensionOrganizationUid, "UI", dimension_uid)
      .SetAT(tag::kDimensionIndexPointer, {tag::kImagePositionPatient})
      .SetAT(tag::kFunctionalGroupPointer, {tag::kPlanePositionSequence})
      .Set(tag::kDimensionDescriptionLabel, "LO", "Image Position Patient");

  // Shared functional groups: the source's pixel measures and orientation.
  DicomItem& shared = ds.AddItem(tag::kSharedFunctionalGroupsSequence);
  DicomItem& measures = shared.AddItem(tag::kPixelMeasuresSequence);
  measures.SetDecimals(tag::kPixelSpacing, {src.pixel_spacing[0], src.pixel_spacing[1]});
  measures.SetDecimals(tag::kSliceThickness, {src.slice_thickness.value_or(grid.spacing[2])});
  measures.SetDecimals(tag::kSpacingBetweenSlices, {grid.spacing[2]});
  shared.AddItem(tag::kPlaneOrientationSequence)
      .SetDecimals(tag::kImageOrientationPatient, std::span<const double>(src.orientation));

  // Per-frame functional groups, segment-major: where the frame is and what it was derived from.
  const CodedConcept derivation{"113076", "DCM", "Segmentation"};
  const CodedConcept purpose{"121322", "DCM", "Source image for image processing operation"};
  for (size_t s = 0; s < segments.size(); ++s) {
    for (int64_t k = 0; k < slices; ++k) {
      const DicomSourceSlice& slice = src.slices[static_cast<size_t>(k)];
      DicomItem& frame = ds.AddItem(tag::kPerFrameFunctionalGroupsSequence);
      DicomItem& derived = frame.AddItem(tag::kDerivationImageSequence);
      AddCode(derived, tag::kDerivationCodeSequence, derivation);
      DicomItem& source_image = derived.AddItem(tag::kSourceImageSequence);
      source_image.Set(dicom_tag::kReferencedSopClassUid, "UI", slice.sop_class_uid);
      source_image.Set(dicom_tag::kReferencedSopInstanceUid, "UI", slice.sop_instance_uid);
      AddCode(source_image, tag::kPurposeOfReferenceCodeSequence, purpose);
      frame.AddItem(tag::kFrameContentSequence)
          .SetUL(tag::kDimensionIndexValues,
                 {static_cast<uint32_t>(s + 1), static_cast<uint32_t>(k + 1)});
      frame.AddItem(tag::kPlanePositionSequence)
          .SetDecimals(tag::kImagePositionPatient, std::span<const double>(slice.position));
      frame.AddItem(tag::kSegmentIdentificationSequence)
          .SetUS(tag::kReferencedSegmentNumber, {static_cast<uint16_t>(s + 1)});
    }
  }

  // Pixel data: bit n of the stream (least significant bit of each byte first) is pixel n of the
  // frames laid end to end; frame s * slices + k is segment s on slice k, which is exactly label
  // voxel (i, j, k) offset by segment s's whole volume.
  std::vector<int> segment_of(65536, -1);
  for (size_t s = 0; s < segments.size(); ++s) segment_of[segments[s]->id] = static_cast<int>(s);
  const auto voxels = labels.labels.voxels();
  const auto volume_bits = static_cast<uint64_t>(voxels.size());
  std::string pixels((volume_bits * segments.size() + 7) / 8, '\0');
  for (size_t n = 0; n < voxels.size(); ++n) {
    const int s = segment_of[voxels[n]];
    if (s < 0) continue;
    const uint64_t bit = static_cast<uint64_t>(s) * volume_bits + n;
    pixels[bit / 8] = static_cast<char>(pixels[bit / 8] | (1u << (bit % 8)));
  }
  ds.SetBytes(tag::kPixelData, "OB", std::move(pixels));
  return WriteDicomFile(ds, path);
}

}  // namespace viscera
