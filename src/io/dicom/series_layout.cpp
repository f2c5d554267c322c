#include "io/dicom/series_layout.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace viscera {
namespace {

double Norm(const Vec3& a) {
  return std::sqrt(Dot(a, a));
}

std::string Mm(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g mm", v);
  return buf;
}

Error Inconsistent(const DicomSeries& series, const std::string& what) {
  return MakeError(ErrorCode::kInconsistentData, series.Describe() + ": " + what);
}

// Every slice must agree with the first on size, pixel format, orientation and spacing.
Status CheckUniformSlices(const DicomSeries& series) {
  const DicomSliceHeader& ref = series.first();
  for (const DicomSliceHeader& h : series.instances) {
    const std::string file = h.path.string();
    if (h.number_of_frames != 1) {
      return MakeError(ErrorCode::kUnsupported,
                       series.Describe() + ": " + file + " is multi-frame (" +
                           std::to_string(h.number_of_frames) +
                           " frames); enhanced multi-frame CT is not supported");
    }
    if (h.samples_per_pixel != 1 || (h.bits_allocated != 8 && h.bits_allocated != 16)) {
      return MakeError(ErrorCode::kUnsupported,
                       series.Describe() + ": " + file + " has " +
                           std::to_string(h.samples_per_pixel) + " samples/pixel, " +
                           std::to_string(h.bits_allocated) +
                           " bits allocated; expected 1 sample of 8 or 16 bits");
    }
    if (h.rows < 1 || h.columns < 1) {
      return MakeError(ErrorCode::kCorruptData, file + ": image has no rows or columns");
    }
    if (h.bits_stored < 1 || h.bits_stored > h.bits_allocated) {
      return MakeError(
          ErrorCode::kCorruptData,
          file + ": BitsStored " + std::to_string(h.bits_stored) + " does not fit BitsAllocated");
    }
    if (h.bits_allocated != ref.bits_allocated) {
      return Inconsistent(series, "mixed BitsAllocated: " + ref.path.string() + " has " +
                                      std::to_string(ref.bits_allocated) + ", " + file + " has " +
                                      std::to_string(h.bits_allocated));
    }
    if (h.rows != ref.rows || h.columns != ref.columns) {
      return Inconsistent(series, "mixed image sizes: " + ref.path.string() + " is " +
                                      std::to_string(ref.columns) + "x" + std::to_string(ref.rows) +
                                      ", " + file + " is " + std::to_string(h.columns) + "x" +
                                      std::to_string(h.rows));
    }
    if (!h.image_position || !h.image_orientation) {
      return Inconsistent(series, file + " lacks ImagePositionPatient or ImageOrientationPatient");
    }
    if (!h.pixel_spacing) return Inconsistent(series, file + " lacks PixelSpacing");
    for (int n = 0; n < 6; ++n) {
      if (std::abs((*h.image_orientation)[n] - (*ref.image_orientation)[n]) > 1e-4) {
        return Inconsistent(series, "mixed orientations: " + ref.path.string() + " and " + file +
                                        " have different ImageOrientationPatient");
      }
    }
    for (int n = 0; n < 2; ++n) {
      if (std::abs((*h.pixel_spacing)[n] - (*ref.pixel_spacing)[n]) > 1e-4) {
        return Inconsistent(
            series, "mixed pixel spacings: " + ref.path.string() + " and " + file + " differ");
      }
    }
  }
  return Ok{};
}

}  // namespace

Expected<SeriesLayout> ComputeSeriesLayout(const DicomSeries& series,
                                           const SeriesLayoutOptions& options) {
  VISCERA_CHECK(!series.instances.empty(), "a series has at least one instance");
  VISCERA_RETURN_IF_ERROR(CheckUniformSlices(series));
  const DicomSliceHeader& ref = series.first();
  const auto& iop = *ref.image_orientation;
  Vec3 row_dir{iop[0], iop[1], iop[2]};  // along a row: increasing column index (i)
  Vec3 col_dir{iop[3], iop[4], iop[5]};  // down a column: increasing row index (j)
  if (std::abs(Norm(row_dir) - 1) > 1e-3 || std::abs(Norm(col_dir) - 1) > 1e-3 ||
      std::abs(Dot(row_dir, col_dir)) > 1e-3) {
    return MakeError(
        ErrorCode::kCorruptData,
        ref.path.string() + ": ImageOrientationPatient is not two orthogonal unit vectors");
  }
  const Vec3 normal = Cross(row_dir, col_dir);

  SeriesLayout layout;
  for (const DicomSliceHeader& h : series.instances) layout.slices.push_back(&h);
  auto along_normal = [&](const DicomSliceHeader* h) { return Dot(*h->image_position, normal); };
  std::stable_sort(layout.slices.begin(), layout.slices.end(),
                   [&](auto* a, auto* b) { return along_normal(a) < along_normal(b); });

  const size_t count = layout.slices.size();
  std::vector<double> gaps;
  for (size_t k = 1; k < count; ++k) {
    double gap = along_normal(layout.slices[k]) - along_normal(layout.slices[k - 1]);
    if (gap < 1e-3) {
      return Inconsistent(series, "duplicate slice position " + Mm(along_normal(layout.slices[k])) +
                                      " along the normal in " +
                                      layout.slices[k - 1]->path.string() + " and " +
                                      layout.slices[k]->path.string());
    }
    gaps.push_back(gap);
  }

  double spacing_k = 1.0;
  if (!gaps.empty()) {
    std::vector<double> sorted = gaps;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(sorted.size() / 2),
                     sorted.end());
    const double median = sorted[sorted.size() / 2];
    const double tolerance =
        std::max(options.gap_tolerance_mm, options.gap_tolerance_relative * median);
    for (size_t k = 0; k < gaps.size(); ++k) {
      if (std::abs(gaps[k] - median) > tolerance) {
        return Inconsistent(series, "non-uniform slice spacing: gap of " + Mm(gaps[k]) +
                                        " between " + layout.slices[k]->path.string() + " and " +
                                        layout.slices[k + 1]->path.string() +
                                        " where the series uses " + Mm(median) +
                                        (gaps[k] > median ? " (missing slices?)" : "") +
                                        "; refusing to build a volume with wrong slice positions");
      }
    }
    // Use the mean over the whole stack: the most accurate estimate of a uniform spacing.
    spacing_k = (along_normal(layout.slices.back()) - along_normal(layout.slices.front())) /
                static_cast<double>(count - 1);

    // Gantry tilt: slices stacked along a direction that is not the slice normal.
    Vec3 first = *layout.slices.front()->image_position;
    Vec3 last = *layout.slices.back()->image_position;
    Vec3 stack{last[0] - first[0], last[1] - first[1], last[2] - first[2]};
    double cos_angle = std::clamp(Dot(stack, normal) / Norm(stack), -1.0, 1.0);
    double tilt = std::acos(cos_angle) * 180.0 / std::numbers::pi;
    if (tilt > options.max_tilt_degrees) {
      char buf[160];
      std::snprintf(buf, sizeof buf,
                    "gantry tilt: slices are stacked %.2f degrees off the slice normal "
                    "(GantryDetectorTilt %s); tilted acquisitions are not resampled",
                    tilt, ref.gantry_tilt ? std::to_string(*ref.gantry_tilt).c_str() : "absent");
      return MakeError(ErrorCode::kUnsupported, series.Describe() + ": " + buf);
    }
  } else if (auto thickness = ref.attributes.find("SliceThickness");
             thickness != ref.attributes.end() && !thickness->second.empty()) {
    spacing_k = std::max(1e-3, std::atof(thickness->second[0].c_str()));
  }

  Geometry& g = layout.geometry;
  g.size = {ref.columns, ref.rows, static_cast<int64_t>(count)};
  g.spacing = {(*ref.pixel_spacing)[1], (*ref.pixel_spacing)[0], spacing_k};
  if (!(g.spacing[0] > 0 && g.spacing[1] > 0)) {
    return MakeError(ErrorCode::kCorruptData, ref.path.string() + ": PixelSpacing must be > 0");
  }
  g.origin = *layout.slices.front()->image_position;
  for (int r = 0; r < 3; ++r) {
    g.direction.m[r][0] = row_dir[r];
    g.direction.m[r][1] = col_dir[r];
    g.direction.m[r][2] = normal[r];
  }
  return layout;
}

}  // namespace viscera
