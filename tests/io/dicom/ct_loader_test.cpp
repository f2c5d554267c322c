#include "io/dicom/ct_loader.h"

#include <gtest/gtest.h>

#include <fstream>

#include "test_data.h"

namespace viscera {
namespace {

using viscera::testing::ScratchDir;
using viscera::testing::SharedData;

TEST(CtLoader, LoadsTotalSegmentatorJpeg2000Series) {
  auto loaded = LoadCtSeries(SharedData("totalseg-example/example_ct_dicom"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const Geometry& g = loaded->volume.geometry();
  EXPECT_EQ(g.size, (Index3{512, 512, 20}));
  EXPECT_NEAR(g.spacing[0], 0.9765625, 1e-9);
  EXPECT_NEAR(g.spacing[2], 2.0, 1e-6);
  EXPECT_EQ(g.AxisCodes(), "LPS");
  EXPECT_EQ(loaded->info.transfer_syntax_uid, "1.2.840.10008.1.2.4.90");
  EXPECT_EQ(loaded->info.series_description, "CT Body 3.0");
  // The lowest slice (most inferior) comes first: origin z is the minimum IPP z.
  EXPECT_NEAR(g.origin[2], -804.5, 1e-6);
  auto range = ComputeRange(AnyVolume(loaded->volume));
  EXPECT_EQ(range.min, -1024);  // air outside the bore, after RescaleIntercept -1024
  EXPECT_GT(range.max, 1000);   // bone
}

TEST(CtLoader, LoadsLidcSeries) {
  auto loaded = LoadCtSeries(SharedData("lidc-idri-0314-chest/dicom"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const Geometry& g = loaded->volume.geometry();
  EXPECT_EQ(g.size, (Index3{512, 512, 275}));
  EXPECT_NEAR(g.spacing[0], 0.78125, 1e-9);
  EXPECT_NEAR(g.spacing[2], 1.0, 1e-6);
  auto range = ComputeRange(AnyVolume(loaded->volume));
  EXPECT_EQ(range.min, -1000);
  EXPECT_EQ(range.max, 1979);
  EXPECT_EQ(loaded->info.clamped_voxels, 0);
}

TEST(CtLoader, RefusesVolumeOverTheMemoryLimitBeforeDecoding) {
  CtLoadOptions options;
  options.limits.max_bytes = 1 << 20;  // 1 MiB: the 20-slice series needs 10 MiB
  auto loaded = LoadCtSeries(SharedData("totalseg-example/example_ct_dicom"), options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kTooLarge);
}

TEST(CtLoader, FolderWithoutDicomIsNotFound) {
  ScratchDir dir;
  std::ofstream(dir / "readme.txt") << "no images here";
  auto loaded = LoadCtSeries(dir.path());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kNotFound);
  EXPECT_NE(loaded.error().message.find("no CT series"), std::string::npos);
  EXPECT_EQ(LoadCtSeries(dir / "absent").error().code, ErrorCode::kNotFound);
}

TEST(CtLoader, UnknownSeriesUidIsNotFound) {
  CtLoadOptions options;
  options.series_instance_uid = "1.2.3.4";
  auto loaded = LoadCtSeries(SharedData("totalseg-example/example_ct_dicom"), options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("no series with UID 1.2.3.4"), std::string::npos);
}

TEST(DicomFile, HeaderOfRealFile) {
  auto files = std::filesystem::directory_iterator(SharedData("totalseg-example/example_ct_dicom"));
  auto header = ReadDicomHeader(files->path());
  ASSERT_TRUE(header.ok()) << header.error().ToString();
  EXPECT_EQ(header->rows, 512);
  EXPECT_EQ(header->bits_allocated, 16);
  EXPECT_EQ(header->sop_class_uid, "1.2.840.10008.5.1.4.1.1.2");  // from the meta header
  EXPECT_EQ(header->Attribute("Modality"), "CT");
  EXPECT_EQ(header->attributes.at("ImageType"),
            (std::vector<std::string>{"ORIGINAL", "PRIMARY", "AXIAL", "CT_SOM5 SPI"}));
  EXPECT_DOUBLE_EQ(header->rescale_intercept, -1024);
}

TEST(DicomFile, GarbageAndMissingFiles) {
  ScratchDir dir;
  std::ofstream(dir / "garbage.dcm") << std::string(4096, '\x5a');
  auto garbage = ReadDicomHeader(dir / "garbage.dcm");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, ErrorCode::kCorruptData);
  EXPECT_NE(garbage.error().message.find("garbage.dcm"), std::string::npos);
  EXPECT_EQ(ReadDicomHeader(dir / "absent.dcm").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace viscera
