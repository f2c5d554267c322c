// Writes that either complete or leave nothing behind: data goes to a hidden temporary file in the
// destination folder, which is renamed over the destination only after a successful write + fsync.
#pragma once

#include <filesystem>
#include <functional>
#include <span>
#include <string>

#include "core/expected.h"

namespace viscera {

// `digits` random hex digits (from std::random_device): tags for temporary and staging names,
// unguessable enough for session ids.
std::string RandomHexTag(int digits);

// A hidden sibling of `target` that keeps its full file name as a suffix (so that
// extension-sensitive writers such as the NIfTI library still see ".nii.gz").
std::filesystem::path TemporarySiblingPath(const std::filesystem::path& target);

// Calls write(temp_path); on success fsyncs and renames the temp file onto target, otherwise
// removes the temp file. Existing target contents survive any failure.
Status WriteAtomically(const std::filesystem::path& target,
                       const std::function<Status(const std::filesystem::path&)>& write);

// A file to write as part of a group that must appear together (a MetaImage header and its data).
struct PendingFile {
  std::filesystem::path target;
  std::function<Status(const std::filesystem::path&)> write;
};

// Writes and fsyncs every file to its temporary sibling first; only when all succeeded are they
// renamed into place, in order. On any write failure no target is touched.
Status WriteAtomically(std::span<const PendingFile> files);

// Convenience: atomically writes a byte string.
Status WriteFileAtomically(const std::filesystem::path& target, const std::string& bytes);

// fsyncs a file (`directory` false) or a directory, so that the entries it holds (files created,
// renamed or removed in it) reach the disk. Errors name the path.
Status SyncPath(const std::filesystem::path& path, bool directory);

// Reads a whole file, refusing files larger than max_bytes.
Expected<std::string> ReadWholeFile(const std::filesystem::path& path, int64_t max_bytes);

}  // namespace viscera
