#include "io/dicom/dicom_scan.h"

#include <algorithm>
#include <map>

#include "core/log.h"
#include "core/parallel.h"

namespace viscera {
namespace fs = std::filesystem;

std::string DicomSeries::Describe() const {
  const DicomSliceHeader& h = first();
  std::string number = h.Attribute("SeriesNumber");
  // Anonymised data may lack the UID; such instances form one series.
  const std::string uid = series_instance_uid.empty() ? "(missing)" : series_instance_uid;
  return "series " + (number.empty() ? std::string("?") : number) + " '" +
         h.Attribute("SeriesDescription") + "' (" + h.Attribute("Modality") + ", " +
         std::to_string(instances.size()) + " instances, UID " + uid + ")";
}

Expected<DicomFolderScan> ScanDicomFolder(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    return MakeError(ErrorCode::kNotFound, folder.string() + ": not a folder");
  }
  DicomFolderScan scan;
  scan.folder = folder;
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator
           it(folder, fs::directory_options::skip_permission_denied, ec),
       end;
       it != end; it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) {
    return MakeError(ErrorCode::kIoError, folder.string() + ": cannot list: " + ec.message());
  }
  std::sort(files.begin(), files.end());
  scan.files_seen = static_cast<int64_t>(files.size());

  std::vector<std::optional<Expected<DicomSliceHeader>>> headers(files.size());
  Progress progress("reading DICOM headers", static_cast<int64_t>(files.size()));
  ParallelFor(0, static_cast<int64_t>(files.size()), [&](int64_t n) {
    headers[static_cast<size_t>(n)] = ReadDicomHeader(files[static_cast<size_t>(n)]);
    progress.Advance();
  });

  std::map<std::string, size_t> index_of_series;
  for (size_t n = 0; n < files.size(); ++n) {
    Expected<DicomSliceHeader>& header = *headers[n];
    if (!header) {
      scan.skipped.push_back(header.error().message);
      continue;
    }
    if (header->rows <= 0 || header->columns <= 0) {
      scan.skipped.push_back(files[n].string() + ": not an image instance (SOP class " +
                             header->sop_class_uid + ")");
      continue;
    }
    auto [it, inserted] =
        index_of_series.try_emplace(header->series_instance_uid, scan.series.size());
    if (inserted) {
      scan.series.push_back(
          DicomSeries{header->series_instance_uid, header->study_instance_uid, {}});
    }
    scan.series[it->second].instances.push_back(std::move(header).value());
  }
  std::stable_sort(scan.series.begin(), scan.series.end(),
                   [](const DicomSeries& a, const DicomSeries& b) {
                     auto number = [](const DicomSeries& s) {
                       return std::atoll(s.first().Attribute("SeriesNumber").c_str());
                     };
                     return number(a) < number(b);
                   });
  for (const std::string& s : scan.skipped) Log(LogLevel::kDebug, "skipped " + s);
  return scan;
}

}  // namespace viscera
