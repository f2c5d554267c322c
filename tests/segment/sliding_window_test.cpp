#include "segment/sliding_window.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace viscera {
namespace {
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A "network" that classifies each voxel alone: class c scores -(v - c/(C-1))^2, so the label of
// a voxel is its intensity quantised to C levels, whatever window it was seen in.
class VoxelwisePredictor : public WindowPredictor {
 public:
  explicit VoxelwisePredictor(int produced_channels = -1) : produced_(produced_channels) {}
  Status Predict(std::span<const float> input, int batch, const std::array<int64_t, 3>& roi,
                 int channels, std::span<float> output) override {
    if (produced_ > 0 && produced_ != channels) {
      return MakeError(ErrorCode::kInconsistentData,
                       "fake: produces " + std::to_string(produced_) + " channels");
    }
    ++calls;
    max_batch = std::max(max_batch, batch);
    const int64_t n = roi[0] * roi[1] * roi[2];
    EXPECT_EQ(static_cast<int64_t>(input.size()), batch * n);
    for (int b = 0; b < batch; ++b) {
      for (int c = 0; c < channels; ++c) {
        for (int64_t v = 0; v < n; ++v) {
          float x = input[static_cast<size_t>(b * n + v)] - static_cast<float>(c) / (channels - 1);
          output[static_cast<size_t>((b * channels + c) * n + v)] = -x * x;
        }
      }
    }
    return Ok{};
  }
  std::string Describe() const override { return "voxelwise fake"; }
  int calls = 0;
  int max_batch = 0;

 private:
  int produced_;
};

ModelMetadata Model(std::array<int64_t, 3> roi, int channels) {
  ModelMetadata m;
  m.roi = roi;
  m.overlap = 0.5;
  m.sw_batch = 4;
  m.output_channels = channels;
  return m;
}

Volume<float> Ramp(Index3 size) {
  Geometry g;
  g.size = size;
  Volume<float> v(g);
  for (int64_t k = 0; k < size[2]; ++k) {
    for (int64_t j = 0; j < size[1]; ++j) {
      for (int64_t i = 0; i < size[0]; ++i) {
        // A deterministic pattern in [0, 1] that varies along every axis.
        v.at(i, j, k) = static_cast<float>(((i * 7 + j * 13 + k * 29) % 101) / 100.0);
      }
    }
  }
  return v;
}

TEST(SlidingWindow, StartsFollowMonaiDensePatchSlices) {
  EXPECT_THAT(WindowStarts(96, 96, 0.5), ElementsAre(0));
  EXPECT_THAT(WindowStarts(100, 96, 0.5), ElementsAre(0, 4));
  EXPECT_THAT(WindowStarts(334, 96, 0.5), ElementsAre(0, 48, 96, 144, 192, 238));
  EXPECT_THAT(WindowStarts(243, 96, 0.5), ElementsAre(0, 48, 96, 144, 147));
  EXPECT_THAT(WindowStarts(200, 96, 0.25), ElementsAre(0, 72, 104));
  EXPECT_THAT(WindowStarts(10, 4, 0.0), ElementsAre(0, 4, 6));
}

TEST(SlidingWindow, GaussianImportanceMapIsMonaiShaped) {
  auto constant = ImportanceMap({4, 4, 4}, WindowBlend::kConstant);
  EXPECT_EQ(constant.size(), 64u);
  EXPECT_EQ(*std::min_element(constant.begin(), constant.end()), 1.0f);
  auto g = ImportanceMap({16, 16, 16}, WindowBlend::kGaussian);
  float max_value = *std::max_element(g.begin(), g.end());
  EXPECT_FLOAT_EQ(max_value, 1.0f);
  // Symmetric about the centre, clamped at 1e-3 in the corners (sigma = 2 voxels).
  auto at = [&](int x, int y, int z) { return g[static_cast<size_t>((x * 16 + y) * 16 + z)]; };
  EXPECT_FLOAT_EQ(at(3, 7, 8), at(12, 8, 7));
  EXPECT_FLOAT_EQ(at(0, 0, 0), 1e-3f);
  EXPECT_NEAR(at(7, 7, 7) / at(6, 7, 7), std::exp((2.25 - 0.25) / 8.0), 1e-5);
}

TEST(SlidingWindow, AggregatesToTheVoxelwiseAnswerWithPadding) {
  // z shorter than the roi (padded), x and y needing several overlapping windows.
  Volume<float> image = Ramp({23, 17, 5});
  const int channels = 5;  // class boundaries at 0.125, 0.375, ...: never a tie for m/100
  VoxelwisePredictor predictor;
  std::vector<float> first_input, first_logits;
  SlidingWindowOptions options;
  options.first_window_input = &first_input;
  options.first_window_logits = &first_logits;
  int64_t last_done = 0, total = 0;
  options.on_progress = [&](const SlidingWindowProgress& p) {
    EXPECT_GT(p.windows_done, last_done);
    last_done = p.windows_done;
    total = p.windows_total;
  };
  auto labels = SlidingWindowSegment(image, Model({8, 8, 8}, channels), predictor, options);
  ASSERT_TRUE(labels.ok()) << labels.error().ToString();
  // x: 23 -> starts 0,4,...,15 (5), y: 17 -> 0,4,8,9 (4), z padded to 8 -> 1.
  EXPECT_EQ(total, 20);
  EXPECT_EQ(last_done, 20);
  EXPECT_EQ(predictor.calls, 5);
  EXPECT_EQ(predictor.max_batch, 4);
  for (int64_t k = 0; k < 5; ++k) {
    for (int64_t j = 0; j < 17; ++j) {
      for (int64_t i = 0; i < 23; ++i) {
        int expected = static_cast<int>(std::lround(image.at(i, j, k) * (channels - 1)));
        ASSERT_EQ(labels->at(i, j, k), expected) << i << "," << j << "," << k;
      }
    }
  }
  // The first window starts at (0,0,0) of the padded volume: z is padded by 1 before.
  ASSERT_EQ(first_input.size(), 512u);
  EXPECT_EQ(first_input[0], 0.0f);                       // (0,0,z=0): padding
  EXPECT_EQ(first_input[1], image.at(0, 0, 0));          // (0,0,z=1) = image z 0
  EXPECT_EQ(first_input[8 * 8 + 1], image.at(1, 0, 0));  // x is the slowest window axis
  EXPECT_EQ(first_logits.size(), 512u * channels);

  // One window per network call: the same labels, never more than one window in flight.
  VoxelwisePredictor single;
  SlidingWindowOptions one_at_a_time;
  one_at_a_time.network_batch = 1;
  auto same = SlidingWindowSegment(image, Model({8, 8, 8}, channels), single, one_at_a_time);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(single.max_batch, 1);
  EXPECT_EQ(single.calls, 20);
  EXPECT_TRUE(std::equal(same->voxels().begin(), same->voxels().end(), labels->voxels().begin()));
}

TEST(SlidingWindow, ManySlabsAndGaussianBlendGiveTheSameAnswer) {
  Volume<float> image = Ramp({12, 10, 41});
  ModelMetadata model = Model({8, 8, 8}, 5);
  model.blend = WindowBlend::kGaussian;
  model.sw_batch = 3;
  VoxelwisePredictor predictor;
  auto labels = SlidingWindowSegment(image, model, predictor);
  ASSERT_TRUE(labels.ok()) << labels.error().ToString();
  for (int64_t k = 0; k < 41; ++k) {
    for (int64_t j = 0; j < 10; ++j) {
      for (int64_t i = 0; i < 12; ++i) {
        ASSERT_EQ(labels->at(i, j, k), std::lround(image.at(i, j, k) * 4));
      }
    }
  }
}

TEST(SlidingWindow, ChannelMismatchIsAnError) {
  Volume<float> image = Ramp({8, 8, 8});
  VoxelwisePredictor predictor(/*produced_channels=*/3);
  auto labels = SlidingWindowSegment(image, Model({8, 8, 8}, 14), predictor);
  ASSERT_FALSE(labels.ok());
  EXPECT_THAT(labels.error().message, HasSubstr("3 channels"));
}

}  // namespace
}  // namespace viscera
