// DICOM SEG and RT Structure Set, written for a small synthetic CT series (oblique, rectangular
// pixels, files named out of order) and read back element by element. tests/truth checks the
// same against pydicom and dciodvfy on a real series.
#include "export/dicom_seg.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <set>

#include "export/rtstruct.h"
#include "export/slice_contours.h"
#include "io/atomic_file.h"
#include "io/dicom/dicom_file.h"
#include "test_data.h"

namespace viscera {
namespace {

using viscera::testing::ScratchDir;

constexpr int64_t kColumns = 8, kRows = 6, kSlices = 4;
constexpr double kRowSpacing = 0.9, kColumnSpacing = 0.7, kSliceGap = 2.5;
// Rows run 30 degrees off the x axis, so a swapped or unrotated axis shows up as wrong points.
const double kCos = std::cos(std::numbers::pi / 6), kSin = std::sin(std::numbers::pi / 6);
const std::array<double, 6> kOrientation{kCos, kSin, 0, -kSin, kCos, 0};

// Every element of a file our writer made (explicit VR little endian, defined lengths), with
// sequences as nested items: enough to read back what the top-level parser skips.
struct Node {
  std::map<uint32_t, std::string> values;
  std::map<uint32_t, std::vector<Node>> sequences;
  const Node& Item(uint32_t tag, size_t n = 0) const { return sequences.at(tag).at(n); }
  std::string Text(uint32_t tag) const {
    std::string v = values.count(tag) ? values.at(tag) : "";
    while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.pop_back();
    return v;
  }
};

uint32_t Le(const std::string& b, size_t at, int bytes) {
  uint32_t v = 0;
  for (int n = bytes - 1; n >= 0; --n) v = v << 8 | static_cast<uint8_t>(b[at + n]);
  return v;
}

Node ReadNode(const std::string& b, size_t begin, size_t end) {
  Node node;
  size_t at = begin;
  while (at < end) {
    const uint32_t tag = Le(b, at, 2) << 16 | Le(b, at + 2, 2);
    const std::string vr = b.substr(at + 4, 2);
    static const std::set<std::string> kLong{"OB", "OW", "UN", "SQ", "UT", "UC", "UR", "OF"};
    const bool long_length = kLong.count(vr) != 0;
    const uint32_t length = long_length ? Le(b, at + 8, 4) : Le(b, at + 6, 2);
    at += long_length ? 12 : 8;
    if (vr == "SQ") {
      auto& items = node.sequences[tag];
      for (size_t item = at; item < at + length;) {
        const uint32_t item_length = Le(b, item + 4, 4);
        items.push_back(ReadNode(b, item + 8, item + 8 + item_length));
        item += 8 + item_length;
      }
    } else {
      node.values[tag] = b.substr(at, length);
    }
    at += length;
  }
  return node;
}

Node ReadFile(const std::filesystem::path& path) {
  Expected<std::string> bytes = ReadWholeFile(path, 1 << 26);
  EXPECT_TRUE(bytes.ok());
  if (!bytes.ok()) return {};
  return ReadNode(*bytes, 132, bytes->size());
}

std::vector<double> Numbers(const std::string& text) {
  std::vector<double> out;
  for (const std::string& v : SplitDicomValues(text)) out.push_back(std::stod(v));
  return out;
}

struct SyntheticSeries {
  std::filesystem::path dir;
  std::string study_uid = NewUid(), series_uid = NewUid(), frame_uid = NewUid();
  std::vector<std::string> instance_uids;  // by slice position
  LoadedCtSeries loaded;

  explicit SyntheticSeries(std::filesystem::path folder, bool with_frame_of_reference = true)
      : dir(std::move(folder)) {
    std::filesystem::create_directories(dir);
    for (int64_t k = 0; k < kSlices; ++k) {
      instance_uids.push_back(NewUid());
      DicomItem ds;
      ds.Set(dicom_tag::kSopClassUid, "UI", "1.2.840.10008.5.1.4.1.1.2");
      ds.Set(dicom_tag::kSopInstanceUid, "UI", instance_uids.back());
      ds.Set(dicom_tag::kStudyInstanceUid, "UI", study_uid);
      ds.Set(dicom_tag::kSeriesInstanceUid, "UI", series_uid);
      if (with_frame_of_reference) ds.Set(dicom_tag::kFrameOfReferenceUid, "UI", frame_uid);
      const std::vector<std::string> type{"ORIGINAL", "PRIMARY", "AXIAL"};
      ds.Set(DicomTag(0x0008, 0x0008), "CS", type);
      ds.Set(DicomTag(0x0008, 0x0060), "CS", "CT");
      ds.Set(DicomTag(0x0008, 0x0020), "DA", "20240229");
      ds.Set(DicomTag(0x0010, 0x0010), "PN", "Synthetic^Patient");
      ds.Set(DicomTag(0x0010, 0x0020), "LO", "SYN-0001");
      ds.Set(DicomTag(0x0018, 0x0050), "DS", "2.5");
      ds.SetInteger(DicomTag(0x0020, 0x0013), kSlices - k);
      ds.SetDecimals(DicomTag(0x0020, 0x0032), {12.5, -30.25, -100 + kSliceGap * k});
      ds.SetDecimals(DicomTag(0x0020, 0x0037), std::span<const double>(kOrientation));
      ds.SetUS(DicomTag(0x0028, 0x0002), {1});
      ds.Set(DicomTag(0x0028, 0x0004), "CS", "MONOCHROME2");
      ds.SetUS(DicomTag(0x0028, 0x0010), {kRows});
      ds.SetUS(DicomTag(0x0028, 0x0011), {kColumns});
      ds.SetDecimals(DicomTag(0x0028, 0x0030), {kRowSpacing, kColumnSpacing});
      ds.SetUS(DicomTag(0x0028, 0x0100), {16}).SetUS(DicomTag(0x0028, 0x0101), {16});
      ds.SetUS(DicomTag(0x0028, 0x0102), {15}).SetUS(DicomTag(0x0028, 0x0103), {1});
      ds.SetBytes(DicomTag(0x7fe0, 0x0010), "OW", std::string(kColumns * kRows * 2, '\0'));
      // File names in reverse order of position: slices are placed by position, not name.
      const std::string name = "img" + std::to_string(kSlices - k) + ".dcm";
      EXPECT_TRUE(WriteDicomFile(ds, dir / name).ok());
    }
    auto result = LoadCtSeries(dir);
    EXPECT_TRUE(result.ok()) << result.error().ToString();
    if (result.ok()) loaded = std::move(*result);
  }
};

LabelTable Table() {
  LabelTable table;
  const CodedConcept anatomy{"123037004", "SCT", "Anatomical Structure"};
  EXPECT_TRUE(table
                  .Add({2,
                        "right kidney",
                        {185, 102, 83},
                        anatomy,
                        CodedConcept{"9846003", "SCT", "Right kidney"}})
                  .ok());
  EXPECT_TRUE(
      table
          .Add({5, "esophagus", {0, 200, 0}, anatomy, CodedConcept{"32849002", "SCT", "Esophagus"}})
          .ok());
  EXPECT_TRUE(table.Add({7, "uncoded", {1, 2, 3}, anatomy, std::nullopt}).ok());
  return table;
}

// Label 2: a ring with a hole on slice 1 and a bar on slice 2; label 5: one pixel on slice 0
// and two diagonal neighbours on slice 3. Slice 1 also has label 5 beside the ring.
LabelMap MakeLabels(const Geometry& grid) {
  Volume<uint8_t> v(grid);
  std::fill(v.voxels().begin(), v.voxels().end(), 0);
  for (int64_t j = 1; j <= 4; ++j) {
    for (int64_t i = 1; i <= 4; ++i) v.at(i, j, 1) = (i == 1 || i == 4 || j == 1 || j == 4) ? 2 : 0;
  }
  v.at(6, 5, 1) = 5;
  for (int64_t i = 0; i < kColumns; ++i) v.at(i, 3, 2) = 2;
  v.at(0, 0, 0) = 5;
  v.at(3, 2, 3) = 5;
  v.at(4, 3, 3) = 5;
  auto labels = LabelMap::Create(grid, AnyVolume(std::move(v)), Table());
  EXPECT_TRUE(labels.ok());
  return std::move(labels).value();
}

TEST(DicomSegTest, FramesAndReferencesRoundTrip) {
  ScratchDir scratch;
  SyntheticSeries series(scratch / "ct");
  const LabelMap labels = MakeLabels(series.loaded.volume.geometry());
  const auto path = series.dir / "seg.dcm";
  Status written = WriteDicomSeg(labels, series.loaded.info, {}, path);
  ASSERT_TRUE(written.ok()) << written.error().ToString();

  const Node seg = ReadFile(path);
  EXPECT_EQ(seg.Text(dicom_tag::kSopClassUid), "1.2.840.10008.5.1.4.1.1.66.4");
  EXPECT_EQ(seg.Text(DicomTag(0x0008, 0x0060)), "SEG");
  EXPECT_EQ(seg.Text(DicomTag(0x0010, 0x0010)), "Synthetic^Patient");
  EXPECT_EQ(seg.Text(DicomTag(0x0010, 0x0020)), "SYN-0001");
  EXPECT_EQ(seg.Text(DicomTag(0x0008, 0x0020)), "20240229");
  EXPECT_EQ(seg.Text(dicom_tag::kStudyInstanceUid), series.study_uid);
  EXPECT_EQ(seg.Text(dicom_tag::kFrameOfReferenceUid), series.frame_uid);
  EXPECT_NE(seg.Text(dicom_tag::kSeriesInstanceUid), series.series_uid);
  EXPECT_EQ(seg.Text(DicomTag(0x0028, 0x0008)), "8");  // 2 segments x 4 slices
  EXPECT_EQ(Le(seg.values.at(DicomTag(0x0028, 0x0010)), 0, 2), kRows);
  EXPECT_EQ(Le(seg.values.at(DicomTag(0x0028, 0x0011)), 0, 2), kColumns);
  EXPECT_EQ(Le(seg.values.at(DicomTag(0x0028, 0x0100)), 0, 2), 1u);

  const auto& segments = seg.sequences.at(DicomTag(0x0062, 0x0002));
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[0].Text(DicomTag(0x0062, 0x0005)), "right kidney");
  EXPECT_EQ(segments[1].Text(DicomTag(0x0062, 0x0005)), "esophagus");
  EXPECT_EQ(segments[1].Item(DicomTag(0x0062, 0x000f)).Text(dicom_tag::kCodeValue), "32849002");

  const Node& referenced = seg.Item(DicomTag(0x0008, 0x1115));
  EXPECT_EQ(referenced.Text(dicom_tag::kSeriesInstanceUid), series.series_uid);
  EXPECT_EQ(referenced.sequences.at(DicomTag(0x0008, 0x114a)).size(), 4u);
  const Node& measures = seg.Item(DicomTag(0x5200, 0x9229)).Item(DicomTag(0x0028, 0x9110));
  EXPECT_EQ(Numbers(measures.Text(DicomTag(0x0028, 0x0030))),
            (std::vector<double>{kRowSpacing, kColumnSpacing}));

  const auto& frames = seg.sequences.at(DicomTag(0x5200, 0x9230));
  ASSERT_EQ(frames.size(), 8u);
  const std::string& pixels = seg.values.at(DicomTag(0x7fe0, 0x0010));
  EXPECT_EQ(pixels.size(), 8u * kColumns * kRows / 8);
  const uint16_t ids[2] = {2, 5};
  for (size_t f = 0; f < frames.size(); ++f) {
    const size_t s = f / kSlices, k = f % kSlices;
    const Node& frame = frames[f];
    EXPECT_EQ(Le(frame.Item(DicomTag(0x0062, 0x000a)).values.at(DicomTag(0x0062, 0x000b)), 0, 2),
              s + 1);
    const Node& source = frame.Item(DicomTag(0x0008, 0x9124)).Item(DicomTag(0x0008, 0x2112));
    EXPECT_EQ(source.Text(dicom_tag::kReferencedSopInstanceUid), series.instance_uids[k]);
    const auto position =
        Numbers(frame.Item(DicomTag(0x0020, 0x9113)).Text(DicomTag(0x0020, 0x0032)));
    EXPECT_EQ(position, (std::vector<double>{12.5, -30.25, -100 + kSliceGap * k}));
    for (int64_t j = 0; j < kRows; ++j) {
      for (int64_t i = 0; i < kColumns; ++i) {
        const size_t bit = (f * kRows + j) * kColumns + i;
        const bool set = (static_cast<uint8_t>(pixels[bit / 8]) >> (bit % 8)) & 1;
        EXPECT_EQ(set, labels.labels.at(i, j, static_cast<int64_t>(k)) == ids[s])
            << "frame " << f << " pixel " << i << "," << j;
      }
    }
  }
}

TEST(DicomSegTest, RtStructContoursGiveTheMaskBack) {
  ScratchDir scratch;
  SyntheticSeries series(scratch / "ct");
  const LabelMap labels = MakeLabels(series.loaded.volume.geometry());
  const auto path = series.dir / "rtstruct.dcm";
  Status written = WriteRtStruct(labels, series.loaded.info, {}, path);
  ASSERT_TRUE(written.ok()) << written.error().ToString();

  const Node rt = ReadFile(path);
  EXPECT_EQ(rt.Text(DicomTag(0x0008, 0x0060)), "RTSTRUCT");
  EXPECT_EQ(rt.Text(dicom_tag::kFrameOfReferenceUid), series.frame_uid);
  const Node& study = rt.Item(DicomTag(0x3006, 0x0010)).Item(DicomTag(0x3006, 0x0012));
  EXPECT_EQ(study.Text(dicom_tag::kReferencedSopInstanceUid), series.study_uid);
  EXPECT_EQ(study.Item(DicomTag(0x3006, 0x0014)).sequences.at(DicomTag(0x3006, 0x0016)).size(), 4u);
  const auto& rois = rt.sequences.at(DicomTag(0x3006, 0x0020));
  ASSERT_EQ(rois.size(), 2u);
  EXPECT_EQ(rois[0].Text(DicomTag(0x3006, 0x0022)), "2");
  EXPECT_EQ(rois[1].Text(DicomTag(0x3006, 0x0026)), "esophagus");

  const auto& contours_of = rt.sequences.at(DicomTag(0x3006, 0x0039));
  ASSERT_EQ(contours_of.size(), 2u);
  for (const Node& roi : contours_of) {
    const auto id = static_cast<uint16_t>(std::stoi(roi.Text(DicomTag(0x3006, 0x0084))));
    std::vector<std::vector<SliceContour>> per_slice(kSlices);
    for (const Node& c : roi.sequences.at(DicomTag(0x3006, 0x0040))) {
      EXPECT_EQ(c.Text(DicomTag(0x3006, 0x0042)), "CLOSED_PLANAR");
      const std::string uid =
          c.Item(DicomTag(0x3006, 0x0016)).Text(dicom_tag::kReferencedSopInstanceUid);
      const auto k = std::find(series.instance_uids.begin(), series.instance_uids.end(), uid) -
                     series.instance_uids.begin();
      ASSERT_LT(k, kSlices);
      const auto data = Numbers(c.Text(DicomTag(0x3006, 0x0050)));
      ASSERT_EQ(data.size(), 3u * std::stoul(c.Text(DicomTag(0x3006, 0x0046))));
      SliceContour contour;
      for (size_t n = 0; n < data.size(); n += 3) {
        // Back to pixel units through the slice's own position and the series' orientation.
        const double dx = data[n] - 12.5, dy = data[n + 1] + 30.25;
        EXPECT_NEAR(data[n + 2], -100 + kSliceGap * static_cast<double>(k), 1e-9);
        contour.points.push_back({(dx * kOrientation[0] + dy * kOrientation[1]) / kColumnSpacing,
                                  (dx * kOrientation[3] + dy * kOrientation[4]) / kRowSpacing});
      }
      per_slice[static_cast<size_t>(k)].push_back(contour);
    }
    for (int64_t k = 0; k < kSlices; ++k) {
      const auto filled = RasterizeContours(per_slice[static_cast<size_t>(k)], kColumns, kRows);
      for (int64_t j = 0; j < kRows; ++j) {
        for (int64_t i = 0; i < kColumns; ++i) {
          EXPECT_EQ(filled[static_cast<size_t>(j * kColumns + i)] != 0,
                    labels.labels.at(i, j, k) == id)
              << "label " << id << " slice " << k << " pixel " << i << "," << j;
        }
      }
    }
  }
}

TEST(DicomSegTest, RefusesWhatCannotBeWritten) {
  ScratchDir scratch;
  SyntheticSeries series(scratch / "ct");
  const Geometry& grid = series.loaded.volume.geometry();
  const auto path = series.dir / "seg.dcm";
  auto expect_error = [&](const LabelMap& labels, const CtSeriesInfo& info, ErrorCode code,
                          const std::string& needle) {
    for (bool seg : {true, false}) {
      Status s =
          seg ? WriteDicomSeg(labels, info, {}, path) : WriteRtStruct(labels, info, {}, path);
      ASSERT_FALSE(s.ok()) << needle;
      EXPECT_EQ(s.error().code, code) << s.error().ToString();
      EXPECT_NE(s.error().message.find(path.string()), std::string::npos) << s.error().message;
      EXPECT_NE(s.error().message.find(needle), std::string::npos) << s.error().message;
      EXPECT_EQ(s.error().message.find("Synthetic"), std::string::npos) << "no patient data";
    }
    EXPECT_FALSE(std::filesystem::exists(path));
  };

  Volume<uint8_t> empty(grid);
  std::fill(empty.voxels().begin(), empty.voxels().end(), 0);
  expect_error(*LabelMap::Create(grid, AnyVolume(empty), Table()), series.loaded.info,
               ErrorCode::kInvalidArgument, "no labelled voxels");

  Volume<uint8_t> uncoded = empty;
  uncoded.at(1, 1, 1) = 7;
  expect_error(*LabelMap::Create(grid, AnyVolume(uncoded), Table()), series.loaded.info,
               ErrorCode::kInvalidArgument, "label 7 (uncoded) has no code");
  uncoded.at(1, 1, 1) = 9;
  expect_error(*LabelMap::Create(grid, AnyVolume(uncoded), Table()), series.loaded.info,
               ErrorCode::kInvalidArgument, "label 9 is not in the label table");

  LabelTable long_code = Table();
  const CodedConcept anatomy{"123037004", "SCT", "Anatomical Structure"};
  ASSERT_TRUE(long_code
                  .Add({9,
                        "odd",
                        {1, 2, 3},
                        anatomy,
                        CodedConcept{"12345678901234567", "SCT", "Too long a code"}})
                  .ok());
  expect_error(*LabelMap::Create(grid, AnyVolume(uncoded), long_code), series.loaded.info,
               ErrorCode::kInvalidArgument, "code '12345678901234567' (SCT)");

  // A label map on another grid of the same size: shifted by two slices.
  Geometry shifted = grid;
  shifted.origin[2] += 2 * kSliceGap;
  LabelMap moved = MakeLabels(shifted);
  expect_error(moved, series.loaded.info, ErrorCode::kInconsistentData, "slice 0");
  Geometry flipped = grid;
  flipped.direction.m[0][1] = -flipped.direction.m[0][1];
  flipped.direction.m[1][1] = -flipped.direction.m[1][1];
  expect_error(MakeLabels(flipped), series.loaded.info, ErrorCode::kInconsistentData,
               "ImageOrientationPatient");

  CtSeriesInfo missing_file = series.loaded.info;
  missing_file.slices[2].path = series.dir / "gone.dcm";
  expect_error(MakeLabels(grid), missing_file, ErrorCode::kNotFound, "gone.dcm");

  SyntheticSeries no_frame(scratch / "ct_without_frame_of_reference", false);
  expect_error(MakeLabels(no_frame.loaded.volume.geometry()), no_frame.loaded.info,
               ErrorCode::kUnsupported, "FrameOfReferenceUID");
}

TEST(DicomSegTest, CieLabOfDisplayColours) {
  // White is L* 100, a* = b* = 0 (128 of 255 on the scaled axes); black is L* 0.
  EXPECT_EQ(DicomCieLabFromRgb({255, 255, 255}), (std::array<uint16_t, 3>{65535, 32896, 32896}));
  EXPECT_EQ(DicomCieLabFromRgb({0, 0, 0}), (std::array<uint16_t, 3>{0, 32896, 32896}));
  // Pure red, D50: L* 54.29, a* 80.80, b* 69.89 (Lindbloom's calculator).
  const auto red = DicomCieLabFromRgb({255, 0, 0});
  EXPECT_NEAR(red[0] / 65535.0 * 100, 54.29, 0.05);
  EXPECT_NEAR(red[1] / 65535.0 * 255 - 128, 80.80, 0.1);
  EXPECT_NEAR(red[2] / 65535.0 * 255 - 128, 69.89, 0.1);
}

}  // namespace
}  // namespace viscera
