#include "io/dicom/dicom_file.h"

#include <gdcmDict.h>
#include <gdcmDicts.h>
#include <gdcmGlobal.h>
#include <gdcmImage.h>
#include <gdcmImageReader.h>
#include <gdcmReader.h>
#include <gdcmStringFilter.h>
#include <gdcmTrace.h>
#include <gdcmTransferSyntax.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <cmath>
#include <sstream>

namespace viscera {
namespace {

const gdcm::Tag kPixelData(0x7fe0, 0x0010);

struct Keyword {
  const char* name;
  gdcm::Tag tag;
};
// Attributes kept for selection rules and reporting. Patient identity is deliberately absent.
const Keyword kSelectionKeywords[] = {
    {"Modality", gdcm::Tag(0x0008, 0x0060)},
    {"ImageType", gdcm::Tag(0x0008, 0x0008)},
    {"SeriesDescription", gdcm::Tag(0x0008, 0x103e)},
    {"StudyDescription", gdcm::Tag(0x0008, 0x1030)},
    {"BodyPartExamined", gdcm::Tag(0x0018, 0x0015)},
    {"PhotometricInterpretation", gdcm::Tag(0x0028, 0x0004)},
    {"SliceThickness", gdcm::Tag(0x0018, 0x0050)},
    {"SeriesNumber", gdcm::Tag(0x0020, 0x0011)},
    {"Manufacturer", gdcm::Tag(0x0008, 0x0070)},
    {"ManufacturerModelName", gdcm::Tag(0x0008, 0x1090)},
    {"ProtocolName", gdcm::Tag(0x0018, 0x1030)},
    {"ConvolutionKernel", gdcm::Tag(0x0018, 0x1210)},
    {"SeriesDate", gdcm::Tag(0x0008, 0x0021)},
    {"KVP", gdcm::Tag(0x0018, 0x0060)},
};

std::string Trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(s.find_last_not_of(ws) + 1);
  // Strip trailing NUL padding (UI values) too.
  while (!s.empty() && s.back() == '\0') s.pop_back();
  s.erase(0, s.find_first_not_of(ws));
  return s;
}

std::vector<std::string> SplitValues(const std::string& value) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(value);
  while (std::getline(in, item, '\\')) out.push_back(Trim(item));
  if (out.size() == 1 && out[0].empty()) out.clear();
  return out;
}

class HeaderView {
 public:
  explicit HeaderView(const gdcm::File& file) : ds_(file.GetDataSet()), header_(file.GetHeader()) {
    filter_.SetFile(file);
  }

  bool Has(const gdcm::Tag& tag) const {
    const gdcm::DataSet& ds = tag.GetGroup() == 0x0002 ? header_ : ds_;
    return ds.FindDataElement(tag) && !ds.GetDataElement(tag).IsEmpty();
  }
  std::string String(const gdcm::Tag& tag) const {
    if (!Has(tag)) return {};
    return Trim(filter_.ToString(tag));
  }
  std::vector<std::string> Values(const gdcm::Tag& tag) const { return SplitValues(String(tag)); }

  // Numbers from DS/IS strings or binary US/SS/FD values (StringFilter renders both as text).
  Expected<std::vector<double>> Numbers(const gdcm::Tag& tag, const char* keyword,
                                        const std::filesystem::path& path) const {
    std::vector<double> out;
    for (const std::string& v : Values(tag)) {
      double d = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
      if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(d)) {
        return MakeError(ErrorCode::kCorruptData,
                         path.string() + ": " + keyword + " value '" + v + "' is not a number");
      }
      out.push_back(d);
    }
    return out;
  }

 private:
  const gdcm::DataSet& ds_;
  const gdcm::DataSet& header_;  // file meta information (group 0002)
  gdcm::StringFilter filter_;
};

template <size_t N>
Expected<std::optional<std::array<double, N>>> FixedNumbers(const HeaderView& view,
                                                           const gdcm::Tag& tag,
                                                           const char* keyword,
                                                           const std::filesystem::path& path) {
  VISCERA_ASSIGN_OR_RETURN(std::vector<double> values, view.Numbers(tag, keyword, path));
  if (values.empty()) return std::optional<std::array<double, N>>();
  if (values.size() != N) {
    return MakeError(ErrorCode::kCorruptData, path.string() + ": " + keyword + " has " +
                                                  std::to_string(values.size()) +
                                                  " values, expected " + std::to_string(N));
  }
  std::array<double, N> out{};
  std::copy(values.begin(), values.end(), out.begin());
  return std::optional<std::array<double, N>>(out);
}

Expected<int64_t> Integer(const HeaderView& view, const gdcm::Tag& tag, const char* keyword,
                          const std::filesystem::path& path, int64_t fallback) {
  VISCERA_ASSIGN_OR_RETURN(std::vector<double> values, view.Numbers(tag, keyword, path));
  if (values.empty()) return fallback;
  if (values[0] != std::floor(values[0]) || std::abs(values[0]) > 1e12) {
    return MakeError(ErrorCode::kCorruptData,
                     path.string() + ": " + keyword + " is not an integer");
  }
  return static_cast<int64_t>(values[0]);
}

// GDCM prints warnings (e.g. "Incomplete Pixel Data") to stderr; we report problems as Errors.
void QuietToolkit() {
  static std::once_flag once;
  std::call_once(once, [] {
    gdcm::Trace::WarningOff();
    gdcm::Trace::DebugOff();
  });
}

Status CheckFileExists(const std::filesystem::path& path) {
  QuietToolkit();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return MakeError(ErrorCode::kNotFound, path.string() + ": no such file");
  }
  return Ok{};
}

}  // namespace

const std::string& DicomSliceHeader::Attribute(const std::string& keyword) const {
  static const std::string kEmpty;
  auto it = attributes.find(keyword);
  return it == attributes.end() || it->second.empty() ? kEmpty : it->second.front();
}

Expected<DicomSliceHeader> ReadDicomHeader(const std::filesystem::path& path) {
  VISCERA_RETURN_IF_ERROR(CheckFileExists(path));
  gdcm::Reader reader;
  reader.SetFileName(path.c_str());
  if (!reader.ReadUpToTag(kPixelData)) {
    return MakeError(ErrorCode::kCorruptData, path.string() + ": not a readable DICOM file");
  }
  const gdcm::File& file = reader.GetFile();
  HeaderView view(file);
  DicomSliceHeader h;
  h.path = path;
  // ReadUpToTag leaves the stream just past the Pixel Data element (GDCM 3.0 skips its value);
  // ReadNativeFrame verifies the element there before trusting it.
  h.header_end_offset = static_cast<int64_t>(reader.GetStreamCurrentPosition());
  const gdcm::TransferSyntax& ts = file.GetHeader().GetDataSetTransferSyntax();
  if (const char* uid = gdcm::TransferSyntax::GetTSString(ts)) h.transfer_syntax_uid = Trim(uid);
  h.sop_class_uid = view.String(gdcm::Tag(0x0008, 0x0016));
  h.sop_instance_uid = view.String(gdcm::Tag(0x0008, 0x0018));
  // Some anonymisers blank the data set's UIDs; the file meta header still has them.
  if (h.sop_class_uid.empty()) h.sop_class_uid = view.String(gdcm::Tag(0x0002, 0x0002));
  if (h.sop_instance_uid.empty()) h.sop_instance_uid = view.String(gdcm::Tag(0x0002, 0x0003));
  h.study_instance_uid = view.String(gdcm::Tag(0x0020, 0x000d));
  h.series_instance_uid = view.String(gdcm::Tag(0x0020, 0x000e));

  VISCERA_ASSIGN_OR_RETURN(h.instance_number,
                           Integer(view, gdcm::Tag(0x0020, 0x0013), "InstanceNumber", path, 0));
  auto integer = [&](uint16_t g, uint16_t e, const char* keyword, int64_t fallback,
                     int* out) -> Status {
    VISCERA_ASSIGN_OR_RETURN(int64_t v, Integer(view, gdcm::Tag(g, e), keyword, path, fallback));
    if (v < 0 || v > 1'000'000) {
      return MakeError(ErrorCode::kCorruptData,
                       path.string() + ": " + keyword + " = " + std::to_string(v) + " is absurd");
    }
    *out = static_cast<int>(v);
    return Ok{};
  };
  VISCERA_RETURN_IF_ERROR(integer(0x0028, 0x0010, "Rows", 0, &h.rows));
  VISCERA_RETURN_IF_ERROR(integer(0x0028, 0x0011, "Columns", 0, &h.columns));
  VISCERA_RETURN_IF_ERROR(integer(0x0028, 0x0002, "SamplesPerPixel", 1, &h.samples_per_pixel));
  VISCERA_RETURN_IF_ERROR(integer(0x0028, 0x0100, "BitsAllocated", 0, &h.bits_allocated));
  VISCERA_RETURN_IF_ERROR(integer(0x0028, 0x0101, "BitsStored", 0, &h.bits_stored));
  VISCERA_RETURN_IF_ERROR(
      integer(0x0028, 0x0103, "PixelRepresentation", 0, &h.pixel_representation));
  VISCERA_RETURN_IF_ERROR(integer(0x0028, 0x0008, "NumberOfFrames", 1, &h.number_of_frames));

  VISCERA_ASSIGN_OR_RETURN(auto slope,
                           FixedNumbers<1>(view, gdcm::Tag(0x0028, 0x1053), "RescaleSlope", path));
  VISCERA_ASSIGN_OR_RETURN(
      auto intercept, FixedNumbers<1>(view, gdcm::Tag(0x0028, 0x1052), "RescaleIntercept", path));
  if (slope) h.rescale_slope = (*slope)[0];
  if (intercept) h.rescale_intercept = (*intercept)[0];

  VISCERA_ASSIGN_OR_RETURN(
      auto position, FixedNumbers<3>(view, gdcm::Tag(0x0020, 0x0032), "ImagePositionPatient", path));
  if (position) h.image_position = Vec3{(*position)[0], (*position)[1], (*position)[2]};
  VISCERA_ASSIGN_OR_RETURN(h.image_orientation, FixedNumbers<6>(view, gdcm::Tag(0x0020, 0x0037),
                                                                "ImageOrientationPatient", path));
  VISCERA_ASSIGN_OR_RETURN(h.pixel_spacing,
                           FixedNumbers<2>(view, gdcm::Tag(0x0028, 0x0030), "PixelSpacing", path));
  VISCERA_ASSIGN_OR_RETURN(
      auto tilt, FixedNumbers<1>(view, gdcm::Tag(0x0018, 0x1120), "GantryDetectorTilt", path));
  if (tilt) h.gantry_tilt = (*tilt)[0];

  for (const Keyword& k : kSelectionKeywords) {
    if (view.Has(k.tag)) h.attributes[k.name] = view.Values(k.tag);
  }
  return h;
}

Expected<std::vector<std::string>> ReadDicomAttribute(const std::filesystem::path& path,
                                                      const std::string& keyword) {
  gdcm::Tag tag;
  const gdcm::Dict& dict = gdcm::Global::GetInstance().GetDicts().GetPublicDict();
  dict.GetDictEntryByKeyword(keyword.c_str(), tag);
  if (tag == gdcm::Tag(0xffff, 0xffff) || keyword.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "'" + keyword + "' is not a DICOM attribute keyword");
  }
  VISCERA_RETURN_IF_ERROR(CheckFileExists(path));
  gdcm::Reader reader;
  reader.SetFileName(path.c_str());
  if (!reader.ReadUpToTag(kPixelData)) {
    return MakeError(ErrorCode::kCorruptData, path.string() + ": not a readable DICOM file");
  }
  return HeaderView(reader.GetFile()).Values(tag);
}

namespace {

bool IsNativeLittleEndian(const std::string& ts) {
  return ts == "1.2.840.10008.1.2" || ts == "1.2.840.10008.1.2.1";
}

uint32_t ReadLe32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

// True when the 12 bytes at `e` are a native Pixel Data element header whose length is exactly
// one frame (or one frame plus a padding byte); sets *header_bytes to 12 or 8.
bool IsFrameElement(const uint8_t* e, bool explicit_vr, size_t frame_bytes, int64_t* header_bytes) {
  if (!(e[0] == 0xe0 && e[1] == 0x7f && e[2] == 0x10 && e[3] == 0x00)) return false;
  if (explicit_vr && !(e[4] == 'O' && (e[5] == 'W' || e[5] == 'B') && e[6] == 0 && e[7] == 0)) {
    return false;
  }
  *header_bytes = explicit_vr ? 12 : 8;
  const uint32_t length = ReadLe32(e + *header_bytes - 4);
  return length == frame_bytes || length == frame_bytes + 1;
}

// Offset of the frame's first byte, or -1. Fast path: the element ends where the header parse
// stopped. Otherwise (trailing elements, or a file cut short) scan the file for the element.
int64_t LocateNativeFrame(int fd, const DicomSliceHeader& header, size_t frame_bytes) {
  const bool explicit_vr = header.transfer_syntax_uid == "1.2.840.10008.1.2.1";
  int64_t header_bytes = 0;
  for (int64_t pad = 0; pad <= 1; ++pad) {
    const int64_t start = header.header_end_offset - static_cast<int64_t>(frame_bytes) - pad -
                          (explicit_vr ? 12 : 8);
    uint8_t e[12];
    if (start >= 0 && ::pread(fd, e, sizeof e, start) == static_cast<ssize_t>(sizeof e) &&
        IsFrameElement(e, explicit_vr, frame_bytes, &header_bytes)) {
      return start + header_bytes;
    }
  }
  std::vector<uint8_t> file(static_cast<size_t>(std::max<int64_t>(header.header_end_offset, 0)));
  if (file.size() < 12 || ::pread(fd, file.data(), file.size(), 0) !=
                              static_cast<ssize_t>(file.size())) {
    return -1;
  }
  for (size_t n = 0; n + 12 <= file.size(); ++n) {
    if (IsFrameElement(file.data() + n, explicit_vr, frame_bytes, &header_bytes)) {
      return static_cast<int64_t>(n) + header_bytes;
    }
  }
  return -1;
}

// Reads a native little-endian frame with positioned reads; errors name the file.
Status ReadNativeFrame(const DicomSliceHeader& header, std::span<uint8_t> out) {
  const std::string& name = header.path.string();
  int fd = ::open(header.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return MakeError(ErrorCode::kIoError, name + ": cannot open: " + std::strerror(errno));
  const int64_t value_offset = LocateNativeFrame(fd, header, out.size());
  size_t done = 0;
  while (value_offset >= 0 && done < out.size()) {
    ssize_t n = ::pread(fd, out.data() + done, out.size() - done,
                        value_offset + static_cast<int64_t>(done));
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (value_offset < 0) {
    return MakeError(ErrorCode::kCorruptData,
                     name + ": no Pixel Data element of " + std::to_string(out.size()) +
                         " bytes (rows x columns x bits allocated)");
  }
  if (done < out.size()) {
    return MakeError(ErrorCode::kCorruptData, name + ": pixel data is truncated (" +
                                                  std::to_string(done) + " of " +
                                                  std::to_string(out.size()) + " bytes)");
  }
  return Ok{};
}

}  // namespace

Status DecodeDicomFrame(const DicomSliceHeader& header, std::span<uint8_t> out) {
  const std::string& name = header.path.string();
  const size_t expected = static_cast<size_t>(header.rows) * static_cast<size_t>(header.columns) *
                          static_cast<size_t>(header.bits_allocated / 8);
  VISCERA_CHECK(out.size() == expected, "DecodeDicomFrame: output size does not match header");
  if (IsNativeLittleEndian(header.transfer_syntax_uid)) return ReadNativeFrame(header, out);
  gdcm::ImageReader reader;
  reader.SetFileName(header.path.c_str());
  if (!reader.Read()) {
    return MakeError(ErrorCode::kCorruptData, name + ": cannot read pixel data");
  }
  const gdcm::Image& image = reader.GetImage();
  const unsigned long length = image.GetBufferLength();
  if (length != expected) {
    return MakeError(ErrorCode::kCorruptData,
                     name + ": decoded frame is " + std::to_string(length) + " bytes, expected " +
                         std::to_string(expected) + " (rows x columns x bits allocated)");
  }
  if (!image.GetBuffer(reinterpret_cast<char*>(out.data()))) {
    return MakeError(ErrorCode::kCorruptData,
                     name + ": cannot decode pixel data (transfer syntax " +
                         header.transfer_syntax_uid + ")");
  }
  return Ok{};
}

}  // namespace viscera
