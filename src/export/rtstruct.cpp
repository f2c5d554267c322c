#include "export/rtstruct.h"

#include <algorithm>
#include <limits>

#include "core/parallel.h"
#include "export/slice_contours.h"

namespace viscera {
namespace {

namespace tag {
constexpr uint32_t kOperatorsName = DicomTag(0x0008, 0x1070);
constexpr uint32_t kStructureSetLabel = DicomTag(0x3006, 0x0002);
constexpr uint32_t kStructureSetName = DicomTag(0x3006, 0x0004);
constexpr uint32_t kStructureSetDate = DicomTag(0x3006, 0x0008);
constexpr uint32_t kStructureSetTime = DicomTag(0x3006, 0x0009);
constexpr uint32_t kReferencedFrameOfReferenceSequence = DicomTag(0x3006, 0x0010);
constexpr uint32_t kRtReferencedStudySequence = DicomTag(0x3006, 0x0012);
constexpr uint32_t kRtReferencedSeriesSequence = DicomTag(0x3006, 0x0014);
constexpr uint32_t kContourImageSequence = DicomTag(0x3006, 0x0016);
constexpr uint32_t kStructureSetRoiSequence = DicomTag(0x3006, 0x0020);
constexpr uint32_t kRoiNumber = DicomTag(0x3006, 0x0022);
constexpr uint32_t kReferencedFrameOfReferenceUid = DicomTag(0x3006, 0x0024);
constexpr uint32_t kRoiName = DicomTag(0x3006, 0x0026);
constexpr uint32_t kRoiDisplayColor = DicomTag(0x3006, 0x002a);
constexpr uint32_t kRoiGenerationAlgorithm = DicomTag(0x3006, 0x0036);
constexpr uint32_t kRoiGenerationDescription = DicomTag(0x3006, 0x0038);
constexpr uint32_t kRoiContourSequence = DicomTag(0x3006, 0x0039);
constexpr uint32_t kContourSequence = DicomTag(0x3006, 0x0040);
constexpr uint32_t kContourGeometricType = DicomTag(0x3006, 0x0042);
constexpr uint32_t kNumberOfContourPoints = DicomTag(0x3006, 0x0046);
constexpr uint32_t kContourNumber = DicomTag(0x3006, 0x0048);
constexpr uint32_t kContourData = DicomTag(0x3006, 0x0050);
constexpr uint32_t kRtRoiObservationsSequence = DicomTag(0x3006, 0x0080);
constexpr uint32_t kObservationNumber = DicomTag(0x3006, 0x0082);
constexpr uint32_t kReferencedRoiNumber = DicomTag(0x3006, 0x0084);
constexpr uint32_t kRoiObservationLabel = DicomTag(0x3006, 0x0085);
constexpr uint32_t kRtRoiInterpretedType = DicomTag(0x3006, 0x00a4);
constexpr uint32_t kRoiInterpreter = DicomTag(0x3006, 0x00a6);
}  // namespace tag

constexpr const char* kRtStructureSetStorage = "1.2.840.10008.5.1.4.1.1.481.3";
// RT Referenced Study Sequence items name the study by the (retired) Detached Study Management
// SOP class: what planning systems expect there, and how CT images reference their study too.
constexpr const char* kStudyManagementSopClass = "1.2.840.10008.3.1.2.3.1";
constexpr int kRtStructSeriesNumber = 902;
// Contour coordinates to 1 um: far finer than any CT pixel, and short enough that an organ's
// outline usually fits a DS value's 16-bit length.
constexpr int kContourDecimals = 3;

// One closed contour ready to encode: its ContourData text and point count.
struct EncodedContour {
  size_t segment = 0;
  std::string data;
  int64_t points = 0;
};

struct PixelBox {
  int64_t x0 = std::numeric_limits<int64_t>::max(), y0 = x0, x1 = -1, y1 = -1;
  bool empty() const { return x1 < 0; }
};

// The contours of every segment on slice k, in segment order, as patient coordinates on the
// slice's plane: pixel (x, y) is at position + x * column spacing * row direction + y * row
// spacing * column direction.
std::vector<EncodedContour> SliceOutlines(const LabelMap& labels, int64_t k,
                                          const std::vector<int>& segment_of, size_t segments,
                                          const DicomSourceSeries& src) {
  const int64_t columns = labels.labels.size()[0], rows = labels.labels.size()[1];
  const uint16_t* slice = &labels.labels.at(0, 0, k);
  std::vector<PixelBox> boxes(segments);
  for (int64_t y = 0; y < rows; ++y) {
    for (int64_t x = 0; x < columns; ++x) {
      const int s = segment_of[slice[y * columns + x]];
      if (s < 0) continue;
      PixelBox& b = boxes[static_cast<size_t>(s)];
      b.x0 = std::min(b.x0, x), b.x1 = std::max(b.x1, x);
      b.y0 = std::min(b.y0, y), b.y1 = std::max(b.y1, y);
    }
  }
  const Vec3& origin = src.slices[static_cast<size_t>(k)].position;
  Vec3 along_row, along_column;  // mm per pixel step in x and in y
  for (int c = 0; c < 3; ++c) {
    along_row[c] = src.orientation[c] * src.pixel_spacing[1];
    along_column[c] = src.orientation[3 + c] * src.pixel_spacing[0];
  }
  std::vector<EncodedContour> out;
  std::vector<uint8_t> mask;
  for (size_t s = 0; s < segments; ++s) {
    const PixelBox& b = boxes[s];
    if (b.empty()) continue;
    // Trace within the organ's box only: a slice holds many organs, each a small part of it.
    const int64_t w = b.x1 - b.x0 + 1, h = b.y1 - b.y0 + 1;
    mask.assign(static_cast<size_t>(w * h), 0);
    for (int64_t y = 0; y < h; ++y) {
      for (int64_t x = 0; x < w; ++x) {
        mask[static_cast<size_t>(y * w + x)] =
            segment_of[slice[(b.y0 + y) * columns + b.x0 + x]] == static_cast<int>(s);
      }
    }
    for (const SliceContour& contour : TraceSliceContours(mask, w, h)) {
      EncodedContour encoded{s, {}, static_cast<int64_t>(contour.points.size())};
      for (const auto& p : contour.points) {
        const double x = p[0] + static_cast<double>(b.x0), y = p[1] + static_cast<double>(b.y0);
        for (int c = 0; c < 3; ++c) {
          if (!encoded.data.empty()) encoded.data += '\\';
          encoded.data += FormatDecimalString(origin[c] + x * along_row[c] + y * along_column[c],
                                              kContourDecimals);
        }
      }
      out.push_back(std::move(encoded));
    }
  }
  return out;
}

std::string ColorText(const std::array<uint8_t, 3>& rgb) {
  return std::to_string(rgb[0]) + "\\" + std::to_string(rgb[1]) + "\\" + std::to_string(rgb[2]);
}

}  // namespace

Status WriteRtStruct(const LabelMap& labels, const CtSeriesInfo& source,
                     const SegmentationAlgorithm& algorithm, const std::filesystem::path& path) {
  VISCERA_ASSIGN_OR_RETURN(std::vector<const LabelEntry*> rois, PresentLabelEntries(labels, path));
  const Geometry& grid = labels.labels.geometry();
  VISCERA_ASSIGN_OR_RETURN(DicomSourceSeries src, ReadDicomSourceSeries(source, grid, path));

  std::vector<int> segment_of(65536, -1);
  for (size_t r = 0; r < rois.size(); ++r) segment_of[rois[r]->id] = static_cast<int>(r);
  const int64_t slices = grid.size[2];
  std::vector<std::vector<EncodedContour>> outlines(static_cast<size_t>(slices));
  ParallelFor(0, slices, [&](int64_t k) {
    outlines[static_cast<size_t>(k)] = SliceOutlines(labels, k, segment_of, rois.size(), src);
  });

  const DicomDateTime now = DicomNow();
  DicomItem ds =
      NewDerivedInstance(src, algorithm, kRtStructureSetStorage, "RTSTRUCT", kRtStructSeriesNumber,
                         "Organ contours (" + algorithm.name + ")", now);
  ds.Merge(src.frame_of_reference);
  ds.Set(tag::kOperatorsName, "PN", "");
  ds.Set(tag::kStructureSetLabel, "SH", "Organs");
  ds.Set(tag::kStructureSetName, "LO", FitToLength("Organs by " + algorithm.name, 64));
  ds.Set(tag::kStructureSetDate, "DA", now.date).Set(tag::kStructureSetTime, "TM", now.time);

  // Where the contours live: the source's frame of reference, study, series and every slice.
  DicomItem& frame = ds.AddItem(tag::kReferencedFrameOfReferenceSequence);
  frame.Set(dicom_tag::kFrameOfReferenceUid, "UI", src.frame_of_reference_uid);
  DicomItem& study = frame.AddItem(tag::kRtReferencedStudySequence);
  study.Set(dicom_tag::kReferencedSopClassUid, "UI", kStudyManagementSopClass);
  study.Set(dicom_tag::kReferencedSopInstanceUid, "UI", src.study_instance_uid);
  DicomItem& series = study.AddItem(tag::kRtReferencedSeriesSequence);
  series.Set(dicom_tag::kSeriesInstanceUid, "UI", src.series_instance_uid);
  for (const DicomSourceSlice& slice : src.slices) {
    series.AddItem(tag::kContourImageSequence)
        .Set(dicom_tag::kReferencedSopClassUid, "UI", slice.sop_class_uid)
        .Set(dicom_tag::kReferencedSopInstanceUid, "UI", slice.sop_instance_uid);
  }

  // One ROI per organ, numbered by its label id so every output names an organ the same way.
  std::vector<DicomItem*> contour_sequences;
  for (const LabelEntry* e : rois) {
    ds.AddItem(tag::kStructureSetRoiSequence)
        .SetInteger(tag::kRoiNumber, e->id)
        .Set(tag::kReferencedFrameOfReferenceUid, "UI", src.frame_of_reference_uid)
        .Set(tag::kRoiName, "LO", FitToLength(e->name, 64))
        .Set(tag::kRoiGenerationAlgorithm, "CS", "AUTOMATIC")
        .Set(tag::kRoiGenerationDescription, "LO", FitToLength(algorithm.name, 64));
    DicomItem& roi_contour = ds.AddItem(tag::kRoiContourSequence);
    roi_contour.SetInteger(tag::kReferencedRoiNumber, e->id);
    roi_contour.Set(tag::kRoiDisplayColor, "IS", ColorText(e->color));
    contour_sequences.push_back(&roi_contour);
    ds.AddItem(tag::kRtRoiObservationsSequence)
        .SetInteger(tag::kObservationNumber, e->id)
        .SetInteger(tag::kReferencedRoiNumber, e->id)
        .Set(tag::kRoiObservationLabel, "SH", FitToLength(e->name, 16))
        .Set(tag::kRtRoiInterpretedType, "CS", "ORGAN")
        .Set(tag::kRoiInterpreter, "PN", "");
  }
  std::vector<int64_t> contour_numbers(rois.size(), 0);
  for (int64_t k = 0; k < slices; ++k) {
    const DicomSourceSlice& slice = src.slices[static_cast<size_t>(k)];
    for (EncodedContour& c : outlines[static_cast<size_t>(k)]) {
      DicomItem& contour = contour_sequences[c.segment]->AddItem(tag::kContourSequence);
      contour.AddItem(tag::kContourImageSequence)
          .Set(dicom_tag::kReferencedSopClassUid, "UI", slice.sop_class_uid)
          .Set(dicom_tag::kReferencedSopInstanceUid, "UI", slice.sop_instance_uid);
      contour.Set(tag::kContourGeometricType, "CS", "CLOSED_PLANAR");
      contour.SetInteger(tag::kNumberOfContourPoints, c.points);
      contour.SetInteger(tag::kContourNumber, ++contour_numbers[c.segment]);
      contour.Set(tag::kContourData, "DS", c.data);
      c.data = std::string();  // the item holds its own copy now
    }
  }
  return WriteDicomFile(ds, path);
}

}  // namespace viscera
