#include "segment/torch_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "test_data.h"

namespace viscera {
namespace {
using ::testing::HasSubstr;

// Writes a TorchScript module with torch 1.13 from Debian (the same version as our libtorch):
// three channels (x, 2x + 1, -x), so every output value is known exactly.
std::filesystem::path WriteTinyModel(const testing::ScratchDir& dir) {
  std::filesystem::path script = dir / "make.py";
  std::filesystem::path model = dir / "tiny.ts";
  std::ofstream(script) << "import sys, torch\n"
                           "class Tiny(torch.nn.Module):\n"
                           "    def forward(self, x):\n"
                           "        return torch.cat([x, 2 * x + 1, -x], dim=1)\n"
                           "torch.jit.script(Tiny()).save(sys.argv[1])\n";
  std::string command = std::string(VISCERA_PYTHON) + " " + script.string() + " " + model.string();
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return model;
}

TEST(TorchModel, RunsATorchScriptModuleOnTheCpu) {
  testing::ScratchDir dir;
  auto predictor = LoadTorchModel(WriteTinyModel(dir), {InferenceDevice::kCpu, 2});
  ASSERT_TRUE(predictor.ok()) << predictor.error().ToString();
  EXPECT_THAT((*predictor)->Describe(), HasSubstr("2 threads"));
  const std::array<int64_t, 3> roi{4, 3, 2};
  std::vector<float> input(2 * 24);
  for (size_t n = 0; n < input.size(); ++n) input[n] = static_cast<float>(n) * 0.5f;
  std::vector<float> output(2 * 3 * 24);
  ASSERT_TRUE((*predictor)->Predict(input, 2, roi, 3, output).ok());
  for (int b = 0; b < 2; ++b) {
    for (int v = 0; v < 24; ++v) {
      float x = input[static_cast<size_t>(b * 24 + v)];
      EXPECT_EQ(output[static_cast<size_t>((b * 3 + 0) * 24 + v)], x);
      EXPECT_EQ(output[static_cast<size_t>((b * 3 + 1) * 24 + v)], 2 * x + 1);
      EXPECT_EQ(output[static_cast<size_t>((b * 3 + 2) * 24 + v)], -x);
    }
  }
  // Metadata that promises 14 channels is caught at the first batch, naming both counts.
  std::vector<float> wide(2 * 14 * 24);
  Status mismatch = (*predictor)->Predict(input, 2, roi, 14, wide);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_THAT(mismatch.error().message, HasSubstr("produces 3 output channels"));
  EXPECT_THAT(mismatch.error().message, HasSubstr("declares 14"));
}

TEST(TorchModel, CorruptFileIsAClearError) {
  testing::ScratchDir dir;
  std::ofstream(dir / "model.ts") << "PK\x03\x04 this is not a TorchScript archive";
  auto predictor = LoadTorchModel(dir / "model.ts", {});
  ASSERT_FALSE(predictor.ok());
  EXPECT_EQ(predictor.error().code, ErrorCode::kCorruptData);
  EXPECT_THAT(predictor.error().message, HasSubstr("model.ts: not a loadable TorchScript model"));
  auto missing = LoadTorchModel(dir / "absent.ts", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("absent.ts"));
}

TEST(TorchModel, CudaWithoutCudaSaysWhy) {
  if (TorchCudaAvailable()) GTEST_SKIP() << "this build has CUDA: covered by the GPU check";
  testing::ScratchDir dir;
  auto predictor = LoadTorchModel(WriteTinyModel(dir), {InferenceDevice::kCuda, 0});
  ASSERT_FALSE(predictor.ok());
  EXPECT_EQ(predictor.error().code, ErrorCode::kUnsupported);
  EXPECT_THAT(predictor.error().message, HasSubstr("no usable CUDA"));
}

}  // namespace
}  // namespace viscera
