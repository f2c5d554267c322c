#include "datasets/dataset_import.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

#include "core/label_map.h"
#include "core/log.h"
#include "datasets/dataset_folder.h"
#include "datasets/zip_archive.h"
#include "export/clara_dataset.h"
#include "export/segmentation_outputs.h"
#include "io/atomic_file.h"
#include "io/clara_dataset_reader.h"
#include "io/label_names.h"
#include "io/volume_file.h"
#include "segment/segmentation_pipeline.h"

namespace viscera {
namespace fs = std::filesystem;
namespace {

void Report(const ImportRequest& request, const std::string& stage, double fraction) {
  if (request.progress) request.progress(stage, fraction);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Errors from reading extracted files name scratch paths; clients know only the upload and its
// entries, so "<work>/upload/ct/x.nii.gz: ..." becomes "<upload>: entry 'ct/x.nii.gz': ...".
Error InUpload(const ImportRequest& request, const fs::path& extracted, const Error& error) {
  std::string message = error.message;
  const std::string prefix = extracted.string() + "/";
  const std::string upload = request.upload.filename().string();
  size_t at;
  while ((at = message.find(prefix)) != std::string::npos) {
    size_t end = message.find(':', at + prefix.size());
    if (end == std::string::npos) end = message.size();
    std::string entry = message.substr(at + prefix.size(), end - at - prefix.size());
    message.replace(at, end - at, "entry '" + entry + "'");
  }
  if (message.find(upload) == std::string::npos) message = upload + ": " + message;
  return MakeError(error.code, message);
}

// A zip of a folder holds the folder itself: look inside single folders ("ds/", "ds/series/").
fs::path ContentRoot(fs::path root) {
  for (int depth = 0; depth < 4; ++depth) {
    std::vector<fs::path> entries;
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(root, ec)) {
      std::string leaf = e.path().filename().string();
      if (leaf == "__MACOSX" || leaf.front() == '.') continue;  // archiver metadata
      entries.push_back(e.path());
    }
    if (entries.size() != 1 || !fs::is_directory(entries[0])) break;
    root = entries[0];
  }
  return root;
}

struct Loaded {
  HounsfieldVolume image;
  std::optional<AnyVolume> labels;
  LabelTable table;
  std::optional<CtSeriesInfo> dicom;
};

Expected<HounsfieldVolume> ReadImage(const fs::path& path, std::optional<CtSeriesInfo>* dicom) {
  VISCERA_ASSIGN_OR_RETURN(LoadedVolume loaded, ReadVolume(path));
  if (dicom != nullptr) *dicom = std::move(loaded.dicom);
  return ToHounsfield(loaded.volume, path.string());
}

// NIfTI files of a zip: one image, at most one label map and one names file.
Expected<Loaded> ReadNiftiContent(const ImportRequest& request, const fs::path& root,
                                  std::vector<fs::path> niftis, std::vector<fs::path> jsons) {
  const std::string upload = request.upload.filename().string();
  std::vector<fs::path> images, label_maps;
  for (const fs::path& p : niftis) {
    std::string leaf = Lower(p.filename().string());
    bool is_labels =
        leaf.find("seg") != std::string::npos || leaf.find("label") != std::string::npos;
    (is_labels ? label_maps : images).push_back(p);
  }
  auto names = [&](const std::vector<fs::path>& ps) {
    std::string s;
    for (const fs::path& p : ps)
      s += (s.empty() ? "'" : ", '") + p.lexically_relative(root).string() + "'";
    return s;
  };
  if (images.size() != 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     upload + ": expected one NIfTI image (a name without 'seg'/'label'), found " +
                         (images.empty() ? std::string("none") : names(images)));
  }
  if (label_maps.size() > 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     upload + ": more than one label map: " + names(label_maps));
  }
  if (jsons.size() > 1) {
    auto named = std::find_if(jsons.begin(), jsons.end(),
                              [](const fs::path& p) { return p.filename() == "labels.json"; });
    if (named == jsons.end()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       upload + ": more than one label names file: " + names(jsons));
    }
    jsons = {*named};
  }
  Loaded out;
  Report(request, "read", 0.2);
  VISCERA_ASSIGN_OR_RETURN(out.image, ReadImage(images[0], nullptr));
  if (!label_maps.empty()) {
    Report(request, "read", 0.5);
    VISCERA_ASSIGN_OR_RETURN(LoadedVolume labels, ReadVolume(label_maps[0]));
    out.labels = std::move(labels.volume);
  }
  if (!jsons.empty()) {
    VISCERA_ASSIGN_OR_RETURN(out.table, ReadLabelNames(jsons[0]));
  }
  return out;
}

// Segments `image` with the request's model and writes the segmentation outputs to out_dir.
Status SegmentInto(const ImportRequest& request, const Loaded& loaded, const fs::path& out_dir) {
  Report(request, "segment", 0);
  VISCERA_ASSIGN_OR_RETURN(ModelMetadata model, ReadModelMetadata(request.model_dir));
  VISCERA_ASSIGN_OR_RETURN(auto predictor, LoadTorchModel(model.model_file, {request.device, 0}));
  SegmentOptions options;
  options.network_batch = request.device == InferenceDevice::kCpu ? 1 : 0;
  options.on_progress = [&](SegmentStage stage, int64_t done, int64_t total) {
    if (stage == SegmentStage::kInference && total > 0) {
      Report(request, "segment", static_cast<double>(done) / static_cast<double>(total));
    }
  };
  VISCERA_ASSIGN_OR_RETURN(SegmentationResult result,
                           SegmentHounsfield(loaded.image, model, *predictor, options));
  VISCERA_ASSIGN_OR_RETURN(
      LabelMap labels,
      LabelMap::Create(loaded.image.geometry(), AnyVolume(std::move(result.labels)), model.labels));
  Report(request, "write", 0);
  SegmentationOutputOptions outputs;
  outputs.name = request.id;
  outputs.algorithm.model_name = model.Describe();
  return WriteSegmentationOutputs(loaded.image, labels, loaded.dicom, outputs, out_dir);
}

Status WriteDataset(const ImportRequest& request, Loaded& loaded, const fs::path& out_dir) {
  if (!loaded.labels.has_value() && !request.model_dir.empty()) {
    return SegmentInto(request, loaded, out_dir);
  }
  LabelMap labels;
  if (loaded.labels.has_value()) {
    VISCERA_ASSIGN_OR_RETURN(
        labels, LabelMap::Create(loaded.image.geometry(), *loaded.labels, std::move(loaded.table)));
    loaded.labels.reset();
  } else {
    // No organs: an all-background mask keeps the folder a complete Clara dataset.
    labels.labels = Volume<uint16_t>(loaded.image.geometry());
    std::fill(labels.labels.voxels().begin(), labels.labels.voxels().end(), uint16_t{0});
    labels.table = std::move(loaded.table);
  }
  Report(request, "write", 0);
  std::error_code ec;
  if (!fs::create_directory(out_dir, ec)) {
    return MakeError(ErrorCode::kIoError, out_dir.string() + ": cannot create: " + ec.message());
  }
  VISCERA_RETURN_IF_ERROR(WriteClaraDataset(loaded.image, labels, request.id, out_dir));
  if (!labels.table.entries().empty()) {
    VISCERA_RETURN_IF_ERROR(
        WriteFileAtomically(out_dir / "labels.json", LabelNamesJson(labels.table)));
  }
  return Ok{};
}

Status BuildFromZip(const ImportRequest& request, const fs::path& work_dir,
                    const fs::path& out_dir) {
  const fs::path extracted = work_dir / "upload";
  std::error_code ec;
  fs::create_directory(extracted, ec);
  if (ec) return MakeError(ErrorCode::kIoError, extracted.string() + ": " + ec.message());
  Report(request, "extract", 0);
  VISCERA_RETURN_IF_ERROR(ExtractZipSafely(request.upload, extracted));
  const fs::path root = ContentRoot(extracted);
  auto fail = [&](const Error& e) { return InUpload(request, extracted, e); };

  if (fs::is_regular_file(root / "config.meta", ec)) {
    Report(request, "read", 0);
    Expected<ClaraDatasetFiles> clara = ReadClaraDataset(root);  // validates before keeping it
    if (!clara.ok()) return fail(clara.error());
    Report(request, "write", 0);
    fs::rename(root, out_dir, ec);
    if (ec) return MakeError(ErrorCode::kIoError, out_dir.string() + ": " + ec.message());
    return Ok{};
  }

  std::vector<fs::path> niftis, jsons;
  for (const fs::directory_entry& e : fs::directory_iterator(root, ec)) {
    if (!e.is_regular_file()) continue;
    std::string leaf = Lower(e.path().filename().string());
    if (EndsWith(leaf, ".nii") || EndsWith(leaf, ".nii.gz")) niftis.push_back(e.path());
    if (EndsWith(leaf, ".json")) jsons.push_back(e.path());
  }
  std::sort(niftis.begin(), niftis.end());
  std::sort(jsons.begin(), jsons.end());
  Loaded loaded;
  if (!niftis.empty()) {
    Expected<Loaded> read = ReadNiftiContent(request, root, niftis, jsons);
    if (!read.ok()) return fail(read.error());
    loaded = std::move(read).value();
  } else {
    // Anything else must be a DICOM series (.dcm or extensionless files, in folders or not).
    Report(request, "read", 0);
    Expected<HounsfieldVolume> image = ReadImage(root, &loaded.dicom);
    if (!image.ok()) return fail(image.error());
    loaded.image = std::move(image).value();
  }
  Status written = WriteDataset(request, loaded, out_dir);
  if (!written.ok()) return fail(written.error());
  return Ok{};
}

}  // namespace

Expected<UploadKind> DetectUploadKind(const fs::path& upload) {
  std::ifstream in(upload, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kNotFound, upload.string() + ": cannot open upload");
  unsigned char head[348] = {};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  const auto n = static_cast<size_t>(in.gcount());
  if (n >= 4 && head[0] == 'P' && head[1] == 'K' &&
      ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))) {
    return UploadKind::kZip;
  }
  if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) return UploadKind::kNiftiGz;
  // NIfTI-1: sizeof_hdr 348 and magic "n+1\0" at 344; NIfTI-2: 540 and "n+2\0" at 4.
  auto int32_at = [&](size_t at, bool swap) {
    uint32_t v = static_cast<uint32_t>(head[at]) | static_cast<uint32_t>(head[at + 1]) << 8 |
                 static_cast<uint32_t>(head[at + 2]) << 16 |
                 static_cast<uint32_t>(head[at + 3]) << 24;
    return swap ? __builtin_bswap32(v) : v;
  };
  for (bool swap : {false, true}) {
    if (n >= 348 && int32_at(0, swap) == 348 && std::memcmp(head + 344, "n+1", 4) == 0) {
      return UploadKind::kNifti;
    }
    if (n >= 12 && int32_at(0, swap) == 540 && std::memcmp(head + 4, "n+2", 4) == 0) {
      return UploadKind::kNifti;
    }
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   upload.filename().string() + ": upload is neither a zip nor a NIfTI file");
}

Status BuildImportedDataset(const ImportRequest& request, const fs::path& work_dir,
                            const fs::path& out_dir) {
  VISCERA_ASSIGN_OR_RETURN(UploadKind kind, DetectUploadKind(request.upload));
  if (kind == UploadKind::kZip) return BuildFromZip(request, work_dir, out_dir);

  // The NIfTI reader goes by extension: give the upload one through a link in the scratch folder.
  const fs::path named = work_dir / (kind == UploadKind::kNiftiGz ? "image.nii.gz" : "image.nii");
  std::error_code ec;
  fs::create_symlink(fs::absolute(request.upload, ec), named, ec);
  if (ec) return MakeError(ErrorCode::kIoError, named.string() + ": " + ec.message());
  Report(request, "read", 0);
  Loaded loaded;
  Expected<HounsfieldVolume> image = ReadImage(named, nullptr);
  if (!image.ok()) {
    std::string message = image.error().message;
    const std::string scratch = named.string();
    for (size_t at; (at = message.find(scratch)) != std::string::npos;) {
      message.replace(at, scratch.size(), request.upload.filename().string());
    }
    return MakeError(image.error().code, message);
  }
  loaded.image = std::move(image).value();
  return WriteDataset(request, loaded, out_dir);
}

}  // namespace viscera
