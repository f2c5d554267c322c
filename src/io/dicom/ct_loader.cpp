#include "io/dicom/ct_loader.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "core/log.h"
#include "core/parallel.h"

namespace viscera {
namespace {

static_assert(std::endian::native == std::endian::little, "DICOM sample decoding assumes it");

// Stored value -> HU for one slice, from `raw` (little-endian samples; may alias `out` for 16-bit
// data). Bits above BitsStored are masked or sign-extended: some scanners keep overlays there.
void RescaleSlice(const DicomSliceHeader& h, const uint8_t* raw, std::span<int16_t> out,
                  int64_t* clamped) {
  const int bits = h.bits_stored;
  const bool is_signed = h.pixel_representation == 1;
  const int shift = 32 - bits;
  const auto mask = static_cast<uint32_t>((uint64_t{1} << bits) - 1);
  auto stored = [&](size_t n) -> int32_t {
    uint32_t v;
    if (h.bits_allocated == 16) {
      uint16_t sample;
      std::memcpy(&sample, raw + 2 * n, 2);  // little-endian host (checked at build time)
      v = sample;
    } else {
      v = raw[n];
    }
    // Sign-extend from BitsStored with a shift pair; mask otherwise.
    return is_signed ? static_cast<int32_t>(v << shift) >> shift : static_cast<int32_t>(v & mask);
  };
  const double slope = h.rescale_slope;
  const double intercept = h.rescale_intercept;
  int64_t out_of_range = 0;
  if (slope == 1.0 && intercept == std::floor(intercept) && std::abs(intercept) < 1e6) {
    // The common CT case: an integer offset. Kept branch-free so it vectorises.
    const auto offset = static_cast<int32_t>(intercept);
    for (size_t n = 0; n < out.size(); ++n) {
      int32_t hu = stored(n) + offset;
      out_of_range += (hu < INT16_MIN) | (hu > INT16_MAX);
      out[n] = static_cast<int16_t>(std::clamp<int32_t>(hu, INT16_MIN, INT16_MAX));
    }
  } else {
    for (size_t n = 0; n < out.size(); ++n) {
      double hu = std::round(static_cast<double>(stored(n)) * slope + intercept);
      out_of_range += (hu < INT16_MIN) | (hu > INT16_MAX);
      out[n] = static_cast<int16_t>(std::clamp<double>(hu, INT16_MIN, INT16_MAX));
    }
  }
  *clamped += out_of_range;
}

}  // namespace

Expected<HounsfieldVolume> DecodeHounsfield(const SeriesLayout& layout, const ReadLimits& limits,
                                            int64_t* clamped_voxels) {
  const Geometry& g = layout.geometry;
  const DicomSliceHeader& first = *layout.slices.front();
  VISCERA_RETURN_IF_ERROR(CheckClaimedSize(g.size, 2, limits, first.path.string()));
  HounsfieldVolume volume(g);
  std::vector<std::optional<Error>> errors(layout.slices.size());
  std::atomic<int64_t> clamped{0};
  Progress progress("decoding slices", g.size[2]);
  ParallelFor(0, g.size[2], [&](int64_t k) {
    const DicomSliceHeader& h = *layout.slices[static_cast<size_t>(k)];
    std::span<int16_t> slice = volume.slice(k);
    // 16-bit frames decode straight into the volume and are rescaled in place.
    thread_local std::vector<uint8_t> buffer;
    std::span<uint8_t> raw(reinterpret_cast<uint8_t*>(slice.data()), slice.size_bytes());
    if (h.bits_allocated != 16) {
      buffer.resize(static_cast<size_t>(g.size[0] * g.size[1]));
      raw = buffer;
    }
    Status decoded = DecodeDicomFrame(h, raw);
    if (!decoded) {
      errors[static_cast<size_t>(k)] = decoded.error();
      return;
    }
    int64_t slice_clamped = 0;
    RescaleSlice(h, raw.data(), slice, &slice_clamped);
    clamped += slice_clamped;
    progress.Advance();
  });
  for (const auto& e : errors) {
    if (e) return *e;
  }
  *clamped_voxels = clamped.load();
  return volume;
}

Expected<LoadedCtSeries> LoadCtSeries(const std::filesystem::path& folder,
                                      const CtLoadOptions& options) {
  VISCERA_ASSIGN_OR_RETURN(DicomFolderScan scan, ScanDicomFolder(folder));
  const DicomSeries* chosen = nullptr;
  if (!options.series_instance_uid.empty()) {
    for (const DicomSeries& s : scan.series) {
      if (s.series_instance_uid == options.series_instance_uid) chosen = &s;
    }
  } else {
    const SeriesSelector selector = options.selector.value_or(SeriesSelector::Default());
    VISCERA_ASSIGN_OR_RETURN(auto matches, selector.Select(scan.series));
    if (!matches.empty()) chosen = matches.front().series;
  }
  if (chosen == nullptr) {
    std::string found;
    for (const DicomSeries& s : scan.series) found += "\n  " + s.Describe();
    if (found.empty()) found = " none";
    std::string what = options.series_instance_uid.empty()
                           ? "no CT series matching the selection rules"
                           : "no series with UID " + options.series_instance_uid;
    return MakeError(ErrorCode::kNotFound, folder.string() + ": " + what + " (" +
                                               std::to_string(scan.files_seen) + " files, " +
                                               std::to_string(scan.skipped.size()) +
                                               " not DICOM images); series found:" + found);
  }
  LogInfo("loading " + chosen->Describe() + " from " + folder.string());
  VISCERA_ASSIGN_OR_RETURN(SeriesLayout layout, ComputeSeriesLayout(*chosen, options.layout));
  LoadedCtSeries loaded;
  VISCERA_ASSIGN_OR_RETURN(loaded.volume,
                           DecodeHounsfield(layout, options.limits, &loaded.info.clamped_voxels));
  if (loaded.info.clamped_voxels > 0) {
    LogWarning(chosen->Describe() + ": " + std::to_string(loaded.info.clamped_voxels) +
               " voxels outside the int16 HU range were clamped");
  }
  loaded.info.series_instance_uid = chosen->series_instance_uid;
  loaded.info.study_instance_uid = chosen->study_instance_uid;
  for (const DicomSliceHeader* h : layout.slices) {
    loaded.info.slices.push_back({h->path, h->sop_class_uid, h->sop_instance_uid});
  }
  loaded.info.description = chosen->Describe();
  loaded.info.series_description = chosen->first().Attribute("SeriesDescription");
  loaded.info.transfer_syntax_uid = chosen->first().transfer_syntax_uid;
  for (const DicomSeries& s : scan.series) {
    if (&s != chosen) loaded.info.other_series.push_back(s.Describe());
  }
  return loaded;
}

}  // namespace viscera
