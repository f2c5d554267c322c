#include "io/dicom/dicom_file.h"

#include <gdcmDict.h>
#include <gdcmDicts.h>
#include <gdcmGlobal.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "io/dicom/dicom_parser.h"
#include "io/dicom/frame_codecs.h"

namespace viscera {
namespace {

struct Keyword {
  const char* name;
  uint32_t tag;
};
// Attributes kept for selection rules and reporting. Patient identity is deliberately absent.
const Keyword kSelectionKeywords[] = {
    {"Modality", DicomTag(0x0008, 0x0060)},
    {"ImageType", DicomTag(0x0008, 0x0008)},
    {"SeriesDescription", DicomTag(0x0008, 0x103e)},
    {"StudyDescription", DicomTag(0x0008, 0x1030)},
    {"BodyPartExamined", DicomTag(0x0018, 0x0015)},
    {"PhotometricInterpretation", DicomTag(0x0028, 0x0004)},
    {"SliceThickness", DicomTag(0x0018, 0x0050)},
    {"SeriesNumber", DicomTag(0x0020, 0x0011)},
    {"Manufacturer", DicomTag(0x0008, 0x0070)},
    {"ManufacturerModelName", DicomTag(0x0008, 0x1090)},
    {"ProtocolName", DicomTag(0x0018, 0x1030)},
    {"ConvolutionKernel", DicomTag(0x0018, 0x1210)},
    {"SeriesDate", DicomTag(0x0008, 0x0021)},
    {"KVP", DicomTag(0x0018, 0x0060)},
};

template <size_t N>
Expected<std::optional<std::array<double, N>>> FixedNumbers(const DicomDataSet& ds, uint32_t tag,
                                                            const char* keyword,
                                                            const std::string& file) {
  VISCERA_ASSIGN_OR_RETURN(std::vector<double> values, ds.Numbers(tag, file));
  if (values.empty()) return std::optional<std::array<double, N>>();
  if (values.size() != N) {
    return MakeError(ErrorCode::kCorruptData, file + ": " + keyword + " has " +
                                                  std::to_string(values.size()) +
                                                  " values, expected " + std::to_string(N));
  }
  std::array<double, N> out{};
  std::copy(values.begin(), values.end(), out.begin());
  return std::optional<std::array<double, N>>(out);
}

// An integer attribute in 0..limit, or `fallback` when absent.
Expected<int64_t> Integer(const DicomDataSet& ds, uint32_t tag, const char* keyword,
                          const std::string& file, int64_t fallback, int64_t limit) {
  VISCERA_ASSIGN_OR_RETURN(std::vector<double> values, ds.Numbers(tag, file));
  if (values.empty()) return fallback;
  if (values[0] != std::floor(values[0]) || std::abs(values[0]) > static_cast<double>(limit)) {
    return MakeError(ErrorCode::kCorruptData,
                     file + ": " + keyword + " = " + std::to_string(values[0]) +
                         " is not an integer within +-" + std::to_string(limit));
  }
  return static_cast<int64_t>(values[0]);
}

// `present` bytes of a native frame have been copied into `out`: refuse a short frame, and bring
// big-endian samples to host order.
Status FinishNativeFrame(const DicomSliceHeader& header, size_t present, std::span<uint8_t> out) {
  if (present < out.size()) {
    return MakeError(ErrorCode::kCorruptData, header.path.string() + ": pixel data is truncated (" +
                                                  std::to_string(present) + " of " +
                                                  std::to_string(out.size()) + " bytes)");
  }
  if (header.big_endian && header.bits_allocated == 16) {
    for (size_t n = 0; n + 1 < out.size(); n += 2) std::swap(out[n], out[n + 1]);
  }
  return Ok{};
}

}  // namespace

const std::string& DicomSliceHeader::Attribute(const std::string& keyword) const {
  static const std::string kEmpty;
  auto it = attributes.find(keyword);
  return it == attributes.end() || it->second.empty() ? kEmpty : it->second.front();
}

Expected<DicomSliceHeader> ParseDicomHeader(std::span<const uint8_t> bytes,
                                            const std::filesystem::path& path) {
  const std::string file = path.string();
  VISCERA_ASSIGN_OR_RETURN(DicomDataSet ds, ParseDicom(bytes, file));
  DicomSliceHeader h;
  h.path = path;
  h.transfer_syntax_uid = ds.transfer_syntax_uid;
  h.pixel_data_offset = ds.pixel_data_offset;
  h.pixel_data_length = ds.pixel_data_length;
  h.encapsulated = ds.encapsulated;
  h.big_endian = ds.big_endian;
  h.sop_class_uid = ds.String(DicomTag(0x0008, 0x0016));
  h.sop_instance_uid = ds.String(DicomTag(0x0008, 0x0018));
  // Some anonymisers blank the data set's UIDs; the file meta header still has them.
  if (h.sop_class_uid.empty()) h.sop_class_uid = ds.String(DicomTag(0x0002, 0x0002));
  if (h.sop_instance_uid.empty()) h.sop_instance_uid = ds.String(DicomTag(0x0002, 0x0003));
  h.study_instance_uid = ds.String(DicomTag(0x0020, 0x000d));
  h.series_instance_uid = ds.String(DicomTag(0x0020, 0x000e));

  VISCERA_ASSIGN_OR_RETURN(h.instance_number, Integer(ds, DicomTag(0x0020, 0x0013),
                                                      "InstanceNumber", file, 0, 1'000'000'000));
  auto small = [&](uint16_t element, const char* keyword, int64_t fallback, int* out) -> Status {
    VISCERA_ASSIGN_OR_RETURN(
        int64_t v, Integer(ds, DicomTag(0x0028, element), keyword, file, fallback, 1'000'000));
    if (v < 0) return MakeError(ErrorCode::kCorruptData, file + ": " + keyword + " is negative");
    *out = static_cast<int>(v);
    return Ok{};
  };
  VISCERA_RETURN_IF_ERROR(small(0x0010, "Rows", 0, &h.rows));
  VISCERA_RETURN_IF_ERROR(small(0x0011, "Columns", 0, &h.columns));
  VISCERA_RETURN_IF_ERROR(small(0x0002, "SamplesPerPixel", 1, &h.samples_per_pixel));
  VISCERA_RETURN_IF_ERROR(small(0x0100, "BitsAllocated", 0, &h.bits_allocated));
  VISCERA_RETURN_IF_ERROR(small(0x0101, "BitsStored", 0, &h.bits_stored));
  VISCERA_RETURN_IF_ERROR(small(0x0103, "PixelRepresentation", 0, &h.pixel_representation));
  VISCERA_RETURN_IF_ERROR(small(0x0008, "NumberOfFrames", 1, &h.number_of_frames));

  VISCERA_ASSIGN_OR_RETURN(auto slope,
                           FixedNumbers<1>(ds, DicomTag(0x0028, 0x1053), "RescaleSlope", file));
  VISCERA_ASSIGN_OR_RETURN(auto intercept,
                           FixedNumbers<1>(ds, DicomTag(0x0028, 0x1052), "RescaleIntercept", file));
  if (slope) h.rescale_slope = (*slope)[0];
  if (intercept) h.rescale_intercept = (*intercept)[0];
  VISCERA_ASSIGN_OR_RETURN(
      auto position, FixedNumbers<3>(ds, DicomTag(0x0020, 0x0032), "ImagePositionPatient", file));
  if (position) h.image_position = Vec3{(*position)[0], (*position)[1], (*position)[2]};
  VISCERA_ASSIGN_OR_RETURN(h.image_orientation, FixedNumbers<6>(ds, DicomTag(0x0020, 0x0037),
                                                                "ImageOrientationPatient", file));
  VISCERA_ASSIGN_OR_RETURN(h.pixel_spacing,
                           FixedNumbers<2>(ds, DicomTag(0x0028, 0x0030), "PixelSpacing", file));
  VISCERA_ASSIGN_OR_RETURN(
      auto tilt, FixedNumbers<1>(ds, DicomTag(0x0018, 0x1120), "GantryDetectorTilt", file));
  if (tilt) h.gantry_tilt = (*tilt)[0];

  for (const Keyword& k : kSelectionKeywords) {
    if (ds.Find(k.tag) != nullptr) h.attributes[k.name] = SplitDicomValues(ds.AsText(k.tag));
  }
  return h;
}

Expected<DicomSliceHeader> ReadDicomHeader(const std::filesystem::path& path) {
  VISCERA_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path));
  return ParseDicomHeader(file.bytes(), path);
}

namespace {

// The tag of a keyword from GDCM's public dictionary.
Expected<gdcm::Tag> TagOfKeyword(const std::string& keyword) {
  gdcm::Tag tag(0xffff, 0xffff);
  const gdcm::Dict& dict = gdcm::Global::GetInstance().GetDicts().GetPublicDict();
  if (!keyword.empty()) dict.GetDictEntryByKeyword(keyword.c_str(), tag);
  if (tag == gdcm::Tag(0xffff, 0xffff)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "'" + keyword + "' is not a DICOM attribute keyword");
  }
  return tag;
}

// The element's text, or nullopt when absent.
std::optional<std::string> AttributeText(DicomDataSet& ds, const gdcm::Tag& tag) {
  const uint32_t key = DicomTag(tag.GetGroup(), tag.GetElement());
  auto it = ds.elements.find(key);
  if (it == ds.elements.end()) return std::nullopt;
  if (it->second.vr[0] == 0) {
    // Implicit VR: take the VR from the dictionary so binary values are formatted.
    const gdcm::Dict& dict = gdcm::Global::GetInstance().GetDicts().GetPublicDict();
    const char* vr = gdcm::VR::GetVRString(dict.GetDictEntry(tag).GetVR());
    if (vr != nullptr && std::strlen(vr) == 2) std::memcpy(it->second.vr, vr, 2);
  }
  return ds.AsText(key);
}

}  // namespace

Expected<std::vector<std::string>> ReadDicomAttribute(const std::filesystem::path& path,
                                                      const std::string& keyword) {
  VISCERA_ASSIGN_OR_RETURN(gdcm::Tag tag, TagOfKeyword(keyword));
  VISCERA_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path));
  VISCERA_ASSIGN_OR_RETURN(DicomDataSet ds, ParseDicom(file.bytes(), path.string()));
  return SplitDicomValues(AttributeText(ds, tag).value_or(""));
}

Expected<std::map<std::string, std::string>> ReadDicomAttributes(
    const std::filesystem::path& path, std::span<const std::string> keywords) {
  std::vector<gdcm::Tag> tags;
  for (const std::string& keyword : keywords) {
    VISCERA_ASSIGN_OR_RETURN(gdcm::Tag tag, TagOfKeyword(keyword));
    tags.push_back(tag);
  }
  VISCERA_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path));
  VISCERA_ASSIGN_OR_RETURN(DicomDataSet ds, ParseDicom(file.bytes(), path.string()));
  std::map<std::string, std::string> values;
  for (size_t n = 0; n < keywords.size(); ++n) {
    if (auto text = AttributeText(ds, tags[n])) values[keywords[n]] = std::move(*text);
  }
  return values;
}

Status DecodeDicomFrame(const DicomSliceHeader& header, std::span<const uint8_t> bytes,
                        std::span<uint8_t> out) {
  const std::string name = header.path.string();
  const size_t expected = static_cast<size_t>(header.rows) * static_cast<size_t>(header.columns) *
                          static_cast<size_t>(header.bits_allocated / 8);
  VISCERA_CHECK(out.size() == expected, "DecodeDicomFrame: output size does not match header");
  if (header.pixel_data_offset < 0) {
    return MakeError(ErrorCode::kCorruptData, name + ": no Pixel Data element");
  }
  if (expected == 0) return MakeError(ErrorCode::kCorruptData, name + ": frame has no pixels");
  if (!header.encapsulated) {
    const auto offset = static_cast<size_t>(header.pixel_data_offset);
    const size_t present = std::min({static_cast<size_t>(header.pixel_data_length), expected,
                                     bytes.size() - std::min(offset, bytes.size())});
    std::memcpy(out.data(), bytes.data() + offset, present);
    return FinishNativeFrame(header, present, out);
  }
  DicomDataSet located;
  located.encapsulated = true;
  located.pixel_data_offset = header.pixel_data_offset;
  VISCERA_ASSIGN_OR_RETURN(auto fragments, EncapsulatedFragments(bytes, located, name));
  return DecodeCompressedFrame(fragments, header, out);
}

Status DecodeDicomFrame(const DicomSliceHeader& header, std::span<uint8_t> out) {
  if (header.encapsulated || header.pixel_data_offset < 0) {
    VISCERA_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(header.path));
    return DecodeDicomFrame(header, file.bytes(), out);
  }
  // Native frames: one positioned read straight into `out` (cheaper than faulting in a map).
  const std::string name = header.path.string();
  int fd = ::open(header.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return MakeError(ErrorCode::kIoError, name + ": cannot open: " + std::strerror(errno));
  const size_t wanted = std::min<size_t>(out.size(), static_cast<size_t>(header.pixel_data_length));
  size_t done = 0;
  while (done < wanted) {
    ssize_t n = ::pread(fd, out.data() + done, wanted - done,
                        header.pixel_data_offset + static_cast<int64_t>(done));
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return FinishNativeFrame(header, done, out);
}

}  // namespace viscera
