#include "io/volume_file.h"

#include "io/metaimage_io.h"
#include "io/nifti_io.h"

namespace viscera {
namespace fs = std::filesystem;

namespace {
bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Expected<VolumeFormat> FormatFromName(const fs::path& path) {
  std::string name = path.filename().string();
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (EndsWith(name, ".nii") || EndsWith(name, ".nii.gz")) return VolumeFormat::kNifti;
  if (EndsWith(name, ".mhd") || EndsWith(name, ".mha")) return VolumeFormat::kMetaImage;
  return MakeError(ErrorCode::kInvalidArgument,
                   path.string() +
                       ": unknown volume format (expected a DICOM folder, .nii, "
                       ".nii.gz, .mhd or .mha)");
}
}  // namespace

const char* VolumeFormatName(VolumeFormat format) {
  switch (format) {
    case VolumeFormat::kDicomFolder:
      return "dicom";
    case VolumeFormat::kNifti:
      return "nifti";
    case VolumeFormat::kMetaImage:
      return "metaimage";
  }
  return "unknown";
}

Expected<VolumeFormat> DetectVolumeFormat(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return VolumeFormat::kDicomFolder;
  return FormatFromName(path);
}

Expected<LoadedVolume> ReadVolume(const fs::path& path, const VolumeReadOptions& options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return MakeError(ErrorCode::kNotFound, path.string() + ": not found");
  VISCERA_ASSIGN_OR_RETURN(VolumeFormat format, DetectVolumeFormat(path));
  LoadedVolume loaded;
  loaded.format = format;
  switch (format) {
    case VolumeFormat::kDicomFolder: {
      CtLoadOptions dicom = options.dicom;
      dicom.limits = options.limits;
      VISCERA_ASSIGN_OR_RETURN(LoadedCtSeries series, LoadCtSeries(path, dicom));
      loaded.volume = std::move(series.volume);
      loaded.dicom = std::move(series.info);
      return loaded;
    }
    case VolumeFormat::kNifti: {
      VISCERA_ASSIGN_OR_RETURN(loaded.volume, ReadNifti(path, options.limits));
      return loaded;
    }
    case VolumeFormat::kMetaImage: {
      VISCERA_ASSIGN_OR_RETURN(loaded.volume, ReadMetaImage(path, options.limits));
      return loaded;
    }
  }
  return MakeError(ErrorCode::kInvalidArgument, path.string() + ": unknown format");
}

Status WriteVolume(const AnyVolume& volume, const fs::path& path,
                   const VolumeWriteOptions& options) {
  VISCERA_ASSIGN_OR_RETURN(VolumeFormat format, FormatFromName(path));
  if (format == VolumeFormat::kNifti) return WriteNifti(volume, path);
  return WriteMetaImage(volume, path, MetaImageWriteOptions{options.compress});
}

}  // namespace viscera
