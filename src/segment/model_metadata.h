// What a segmentation model expects and produces, read from its folder's metadata.json (spec in
// models/unetr/PIPELINE.md), so that another MONAI-style model drops in without code changes.
#pragma once

#include <array>
#include <filesystem>
#include <string>

#include "core/label_map.h"

namespace viscera {

struct IntensityWindow {
  double a_min = -175, a_max = 250;  // HU mapped to b_min, b_max
  double b_min = 0, b_max = 1;
  bool clip = true;
};

enum class WindowBlend { kConstant, kGaussian };

struct ModelMetadata {
  std::filesystem::path folder;
  std::string name;
  std::string version;
  std::string description;
  std::filesystem::path model_file;  // absolute: folder / metadata "model_file"

  int input_channels = 1;
  std::string orientation = "RAS";
  Vec3 spacing{1.5, 1.5, 2.0};
  IntensityWindow window;
  bool crop_foreground = true;

  std::array<int64_t, 3> roi{96, 96, 96};
  double overlap = 0.5;
  int sw_batch = 4;
  WindowBlend blend = WindowBlend::kConstant;

  int output_channels = 14;  // background + labels
  LabelTable labels;

  std::string Describe() const;  // "viscera-demo-unetr 1.0"
};

// Parses metadata text; errors name `source` and the offending field with its value.
Expected<ModelMetadata> ParseModelMetadata(const std::string& json_text,
                                           const std::filesystem::path& source);
// Reads <folder>/metadata.json and checks that the model file it names exists.
Expected<ModelMetadata> ReadModelMetadata(const std::filesystem::path& folder);

}  // namespace viscera
