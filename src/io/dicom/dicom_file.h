// One DICOM file, as far as a CT volume needs it. Headers are read by our own parser
// (dicom_parser.h), compressed frames by frame_codecs.h; GDCM only supplies its data dictionary,
// for selection rules on arbitrary attribute keywords (dicom_file.cpp is its one includer).
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

  std::optional<Vec3> image_position;                      // (0020,0032) LPS mm
  std::optional<std::array<double, 6>> image_orientation;  // (0020,0037) row then column cosines
  std::optional<std::array<double, 2>> pixel_spacing;  // (0028,0030) row spacing, column spacing
  std::optional<double> gantry_tilt;                   // (0018,1120) degrees

  // Pixel Data as found by the parser: value offset in the file (-1 absent), value length
  // (-1 for encapsulated fragments), and the byte order of native samples.
  int64_t pixel_data_offset = -1;
  int64_t pixel_data_length = -1;
  bool encapsulated = false;
  bool big_endian = false;

  // Attributes that series selection rules and `info` look at, by DICOM keyword (Modality,
  // ImageType, SeriesDescription, ...). Multi-valued attributes keep each value separately.
  std::map<std::string, std::vector<std::string>> attributes;

  const std::string& Attribute(const std::string& keyword) const;  // first value or ""
};

// Reads the header (everything before Pixel Data). Fails with kNotFound for a missing file and
// kCorruptData for a file that is not readable DICOM; the message names the file.
Expected<DicomSliceHeader> ReadDicomHeader(const std::filesystem::path& path);
// The same from bytes already in memory (`path` names them in errors).
Expected<DicomSliceHeader> ParseDicomHeader(std::span<const uint8_t> bytes,
                                            const std::filesystem::path& path);

// Reads one attribute by keyword (e.g. "ConvolutionKernel") for selection rules on attributes
// outside DicomSliceHeader::attributes. Returns an empty list when absent.
Expected<std::vector<std::string>> ReadDicomAttribute(const std::filesystem::path& path,
                                                      const std::string& keyword);

// Reads several attributes by keyword from one file in one parse, e.g. the Patient and Study
// modules a derived object (SEG, RTSTRUCT) copies from its source. Attributes absent from the
// file are absent from the map; present ones map to their text, padding trimmed, several values
// still joined by '\\' (binary numbers formatted). kInvalidArgument for an unknown keyword.
// Values may be patient identity: never log them.
Expected<std::map<std::string, std::string>> ReadDicomAttributes(
    const std::filesystem::path& path, std::span<const std::string> keywords);

// Decodes the single frame of stored pixel values (native, JPEG baseline/lossless, JPEG-LS,
// JPEG 2000, RLE) into `out`, which must hold rows*columns*bits_allocated/8 bytes, as
// little-endian samples. No rescale. Native little-endian frames are read directly; everything
// else goes through the toolkit's codecs.
Status DecodeDicomFrame(const DicomSliceHeader& header, std::span<uint8_t> out);
// The same from the file's bytes already in memory.
Status DecodeDicomFrame(const DicomSliceHeader& header, std::span<const uint8_t> file_bytes,
                        std::span<uint8_t> out);

}  // namespace viscera
