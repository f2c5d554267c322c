// One DICOM file, as far as a CT volume needs it. This is the only interface to the DICOM toolkit
// (GDCM, with OpenJPEG and CharLS behind it): dicom_file.cpp is the one source that includes it.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/expected.h"
#include "core/geometry.h"

namespace viscera {

// Header fields of one image instance. Strings are trimmed of DICOM padding.
struct DicomSliceHeader {
  std::filesystem::path path;
  std::string transfer_syntax_uid;
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string study_instance_uid;
  std::string series_instance_uid;
  int64_t instance_number = 0;

  int rows = 0;
  int columns = 0;
  int samples_per_pixel = 1;
  int bits_allocated = 0;
  int bits_stored = 0;
  int pixel_representation = 0;  // 0 unsigned, 1 two's complement
  int number_of_frames = 1;
  double rescale_slope = 1.0;
  double rescale_intercept = 0.0;

  std::optional<Vec3> image_position;                   // (0020,0032) LPS mm
  std::optional<std::array<double, 6>> image_orientation;  // (0020,0037) row then column cosines
  std::optional<std::array<double, 2>> pixel_spacing;      // (0028,0030) row spacing, column spacing
  std::optional<double> gantry_tilt;                       // (0018,1120) degrees

  // Where the header parse stopped (just past the Pixel Data element): lets native frames be
  // located, verified and read with positioned reads instead of a second full parse.
  int64_t header_end_offset = -1;

  // Attributes that series selection rules and `info` look at, by DICOM keyword (Modality,
  // ImageType, SeriesDescription, ...). Multi-valued attributes keep each value separately.
  std::map<std::string, std::vector<std::string>> attributes;

  const std::string& Attribute(const std::string& keyword) const;  // first value or ""
};

// Reads the header (everything before Pixel Data). Fails with kNotFound for a missing file and
// kCorruptData for a file that is not readable DICOM; the message names the file.
Expected<DicomSliceHeader> ReadDicomHeader(const std::filesystem::path& path);

// Reads one attribute by keyword (e.g. "ConvolutionKernel") for selection rules on attributes
// outside DicomSliceHeader::attributes. Returns an empty list when absent.
Expected<std::vector<std::string>> ReadDicomAttribute(const std::filesystem::path& path,
                                                      const std::string& keyword);

// Decodes the single frame of stored pixel values (native, JPEG baseline/lossless, JPEG-LS,
// JPEG 2000, RLE) into `out`, which must hold rows*columns*bits_allocated/8 bytes, as
// little-endian samples. No rescale. Native little-endian frames are read directly; everything
// else goes through the toolkit's codecs.
Status DecodeDicomFrame(const DicomSliceHeader& header, std::span<uint8_t> out);

}  // namespace viscera
