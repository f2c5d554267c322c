// `viscera info PATH`: what a volume is and where it lies, for people (text) or programs (--json).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cmd/commands.h"
#include "cmd/read_options.h"

namespace viscera::cmd {
namespace {

nlohmann::json Matrix(const Affine& a) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : a.m) rows.push_back(row);
  return rows;
}

nlohmann::json Describe(const std::string& path, const LoadedVolume& loaded) {
  const Geometry& g = GeometryOf(loaded.volume);
  const VoxelRange range = ComputeRange(loaded.volume);
  nlohmann::json j;
  j["path"] = path;
  j["format"] = VolumeFormatName(loaded.format);
  j["size"] = g.size;
  j["spacing"] = g.spacing;
  j["origin_lps"] = g.origin;
  nlohmann::json direction = nlohmann::json::array();
  for (const auto& row : g.direction.m) direction.push_back(row);
  j["direction_lps"] = direction;
  j["affine_lps"] = Matrix(g.IndexToLps());
  j["affine_ras"] = Matrix(g.IndexToRas());
  j["axis_codes"] = g.AxisCodes();
  j["voxel_type"] = VoxelTypeName(VoxelTypeOfVolume(loaded.volume));
  j["range"] = {range.min, range.max};
  if (loaded.dicom) {
    j["series"] = {{"series_instance_uid", loaded.dicom->series_instance_uid},
                   {"series_description", loaded.dicom->series_description},
                   {"description", loaded.dicom->description},
                   {"transfer_syntax_uid", loaded.dicom->transfer_syntax_uid},
                   {"clamped_voxels", loaded.dicom->clamped_voxels},
                   {"other_series", loaded.dicom->other_series}};
  }
  return j;
}

void PrintText(const nlohmann::json& j) {
  auto triple = [](const nlohmann::json& v, const char* sep) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%.6g%s%.6g%s%.6g", v[0].get<double>(), sep, v[1].get<double>(),
                  sep, v[2].get<double>());
    return std::string(buf);
  };
  std::printf("path:        %s\n", j["path"].get<std::string>().c_str());
  std::printf("format:      %s\n", j["format"].get<std::string>().c_str());
  if (j.contains("series")) {
    std::printf("series:      %s\n", j["series"]["description"].get<std::string>().c_str());
    std::printf("transfer:    %s\n", j["series"]["transfer_syntax_uid"].get<std::string>().c_str());
  }
  std::printf("size:        %s voxels\n", triple(j["size"], " x ").c_str());
  std::printf("spacing:     %s mm\n", triple(j["spacing"], " x ").c_str());
  std::printf("origin:      %s mm (LPS, centre of voxel 0,0,0)\n",
              triple(j["origin_lps"], ", ").c_str());
  std::printf("orientation: %s (index axes point toward)\n",
              j["axis_codes"].get<std::string>().c_str());
  std::printf("voxel type:  %s\n", j["voxel_type"].get<std::string>().c_str());
  std::printf("range:       %.6g .. %.6g%s\n", j["range"][0].get<double>(),
              j["range"][1].get<double>(), j.contains("series") ? " HU" : "");
  if (j.contains("series")) {
    for (const auto& other : j["series"]["other_series"]) {
      std::printf("also found:  %s\n", other.get<std::string>().c_str());
    }
  }
}

}  // namespace

void RegisterInfo(CLI::App& app, int* exit_code) {
  auto* command = app.add_subcommand("info", "Describe a DICOM folder, NIfTI or MetaImage volume");
  struct Flags {
    std::string path;
    bool json = false;
    ReadFlags read;
  };
  auto flags = std::make_shared<Flags>();
  command->add_option("path", flags->path, "DICOM folder, .nii/.nii.gz, .mhd/.mha")->required();
  command->add_flag("--json", flags->json, "Machine-readable output");
  AddReadFlags(*command, &flags->read);
  command->callback([flags, exit_code] {
    auto options = MakeReadOptions(flags->read);
    if (!options) {
      *exit_code = ReportError(options.error());
      return;
    }
    auto loaded = ReadVolume(flags->path, *options);
    if (!loaded) {
      *exit_code = ReportError(loaded.error());
      return;
    }
    nlohmann::json j = Describe(flags->path, *loaded);
    if (flags->json) {
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      PrintText(j);
    }
  });
}

}  // namespace viscera::cmd
