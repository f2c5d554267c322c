// Zip archives for dataset uploads and exports (libzip; only zip_archive.cpp includes zip.h).
// Extraction treats the archive as hostile: it comes from a network client.
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/expected.h"

namespace viscera {

// Defaults for what one upload may hold: a 600-slice DICOM series is ~600 entries and ~300 MB.
inline constexpr int64_t kMaxZipEntries = 4096;
inline constexpr int64_t kMaxZipUncompressedBytes = int64_t{4} << 30;  // 4 GiB

struct ZipLimits {
  int64_t max_entries = kMaxZipEntries;
  int64_t max_total_bytes = kMaxZipUncompressedBytes;  // sum of uncompressed entry sizes
};

// Extracts every entry of `zip` under `dest_dir` (which must exist), streaming each in chunks.
// Refuses, before writing anything, archives with more than max_entries entries, a declared
// uncompressed total over max_total_bytes, and any entry whose name is absolute, contains a ".."
// component or a backslash, or that is a symbolic link; while writing it refuses an entry whose
// data outgrows the declared total (lying headers), a duplicate name and a data error (bad CRC).
// Errors name the archive and the entry: kInvalidArgument for refused names/links, kTooLarge for
// limits, kCorruptData for a damaged archive, kIoError for write failures. On failure dest_dir
// may hold part of the output: callers extract into a staging folder and discard it.
Status ExtractZipSafely(const std::filesystem::path& zip, const std::filesystem::path& dest_dir,
                        const ZipLimits& limits);
Status ExtractZipSafely(const std::filesystem::path& zip, const std::filesystem::path& dest_dir);

// Writes the regular files under `src_dir` (recursively, paths relative to src_dir, so the files
// of a flat folder sit at the zip's root; symbolic links and hidden entries skipped) to
// `zip_file`, atomically: a failure leaves an existing zip_file as it was.
Status WriteZip(const std::filesystem::path& src_dir, const std::filesystem::path& zip_file);

}  // namespace viscera
