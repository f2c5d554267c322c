// The CUDA renderer: without a device (or without CUDA in the build) Create says why; with one,
// its frames match the CPU renderer's (the same ray marcher, compiled twice).
#include "render/cuda_renderer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "render/volume_renderer.h"
#include "render_test_support.h"

namespace viscera {
namespace {
using namespace render_test;
using ::testing::HasSubstr;

std::shared_ptr<const RenderVolume> MarkerVolume() {
  // Anisotropic voxels and a size that is not a multiple of the 8^3 bricks.
  return MakeRenderVolume(
      SamplePhantom(CenteredLpsGrid({61, 53, 47}, {1.7, 1.9, 2.2}), MarkerPhantomAt));
}

TEST(CudaRendererTest, CreateSucceedsOnlyWithADeviceAndOtherwiseSaysWhy) {
  std::string why;
  const bool available = CudaDeviceAvailable(&why);
  auto renderer = CudaRenderer::Create(MarkerVolume());
  if (available) {
    EXPECT_TRUE(why.empty()) << why;
    ASSERT_TRUE(renderer.ok()) << renderer.error().ToString();
    return;
  }
  ASSERT_FALSE(renderer.ok());
  EXPECT_EQ(renderer.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(renderer.error().message, why);
#if defined(VISCERA_HAVE_CUDA)
  // The CUDA runtime's reason (no driver, no device).
  EXPECT_THAT(why, HasSubstr("CUDA device"));
#else
  EXPECT_EQ(why,
            "this build of Viscera has no CUDA renderer: configure with nvcc available "
            "(VISCERA_CUDA=ON)");
#endif
}

// The renderer on the device; null (the test fails) if Create does not succeed.
std::unique_ptr<CudaRenderer> CreateOnDevice(std::shared_ptr<const RenderVolume> volume) {
  auto renderer = CudaRenderer::Create(std::move(volume));
  EXPECT_TRUE(renderer.ok()) << renderer.error().ToString();
  return renderer.ok() ? std::move(renderer).value() : nullptr;
}

int MaxAbsDifference(const RgbImage& a, const RgbImage& b) {
  int worst = 0;
  for (size_t n = 0; n < a.rgb.size(); ++n) worst = std::max(worst, std::abs(a.rgb[n] - b.rgb[n]));
  return worst;
}

// CPU and CUDA frames of the same settings: PSNR >= 40 dB; prints the largest pixel difference.
void ExpectParity(VolumeRenderer& cpu, CudaRenderer& cuda, const RenderSettings& s,
                  RenderQuality quality, const std::string& what, int size = 160) {
  FrameStats cpu_stats, cuda_stats;
  const RgbImage expected = cpu.Render(s, size, size, quality, 1, &cpu_stats);
  auto image = cuda.Render(s, size, size, quality, 1, &cuda_stats);
  ASSERT_TRUE(image.ok()) << what << ": " << image.error().ToString();
  ASSERT_EQ(image->width, size);
  ASSERT_EQ(image->height, size);
  const double psnr = Psnr(expected, *image);
  EXPECT_GE(psnr, 40) << what;
  std::printf("[ parity   ] %s: PSNR %.1f dB, max abs difference %d, CPU %.1f ms, CUDA %.1f ms\n",
              what.c_str(), psnr, MaxAbsDifference(expected, *image), cpu_stats.milliseconds,
              cuda_stats.milliseconds);
  EXPECT_EQ(cuda_stats.occupied_fraction, cpu_stats.occupied_fraction) << what;
}

TEST(CudaRendererTest, MatchesTheCpuRendererOnAPhantom) {
  if (std::string why; !CudaDeviceAvailable(&why)) GTEST_SKIP() << "needs a CUDA device: " << why;
  const auto volume = MarkerVolume();
  auto cuda = CreateOnDevice(volume);
  ASSERT_NE(cuda, nullptr);
  VolumeRenderer cpu(volume);
  RenderSettings s = MarkerSettings();
  for (AnatomicalView view : {AnatomicalView::kAnterior, AnatomicalView::kSuperior}) {
    s.camera = AnatomicalCamera(*volume, view);
    const std::string name = AnatomicalViewName(view);
    ExpectParity(cpu, *cuda, s, RenderQuality::kFull, "phantom full " + name);
    ExpectParity(cpu, *cuda, s, RenderQuality::kDraft, "phantom draft " + name);
    ExpectParity(cpu, *cuda, s, RenderQuality::kCinematic, "phantom cinematic " + name);
  }
  RenderSettings mip = s;
  mip.mode = RenderMode::kMaximumIntensity;
  ExpectParity(cpu, *cuda, mip, RenderQuality::kFull, "phantom MIP");
  // A new transfer function (one organ hidden) is uploaded again; then the old one returns.
  RenderSettings hidden = s;
  hidden.transfer_function.hidden_regions.push_back(kLeftMarker);
  ExpectParity(cpu, *cuda, hidden, RenderQuality::kFull, "phantom, left marker hidden");
  ExpectParity(cpu, *cuda, s, RenderQuality::kFull, "phantom, all markers again");
  // Slice modes are drawn on the CPU: identical.
  RenderSettings slice = s;
  slice.mode = RenderMode::kSliceSegmentation;
  auto cuda_slice = cuda->Render(slice, 96, 80, RenderQuality::kFull);
  ASSERT_TRUE(cuda_slice.ok()) << cuda_slice.error().ToString();
  EXPECT_EQ(cuda_slice->rgb, cpu.Render(slice, 96, 80, RenderQuality::kFull).rgb);
  // Drafts at reduced resolution come back full size.
  auto draft = cuda->Render(s, 200, 150, RenderQuality::kDraft, 4);
  ASSERT_TRUE(draft.ok()) << draft.error().ToString();
  EXPECT_EQ(draft->width, 200);
  EXPECT_EQ(draft->height, 150);
}

TEST(CudaRendererTest, MatchesTheCpuRendererOnTheAbdomenWithOrgans) {
  if (std::string why; !CudaDeviceAvailable(&why)) GTEST_SKIP() << "needs a CUDA device: " << why;
  const Abdomen& abdomen = SharedAbdomen();
  auto cuda = CreateOnDevice(abdomen.volume);
  ASSERT_NE(cuda, nullptr);
  VolumeRenderer cpu(abdomen.volume);
  for (const char* preset : {"bone", "soft-tissue"}) {
    for (AnatomicalView view : {AnatomicalView::kAnterior, AnatomicalView::kLeft}) {
      const RenderSettings s = OrganSettings(*abdomen.volume, preset, view);
      const std::string name = std::string("abdomen ") + preset + " " + AnatomicalViewName(view);
      ExpectParity(cpu, *cuda, s, RenderQuality::kFull, name, 256);
    }
  }
  RenderSettings cinematic = OrganSettings(*abdomen.volume, "bone", AnatomicalView::kAnterior);
  ExpectParity(cpu, *cuda, cinematic, RenderQuality::kCinematic, "abdomen bone cinematic", 256);
  RenderSettings no_ribs = cinematic;
  for (int label = kFirstRib; label <= kLastRib; ++label) {
    no_ribs.transfer_function.hidden_regions.push_back(static_cast<uint16_t>(label));
  }
  ExpectParity(cpu, *cuda, no_ribs, RenderQuality::kFull, "abdomen bone, ribs hidden", 256);
}

}  // namespace
}  // namespace viscera
